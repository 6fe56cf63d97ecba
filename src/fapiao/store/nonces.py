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

from fapiao.runtime import Runtime
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
    return claim_reading_revision(rt, access_key_id, nonce, now, window, scope=None)[0]


def claim_reading_revision(
    rt: Runtime, access_key_id: str, nonce: str, now: datetime, window: timedelta, *, scope: str | None
) -> tuple[bool, int]:
    """``claim``, and the current revision of a cache ``scope`` read in the same transaction (0 without one):
    the signed request learns for free whether its cached credential is still current.

    Raw DBAPI statements: this is the one write of every signed read, and SQLAlchemy's layers cost more than
    the statement (bench/README.md). PostgreSQL does both in one statement, SQLite in one transaction.
    """
    db = rt.db
    key, expires, at = store_key(access_key_id, nonce), db.raw_datetime(now + window), db.raw_datetime(now)
    if db.dialect == "postgresql":
        [(claimed, revision)] = db.raw_fetch(_PG_CLAIM, (key, expires, at, scope or ""))
    else:
        with db.raw_cursor(write=True) as cursor:
            cursor.execute(_SQLITE_CLAIM, (key, expires, at))
            claimed = cursor.fetchone() is not None
            revision = 0
            if scope is not None:
                cursor.execute("SELECT revision FROM cache_revisions WHERE scope = ?", (scope,))
                row = cursor.fetchone()
                revision = row[0] if row else 0
    _purge_now_and_then(rt, now)
    return bool(claimed), int(revision)


# A row left over from an earlier window is taken over; a live one makes the claim return nothing.
_UPSERT = (
    "INSERT INTO used_nonces (nonce, expires_at) VALUES ({m}, {m}) ON CONFLICT (nonce) DO UPDATE "
    "SET expires_at = excluded.expires_at WHERE used_nonces.expires_at < {m} RETURNING nonce"
)
_SQLITE_CLAIM = _UPSERT.format(m="?")
_PG_CLAIM = (  # parameter markers only, the values are bound
    f"WITH claimed AS ({_UPSERT.format(m='%s')}) SELECT EXISTS (SELECT 1 FROM claimed), "  # noqa: S608
    "COALESCE((SELECT revision FROM cache_revisions WHERE scope = %s), 0)"
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
