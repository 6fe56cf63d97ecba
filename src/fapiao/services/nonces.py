"""Replay protection: a signature nonce may be used once per access key within the clock-skew window.

The store is the ``used_nonces`` table, so every server process (and every host on PostgreSQL) sees the
same nonces. Claiming is one ``INSERT … ON CONFLICT DO UPDATE … WHERE expired`` statement: the primary key
makes the database, not a read-then-write race, decide who used a nonce first, and a row left over from an
earlier window is simply taken over. Expired rows are purged at most once a minute per process, so the hot
path stays a single statement.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.expression import Executable

from fapiao.services.runtime import Runtime
from fapiao.store.tables import UsedNonce

WINDOW = timedelta(minutes=15)
PURGE_INTERVAL_SECONDS = 60.0
_MAX_KEY_LENGTH = 200  # the column's length

_purge_lock = threading.Lock()
_last_purge = 0.0


def store_key(access_key_id: str, nonce: str) -> str:
    """``key_id:nonce``; hashed when it would not fit the column (the SDKs send 32 hex characters)."""
    key = f"{access_key_id}:{nonce}"
    if len(key) <= _MAX_KEY_LENGTH:
        return key
    return f"{access_key_id[:100]}:sha256:{hashlib.sha256(nonce.encode('utf-8')).hexdigest()}"


def claim(rt: Runtime, access_key_id: str, nonce: str, now: datetime, window: timedelta = WINDOW) -> bool:
    """Record the nonce; False if the same key already used it within ``window`` (a replay).

    ``now`` is naive UTC, like every stored time. Another process inserting the same nonce at the same
    moment makes exactly one of the two claims succeed.
    """
    parameters = {"nonce": store_key(access_key_id, nonce), "expires_at": now + window, "now": now}
    # Core on a plain connection, with the statement built once per dialect: this runs on every signed request.
    with rt.db.engine.begin() as connection:
        claimed = connection.execute(_claim_statement(rt.db.dialect), parameters).first() is not None
    _purge_now_and_then(rt, now)
    return claimed


@functools.cache
def _claim_statement(dialect: str) -> Executable:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(UsedNonce)
        .values(nonce=bindparam("nonce"), expires_at=bindparam("expires_at"))
        .on_conflict_do_update(
            index_elements=[UsedNonce.nonce],
            set_={"expires_at": bindparam("expires_at")},
            where=UsedNonce.expires_at < bindparam("now"),
        )
        .returning(UsedNonce.nonce)
    )


def purge(rt: Runtime, now: datetime) -> int:
    """Delete the nonces whose window has passed; returns how many."""
    with rt.db.transaction() as session:
        deleted: int = session.execute(delete(UsedNonce).where(UsedNonce.expires_at < now)).rowcount  # type: ignore[attr-defined]
    return deleted


def _purge_now_and_then(rt: Runtime, now: datetime) -> None:
    global _last_purge
    tick = time.monotonic()
    if tick - _last_purge < PURGE_INTERVAL_SECONDS or not _purge_lock.acquire(blocking=False):
        return
    try:
        _last_purge = tick
        purge(rt, now)
    finally:
        _purge_lock.release()
