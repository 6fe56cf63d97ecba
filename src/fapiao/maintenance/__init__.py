"""The operator's upkeep of a store: pruning old rows (``retention``), re-sealing secrets under a new key
(``rotation``) and online SQLite backups (``backup``). Operator-only and run by ``fapiao`` commands and the
worker, never by a request, so these are plain functions over the runtime rather than use cases."""
