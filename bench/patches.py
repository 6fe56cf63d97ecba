"""Experiments: candidate hot-path fixes applied as monkeypatches to a ``fapiao serve`` process, so their
effect can be measured with the same harness before anyone edits the code (``--patch NAME,…``; one worker
only: uvicorn's spawned workers would re-import the unpatched modules).

Each patch keeps the observable behaviour (same answers, same checks); it changes only how the work is done.
They are measurements for the owners of the code, not fixes: see "Findings" in bench/README.md.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
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


def sqlite_one_connection(undo: Undo) -> None:
    """SQLite: one pooled connection per process, so request threads queue fairly on the pool instead of
    sleeping in SQLite's busy handler (1, 2, 5 … 100 ms back-off) while another thread holds the write lock
    that ``BEGIN IMMEDIATE`` takes for every transaction, reads included."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url

    from fapiao.store import db

    original = db.make_engine

    def make_engine(url: str) -> Any:
        url = db.normalise_url(url)
        if make_url(url).get_backend_name() != "sqlite":
            return original(url)
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            pool_size=1,
            max_overflow=0,
            pool_timeout=30,
        )
        event.listen(engine, "connect", db._sqlite_pragmas)
        event.listen(engine, "begin", db._sqlite_begin_immediate)
        return engine

    _swap(db, "make_engine", make_engine, undo)


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


def nonce_core(undo: Undo) -> None:
    """The nonce claim as one precompiled Core statement on a plain connection (no ORM session, no statement
    built per request); the same ``INSERT … ON CONFLICT DO UPDATE … WHERE expired RETURNING``."""
    from sqlalchemy import bindparam
    from sqlalchemy.dialects import postgresql, sqlite

    from fapiao.services import nonces
    from fapiao.store.tables import UsedNonce

    statements: dict[str, Any] = {}

    def statement(dialect: str) -> Any:
        if dialect not in statements:
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statements[dialect] = (
                insert(UsedNonce)
                .values(nonce=bindparam("key"), expires_at=bindparam("expires"))
                .on_conflict_do_update(
                    index_elements=[UsedNonce.nonce],
                    set_={"expires_at": bindparam("expires")},
                    where=UsedNonce.expires_at < bindparam("now"),
                )
                .returning(UsedNonce.nonce)
            )
        return statements[dialect]

    def claim(rt: Any, access_key_id: str, nonce: str, now: datetime, window: timedelta = nonces.WINDOW) -> bool:
        params = {"key": nonces.store_key(access_key_id, nonce), "expires": now + window, "now": now}
        with rt.db.engine.begin() as conn:
            claimed = conn.execute(statement(rt.db.dialect), params).first() is not None
        nonces._purge_now_and_then(rt, now)
        return claimed

    _swap(nonces, "claim", claim, undo)


def skip_count(undo: Undo) -> None:
    """Pagination without the ``COUNT(*)`` query when the first page is not full (the total is its length)."""
    from sqlalchemy import func, select

    from fapiao.services import pagination, titles

    def paginate(
        session: Any, query: Any, order_column: Any, request: Any, to_view: Any, *, descending: bool = False
    ) -> Any:
        ordered = query.order_by(order_column.desc() if descending else order_column)
        rows = list(session.execute(ordered.limit(request.page_size).offset((request.page - 1) * request.page_size)))
        if request.page == 1 and len(rows) < request.page_size:
            total = len(rows)
        else:
            total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        return pagination.Page([to_view(*row) for row in rows], request.page, request.page_size, total)

    _swap(titles, "paginate", paginate, undo)


PATCHES: dict[str, Callable[[Undo], None]] = {
    "sqlite-one-connection": sqlite_one_connection,
    "cache-credentials": cache_credentials,
    "nonce-core": nonce_core,
    "skip-count": skip_count,
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
