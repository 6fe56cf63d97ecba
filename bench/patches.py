"""Experiments: candidate hot-path fixes applied as monkeypatches to a ``fapiao serve`` process, so their
effect can be measured with the same harness before anyone edits the code (``--patch NAME,…``; one worker
only: uvicorn's spawned workers would re-import the unpatched modules).

Each patch keeps the observable behaviour (same answers, same checks); it changes only how the work is done.
They are measurements for the owners of the code, not fixes: see "Findings" in bench/README.md. Patches that
were adopted into the code (one SQLite connection per process, the Core nonce claim, pagination without a
needless count) have been removed from here; what is left was measured and deliberately not adopted.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

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


def _ttl_cache(function: Callable[..., Any], seconds: float) -> Callable[..., Any]:
    cache: dict[tuple[Any, ...], tuple[float, Any]] = {}
    lock = threading.Lock()

    def cached(rt: Any, *args: Any) -> Any:
        now = time.monotonic()
        hit = cache.get(args)
        if hit is not None and now - hit[0] < seconds:
            return hit[1]
        value = function(rt, *args)
        with lock:
            cache[args] = (now, value)
        return value

    return cached


def cache_credentials(undo: Undo, seconds: float = 5.0) -> None:
    """Keep resolved access keys, provider apps and sessions for a few seconds per process (no query and no
    Fernet decryption per request). A real fix needs invalidation on disable/revoke (or a short TTL that the
    docs state); only successful lookups are cached here, so unknown keys are still refused at once."""
    from fapiao.gateways.aliyun import gateway
    from fapiao.services import accounts, providers

    _swap(gateway, "resolve_access_key", _ttl_cache(accounts.resolve_access_key, seconds), undo)
    _swap(providers, "resolve_app", _ttl_cache(providers.resolve_app, seconds), undo)
    _swap(providers, "resolve_session", _ttl_cache(providers.resolve_session, seconds), undo)


PATCHES: dict[str, Callable[[Undo], None]] = {
    "cache-credentials": cache_credentials,
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
