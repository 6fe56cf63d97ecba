"""Replay protection: a signature nonce may be used once per access key within the clock-skew window.

The store is the ``used_nonces`` table, so every server process (and every host on PostgreSQL) sees the
same nonces. Claiming is one ``INSERT … ON CONFLICT DO UPDATE … WHERE expired`` statement: the primary key
makes the database, not a read-then-write race, decide who used a nonce first, and a row left over from an
earlier window is simply taken over. Expired rows are purged at most once a minute per process, so the hot
path stays a single statement.
"""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

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
    key = store_key(access_key_id, nonce)
    expires_at = now + window
    insert = postgresql.insert if rt.db.dialect == "postgresql" else sqlite.insert
    statement = (
        insert(UsedNonce)
        .values(nonce=key, expires_at=expires_at)
        .on_conflict_do_update(
            index_elements=[UsedNonce.nonce],
            set_={"expires_at": expires_at},
            where=UsedNonce.expires_at < now,
        )
        .returning(UsedNonce.nonce)
    )
    with rt.db.transaction() as session:
        claimed = session.execute(statement).first() is not None
    _purge_now_and_then(rt, now)
    return claimed


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
