"""Experiments: monkeypatches applied to a ``fapiao serve`` process (``--patch NAME,…``; one worker only:
uvicorn's spawned workers would re-import the unpatched modules) or in-process (``--ab NAME,…``), so the
effect of a hot-path decision is measured by the same harness, in the same run.

Each patch keeps the observable behaviour (same answers, same checks); it changes only how the work is done.
The candidate fixes measured here earlier have been adopted; what is left undoes adopted decisions, to
show what each one buys (bench/README.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable

ENV = "FAPIAO_BENCH_PATCHES"
Undo = list[tuple[object, str, object]]


def _swap(owner: object, name: str, value: object, undo: Undo) -> None:
    undo.append((owner, name, getattr(owner, name)))
    setattr(owner, name, value)


def revert(undo: Undo) -> None:
    """Put back what the patches replaced, newest first."""
    while undo:
        owner, name, value = undo.pop()
        setattr(owner, name, value)


def no_read_caches(undo: Undo) -> None:
    """Every signed request reads its credentials and title list from the database, as before the
    per-process caches (``auth.caches``): what the caches buy, in-process (``--ab``) or over HTTP."""
    from fapiao.auth.caches import ReadCache

    _swap(ReadCache, "get", lambda _self, _key: None, undo)


def wire_threads(undo: Undo) -> None:
    """SQLite gateways on worker threads instead of the event loop (``app.wire_execution``): what running
    them inline buys. Over HTTP only (``--patch``); in-process runs have no event loop."""
    from fapiao import app
    from fapiao.protocols import wire

    _swap(app, "wire_execution", lambda _runtime: wire.threaded(), undo)


PATCHES: dict[str, Callable[[Undo], None]] = {
    "no-read-caches": no_read_caches,
    "wire-threads": wire_threads,
}


def apply(names: str | None = None) -> Undo:
    """Apply the named patches (default: ``$FAPIAO_BENCH_PATCHES``); returns what ``revert`` needs."""
    undo: Undo = []
    wanted = [n.strip() for n in (names if names is not None else os.environ.get(ENV, "")).split(",") if n.strip()]
    for name in wanted:
        PATCHES[name](undo)
    return undo


def main() -> None:
    """``python -m bench.patches serve …``: ``fapiao`` with the patches named in ``FAPIAO_BENCH_PATCHES``."""
    import sys

    apply()
    from fapiao.cli import main as fapiao_main

    sys.argv[0] = "fapiao"
    fapiao_main()


if __name__ == "__main__":
    main()
