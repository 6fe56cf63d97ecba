"""Per-process caches for what signed requests read on every call, kept exact by revisions.

A disabled key, a changed RAM policy or an edited title must count from the very next request, in every
process and on every host. So each cached entry remembers the revision of its scope (``account:<id>``,
``app:<id>``) when it was read, and a request learns the current revisions from a statement it runs anyway
(the nonce claim on the RPC side, one primary-key lookup on TOP) and throws away entries that are behind.
Database triggers (migration 0004) bump the revisions in the writing transaction, so no write path —
service, CLI or a DBA's UPDATE — can forget to.

Fills read the revision *before* the data: an entry may then hold newer data than its revision says (it is
refreshed once more for nothing), never older.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from sqlalchemy import Connection, SQLColumnExpression, String, bindparam, cast, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from fapiao.store.tables import CacheRevision

if TYPE_CHECKING:
    from fapiao.accounts.service import Credential
    from fapiao.providers.service import AppCredential, SessionGrant
    from fapiao.runtime import Runtime
    from fapiao.titles.service import TitleView

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Revisions = tuple[int, ...]


def account_scope(account_id: int) -> str:
    return f"account:{account_id}"


def app_scope(app_id: int) -> str:
    return f"app:{app_id}"


@dataclass(frozen=True)
class Entry(Generic[V]):
    value: V
    revisions: Revisions


class ReadCache(Generic[K, V]):
    """A bounded, thread-safe map whose entries carry the revisions they were read at (least recently used
    entries go first). Values must be immutable: every thread of the process shares them."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[K, Entry[V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> Entry[V] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def current(self, key: K, revisions: Revisions) -> V | None:
        """The cached value if it was read at exactly ``revisions``."""
        entry = self.get(key)
        return entry.value if entry is not None and entry.revisions == revisions else None

    def put(self, key: K, value: V, revisions: Revisions) -> None:
        with self._lock:
            self._entries[key] = Entry(value, revisions)
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def discard(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)


@dataclass
class Caches:
    """The caches of one process (one ``Runtime``)."""

    capacity: int = 10_000
    credentials: ReadCache[str, Credential] = field(init=False)  # by access key id
    titles: ReadCache[int, tuple[TitleView, ...]] = field(init=False)  # by account id
    apps: ReadCache[str, AppCredential] = field(init=False)  # by app key
    sessions: ReadCache[tuple[int, str], SessionGrant] = field(init=False)  # by (app id, session key)

    def __post_init__(self) -> None:
        self.credentials = ReadCache(self.capacity)
        self.titles = ReadCache(self.capacity)
        self.apps = ReadCache(self.capacity)
        self.sessions = ReadCache(self.capacity)


def scope_of(prefix: str, id_column: SQLColumnExpression[int]) -> ColumnElement[str]:
    """``'<prefix>' || id`` in SQL: the scope name the triggers write, for a row's id column."""
    return literal(prefix) + cast(id_column, String)


def revision_of(scope: ColumnElement[str]) -> ColumnElement[int]:
    """A scalar subquery for a scope's revision (0 before its first write), to read it in the same statement
    — the same snapshot — as the data it guards."""
    subquery = select(CacheRevision.revision).where(CacheRevision.scope == scope).scalar_subquery()
    return func.coalesce(subquery, 0)


def read(connection: Connection, scopes: Sequence[str]) -> Revisions:
    """The scopes' revisions inside an open transaction (for fills)."""
    rows = connection.execute(_READ, {"scopes": list(scopes)})
    found: dict[str, int] = {row.scope: row.revision for row in rows}
    return tuple(found.get(scope, 0) for scope in scopes)


_READ = select(CacheRevision.scope, CacheRevision.revision).where(
    CacheRevision.scope.in_(bindparam("scopes", expanding=True))
)


def current(rt: Runtime, scopes: Sequence[str]) -> Revisions:
    """The scopes' revisions now: one primary-key lookup on the pool's DBAPI connection (this runs on every
    TOP request, where SQLAlchemy's layers would cost more than the lookup)."""
    mark = rt.db.placeholder
    markers = ", ".join([mark] * len(scopes))  # parameter markers only, the values are bound
    sql = f"SELECT scope, revision FROM cache_revisions WHERE scope IN ({markers})"  # noqa: S608
    found = dict(rt.db.raw_fetch(sql, tuple(scopes)))
    return tuple(int(found.get(scope, 0)) for scope in scopes)
