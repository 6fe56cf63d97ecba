"""Replay protection: a signature nonce may be used once per access key within the clock-skew window.

The store is the ``used_nonces`` table, so every server process (and every host on PostgreSQL) sees the
same nonces. Claiming is one ``INSERT … ON CONFLICT DO UPDATE … WHERE expired``: the primary key makes the
database, not a read-then-write race, decide who used a nonce first, and a row left over from an earlier
window is simply taken over. The claim also reads a cache scope's current revision, so a signed request
learns for free whether its cached credential is still current: one statement on PostgreSQL, one
transaction on SQLite. Expired rows are purged at most once a minute per process, so the hot path stays
that one claim.

Raw DBAPI statements (``Database.raw_fetch`` / ``raw_transaction``): this is the one write of every signed
read, and SQLAlchemy's layers cost more than the statement (bench/README.md).
"""

from __future__ import annotations

import hashlib
import threading
import time
from abc import ABC, abstractmethod
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import delete

from fapiao.store.tables import UsedNonce

if TYPE_CHECKING:
    from fapiao.store.db import Database

WINDOW = timedelta(minutes=15)
PURGE_INTERVAL_SECONDS = 60.0
_MAX_KEY_LENGTH = 200  # the column's length


class NonceStore(Protocol):
    """The nonce claim of one database; ``Database.nonces`` holds the one its dialect needs."""

    def claim(
        self, access_key_id: str, nonce: str, now: datetime, window: timedelta = WINDOW, scope: str | None = None
    ) -> tuple[bool, int]:
        """Record the nonce: (False if the key already used it within ``window`` — a replay, the current
        revision of the cache ``scope``, 0 without one). ``now`` is naive UTC, like every stored time. Of two
        processes claiming the same nonce at the same moment, exactly one succeeds."""
        ...

    def purge(self, now: datetime) -> int:
        """Delete the nonces whose window has passed; returns how many."""
        ...


def store_key(access_key_id: str, nonce: str) -> str:
    """``key_id:nonce``; hashed when it would not fit the column (the SDKs send 32 hex characters)."""
    key = f"{access_key_id}:{nonce}"
    if len(key) <= _MAX_KEY_LENGTH:
        return key
    return f"{access_key_id[:100]}:sha256:{hashlib.sha256(nonce.encode('utf-8')).hexdigest()}"


def nonce_store(db: Database) -> NonceStore:
    return PostgresNonces(db) if db.dialect == "postgresql" else SqliteNonces(db)


class _Nonces(ABC):
    def __init__(self, db: Database) -> None:
        self._db = db
        self._purge_lock = threading.Lock()
        self._last_purge = 0.0

    def claim(
        self, access_key_id: str, nonce: str, now: datetime, window: timedelta = WINDOW, scope: str | None = None
    ) -> tuple[bool, int]:
        db = self._db
        key, expires, at = store_key(access_key_id, nonce), db.raw_datetime(now + window), db.raw_datetime(now)
        claimed = self._claim(key, expires, at, scope)
        self._purge_now_and_then(now)
        return claimed

    @abstractmethod
    def _claim(self, key: str, expires: object, at: object, scope: str | None) -> tuple[bool, int]: ...

    def purge(self, now: datetime) -> int:
        with self._db.begin() as connection:
            return connection.execute(delete(UsedNonce).where(UsedNonce.expires_at < now)).rowcount

    def _purge_now_and_then(self, now: datetime) -> None:
        tick = time.monotonic()
        if tick - self._last_purge < PURGE_INTERVAL_SECONDS or not self._purge_lock.acquire(blocking=False):
            return
        try:
            self._last_purge = tick
            self.purge(now)
        finally:
            self._purge_lock.release()


# A row left over from an earlier window is taken over; a live one makes the claim return nothing.
_UPSERT = (
    "INSERT INTO used_nonces (nonce, expires_at) VALUES ({m}, {m}) ON CONFLICT (nonce) DO UPDATE "
    "SET expires_at = excluded.expires_at WHERE used_nonces.expires_at < {m} RETURNING nonce"
)


class PostgresNonces(_Nonces):
    """The claim and the revision read in one statement, in autocommit (no BEGIN and COMMIT round trips)."""

    _SQL = (  # parameter markers only, the values are bound
        f"WITH claimed AS ({_UPSERT.format(m='%s')}) SELECT EXISTS (SELECT 1 FROM claimed), "  # noqa: S608
        "COALESCE((SELECT revision FROM cache_revisions WHERE scope = %s), 0)"
    )

    def _claim(self, key: str, expires: object, at: object, scope: str | None) -> tuple[bool, int]:
        [(claimed, revision)] = self._db.raw_fetch(self._SQL, (key, expires, at, scope or ""))
        return bool(claimed), int(revision)


class SqliteNonces(_Nonces):
    """The claim and the revision read in one transaction, which takes the write lock up front."""

    _CLAIM = _UPSERT.format(m="?")
    _REVISION = "SELECT revision FROM cache_revisions WHERE scope = ?"

    def _claim(self, key: str, expires: object, at: object, scope: str | None) -> tuple[bool, int]:
        if scope is None:
            [claimed] = self._db.raw_transaction(((self._CLAIM, (key, expires, at)),))
            return bool(claimed), 0
        claimed, revision = self._db.raw_transaction(((self._CLAIM, (key, expires, at)), (self._REVISION, (scope,))))
        return bool(claimed), int(revision[0][0]) if revision else 0
