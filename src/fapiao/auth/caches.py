"""Per-process caches for what signed requests read on every call, kept exact by revisions.

A disabled key, a changed RAM policy or an edited title must count from the very next request, in every
process and on every host. So each cached entry remembers the revisions of its scopes (``account:<id>``,
``app:<id>``, see ``store.revisions``) when it was read, and a request learns the current revisions from a
statement it runs anyway (the nonce claim on the RPC side, one primary-key lookup on TOP) and reads again
what is behind (``auth.service``). Database triggers (migration 0004) bump the revisions in the writing
transaction, so no write path — service, CLI or a DBA's UPDATE — can forget to.

Fills read the revision *before* the data: an entry may then hold newer data than its revision says (it is
refreshed once more for nothing), never older.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from fapiao.store.revisions import Revisions

if TYPE_CHECKING:
    from fapiao.auth.credentials import AppCredential, Credential, SessionGrant
    from fapiao.titles.service import TitleView

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


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
