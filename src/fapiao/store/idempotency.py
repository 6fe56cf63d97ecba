"""Idempotency reservations: a key is claimed by the first write of the transaction that does the work.

``reserve`` is one ``INSERT … ON CONFLICT (scope, key) DO UPDATE … WHERE expired RETURNING`` inside the
caller's unit of work. The unique index, not a read-then-write race, decides who runs: on PostgreSQL a second
transaction reserving the same key waits for the first to end, then finds its committed record (or, if the
first rolled back, reserves the key itself); on SQLite ``BEGIN IMMEDIATE`` serialises the transactions
outright. A record older than the retention counts as absent: the reservation takes its row over, so an
expired key never blocks and the hot path needs no purge. Expired rows are deleted now and then, in short
transactions of their own (``purge_now_and_then``).

A reserved row holds status 0 and an empty body until ``record`` fills in the answer in the same
transaction, so no other transaction sees it in that state; a caller whose answer is kept elsewhere (an
ApplyInvoice ``ClientToken``: the application is the answer) reserves only, and leaves the row so.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from fapiao.store.tables import IdempotencyRecord, table_of

if TYPE_CHECKING:
    from fapiao.store.db import Database

PURGE_INTERVAL_SECONDS = 60.0
PURGE_BATCH = 500  # rows per purge transaction: each one short, so writers interleave with a large purge


@dataclass(frozen=True)
class Record:
    """The answer another transaction committed for a key."""

    fingerprint: str
    status_code: int
    body: bytes


class IdempotencyStore(Protocol):
    """The key reservation of one database; ``Database.idempotency`` holds the one its dialect needs."""

    def reserve(
        self, connection: Connection, scope: str, key: str, fingerprint: str, now: datetime, retention: timedelta
    ) -> Record | None:
        """Reserve ``(scope, key)`` in ``connection``'s transaction: ``None`` when this transaction now holds it
        (no record, or only one older than ``retention``), else the record committed for it."""
        ...

    def record(self, connection: Connection, scope: str, key: str, status_code: int, body: bytes) -> None:
        """Store the answer in the row this transaction reserved."""
        ...

    def release(self, connection: Connection, scope: str, key: str) -> None:
        """Give up the key this transaction reserved (its request was refused: nothing to replay)."""
        ...

    def purge_now_and_then(self, now: datetime, retention: timedelta) -> None:
        """Delete records older than ``retention``, at most once per ``PURGE_INTERVAL_SECONDS`` per process;
        never inside a unit of work (call it before opening the one that reserves)."""
        ...

    def purge(self, before: datetime) -> int:
        """Delete the records created before ``before``; how many."""
        ...


def idempotency_store(db: Database) -> IdempotencyStore:
    return IdempotencyRecords(db, postgresql.insert if db.dialect == "postgresql" else sqlite.insert)


_TABLE = table_of(IdempotencyRecord)


class IdempotencyRecords:
    """Both dialects speak the same upsert; only the construct that renders it differs."""

    def __init__(self, db: Database, insert: Callable[[Any], Any]) -> None:
        self._db = db
        statement = insert(_TABLE).values(
            scope=bindparam("b_scope"),
            key=bindparam("b_key"),
            fingerprint=bindparam("b_fingerprint"),
            status_code=0,
            body=b"",
            created_at=bindparam("b_now"),
        )
        self._reserve = statement.on_conflict_do_update(
            index_elements=[_TABLE.c.scope, _TABLE.c.key],
            set_={
                "fingerprint": statement.excluded.fingerprint,
                "status_code": 0,
                "body": b"",
                "created_at": statement.excluded.created_at,
            },
            where=_TABLE.c.created_at < bindparam("expired_before"),
        ).returning(_TABLE.c.id)
        self._purge_lock = threading.Lock()
        self._last_purge = 0.0

    def reserve(
        self, connection: Connection, scope: str, key: str, fingerprint: str, now: datetime, retention: timedelta
    ) -> Record | None:
        parameters = {"b_scope": scope, "b_key": key, "b_fingerprint": fingerprint, "b_now": now}
        if connection.execute(self._reserve, {**parameters, "expired_before": now - retention}).first() is not None:
            return None
        found = connection.execute(_FIND, {"b_scope": scope, "b_key": key}).one()
        return Record(found.fingerprint, found.status_code, found.body)

    def record(self, connection: Connection, scope: str, key: str, status_code: int, body: bytes) -> None:
        connection.execute(_RECORD, {"b_scope": scope, "b_key": key, "b_status_code": status_code, "b_body": body})

    def release(self, connection: Connection, scope: str, key: str) -> None:
        connection.execute(_RELEASE, {"b_scope": scope, "b_key": key})

    def purge_now_and_then(self, now: datetime, retention: timedelta) -> None:
        tick = time.monotonic()
        if self._db.in_unit:  # its short transactions of its own stay off the request's
            return
        if tick - self._last_purge < PURGE_INTERVAL_SECONDS or not self._purge_lock.acquire(blocking=False):
            return
        try:
            self._last_purge = tick
            self.purge(now - retention)
        finally:
            self._purge_lock.release()

    def purge(self, before: datetime) -> int:
        purged = 0
        while True:
            with self._db.begin() as connection:
                count = connection.execute(_PURGE, {"before": before, "batch": PURGE_BATCH}).rowcount
            purged += count
            if count < PURGE_BATCH:
                return purged


_FIND = select(_TABLE.c.fingerprint, _TABLE.c.status_code, _TABLE.c.body).where(
    _TABLE.c.scope == bindparam("b_scope"), _TABLE.c.key == bindparam("b_key")
)
_RELEASE = delete(_TABLE).where(_TABLE.c.scope == bindparam("b_scope"), _TABLE.c.key == bindparam("b_key"))
_RECORD = (
    update(_TABLE)
    .where(_TABLE.c.scope == bindparam("b_scope"), _TABLE.c.key == bindparam("b_key"))
    .values(status_code=bindparam("b_status_code"), body=bindparam("b_body"))
)
# PostgreSQL: rows an in-flight reservation is taking over are skipped, so a purge never waits for (or
# deadlocks with) a request; SQLite renders no FOR UPDATE and serialises writers anyway.
_EXPIRED = (
    select(_TABLE.c.id)
    .where(_TABLE.c.created_at < bindparam("before"))
    .limit(bindparam("batch"))
    .with_for_update(skip_locked=True)
)
_PURGE = delete(_TABLE).where(_TABLE.c.id.in_(_EXPIRED))
