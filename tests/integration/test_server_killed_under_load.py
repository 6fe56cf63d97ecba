"""A real ``fapiao serve`` SIGKILLed while several clients write: every write it acknowledged (a 2xx received)
is there after a restart on the same store, the store is sound (SQLite's ``PRAGMA integrity_check``), and what
one transaction writes together stays together (an item's reservation equals its applications' lines).

A few rounds on each engine, each bounded: the kill comes once enough writes were acknowledged, while the
clients keep sending.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from fapiao.runtime import Runtime
from fapiao.settings import Settings
from fapiao.store.tables import ApplicationLine, InvoiceableItem
from tests import factories
from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow

ROUNDS = 3
CLIENTS = 4  # two filing applications, two adding addresses
ACKNOWLEDGED_BEFORE_KILL = 12  # per round
ROUND_SECONDS = 60.0  # the most a round waits for that many acknowledgements


@dataclass
class Ledger:
    """What the server acknowledged, and any answer that was neither an acknowledgement nor a lost connection."""

    addresses: dict[int, str] = field(default_factory=dict)  # id → the addressee it was created with
    applications: set[str] = field(default_factory=set)
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))

    def count(self) -> int:
        with self.lock:
            return len(self.addresses) + len(self.applications)


Write = Callable[[httpx.Client, int], bool]  # whether the server acknowledged the write


def _writer(url: str, auth: tuple[str, str], write: Write, stop: threading.Event, ledger: Ledger) -> None:
    """Write until the server is gone (a lost connection: the outcome of that write is unknown) or told to stop."""
    with httpx.Client(base_url=url + "/api/v1", auth=auth, timeout=30) as client:
        for n in itertools.count():
            if stop.is_set():
                return
            try:
                acknowledged = write(client, n)
            except httpx.TransportError:
                return
            if acknowledged:
                ledger.acknowledged.release()


def _addresses(ledger: Ledger, thread: int, round_: int) -> Write:
    def write(client: httpx.Client, n: int) -> bool:
        addressee = f"收件人{round_}-{thread}-{n}"
        answer = client.post("/addresses", json={**_ADDRESS, "addressee": addressee})
        with ledger.lock:
            if answer.status_code != 201:
                ledger.unexpected.append(f"{answer.status_code} {answer.text}")
                return False
            ledger.addresses[answer.json()["id"]] = addressee
            return True

    return write


def _applications(ledger: Ledger, title_id: int, item_id: int) -> Write:
    def write(client: httpx.Client, n: int) -> bool:
        answer = client.post("/applications", json={"title_id": title_id, "item_ids": [item_id], "amount_fen": 1})
        with ledger.lock:
            if answer.status_code != 201:
                ledger.unexpected.append(f"{answer.status_code} {answer.text}")
                return False
            ledger.applications.add(answer.json()["apply_id"])
            return True

    return write


_ADDRESS = {"phone": "18588888888", "province": "浙江省", "city": "杭州市", "street": "文一西路969号"}


def _integrity(settings: Settings) -> str:
    path = Path(settings.resolved_database_url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as connection:  # recovers the WAL the killed server left, as a restart would
        rows = connection.execute("PRAGMA integrity_check").fetchall()
    connection.close()
    return "\n".join(str(row[0]) for row in rows)


def _reservations_match_lines(runtime: Runtime, item_ids: list[int]) -> None:
    lines = (
        select(ApplicationLine.item_id, func.coalesce(func.sum(ApplicationLine.reserved_fen), 0))
        .where(ApplicationLine.item_id.in_(item_ids))
        .group_by(ApplicationLine.item_id)
    )
    items = select(InvoiceableItem.id, InvoiceableItem.reserved_fen).where(InvoiceableItem.id.in_(item_ids))
    with runtime.db.engine.connect() as connection:
        by_lines: dict[int | None, int] = dict(connection.execute(lines).all())
        reserved: dict[int | None, int] = dict(connection.execute(items).all())
    assert reserved == {item: by_lines.get(item, 0) for item in item_ids}


def test_every_acknowledged_write_survives_a_kill_under_load(settings: Settings, runtime: Runtime) -> None:
    who = factories.customer(runtime)
    factories.provider_app(runtime)
    title = factories.approved_title(runtime, who)
    item_ids = [factories.item(runtime, who).id for _ in range(CLIENTS // 2)]
    ledger = Ledger()
    server = ServerProcess(settings)
    server.start()
    try:
        for round_ in range(ROUNDS):
            stop = threading.Event()
            writes = [_applications(ledger, title.id, item) for item in item_ids]
            writes += [_addresses(ledger, thread, round_) for thread in range(CLIENTS - len(writes))]
            threads = [
                threading.Thread(target=_writer, args=(server.url, who.basic, write, stop, ledger), daemon=True)
                for write in writes
            ]
            for thread in threads:
                thread.start()
            for _ in range(ACKNOWLEDGED_BEFORE_KILL):  # the writes this round must at least reach
                assert ledger.acknowledged.acquire(timeout=ROUND_SECONDS), "the server stopped acknowledging"
            assert server.process is not None
            server.process.kill()  # SIGKILL while the clients keep writing
            assert server.process.wait(30) == -9
            stop.set()
            for thread in threads:
                thread.join(30)
                assert not thread.is_alive()
            if settings.is_sqlite:
                assert _integrity(settings) == "ok"
            server.start()  # on the same store
            _every_acknowledged_write_is_there(server, who, ledger)
            _reservations_match_lines(runtime, item_ids)
    finally:
        server.stop()
    assert ledger.unexpected == []
    assert len(ledger.applications) >= ROUNDS and len(ledger.addresses) >= ROUNDS


def _every_acknowledged_write_is_there(server: ServerProcess, who: factories.Customer, ledger: Ledger) -> None:
    with ledger.lock:
        addresses, applications = dict(ledger.addresses), set(ledger.applications)
    with httpx.Client(base_url=server.url + "/api/v1", auth=who.basic, timeout=30) as client:
        for address_id, addressee in addresses.items():
            found = client.get(f"/addresses/{address_id}")
            assert (found.status_code, found.json()["data"]["addressee"]) == (200, addressee)
        for apply_id in applications:
            assert client.get(f"/applications/{apply_id}").status_code == 200, apply_id
