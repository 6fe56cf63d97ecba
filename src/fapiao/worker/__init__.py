"""The webhook worker: a loop and a sender, nothing else.

``worker.Worker`` asks the webhooks feature to fan new outbox events out and to claim due deliveries
(``fapiao.webhooks.deliveries``), POSTs each through ``sender`` and hands the outcome back to be settled; it
runs no queries of its own. ``embedded`` runs one inside ``fapiao serve``; ``metrics`` counts what it does.
docs/webhooks.md describes the contract receivers see.
"""
