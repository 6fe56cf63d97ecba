"""Statement budgets per endpoint, on both stores (NetBox-style): a change that adds a query to a hot path fails
here, listing the statements it sent. The app runs in-process (``FapiaoApp`` through httpx's ASGITransport on
an anyio portal's loop), requests are signed byte for byte as the real clients sign them (``bench.presign``),
and every statement counts: SQLAlchemy's and the raw DBAPI ones of ``store.db.raw_fetch`` / ``raw_cursor``.

Each budget is a warm call (caches filled by an earlier call, as in a running server); lower a budget when a
change saves a statement, raise one only with a reason in the commit message.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from bench import presign

from fapiao.app import FapiaoApp
from fapiao.demo import seed as demo
from fapiao.runtime import Runtime
from fapiao.store import nonces
from tests import factories
from tests.support.statements import all_statements

# endpoint: (SQLite, PostgreSQL) statements of one warm call, as measured when the budgets were set. SQLite
# counts its BEGIN IMMEDIATE; PostgreSQL's signed reads are one statement (nonce claim + revision check).
BUDGETS: dict[str, tuple[int, int]] = {
    "v3 QueryInvoicingCustomerList": (3, 1),
    "v1 QueryInvoicingCustomerList": (3, 1),
    "v3 ApplyInvoice": (17, 14),
    "v3 ListInvoiceTitle (2023-09-30)": (3, 1),
    "v3 CreateInvoice (2023-09-30)": (18, 14),
    "TOP alibaba.einvoice.invoiceapply.get": (4, 3),
    "TOP alibaba.einvoice.invoiceapply.update": (10, 9),
    "TOP taobao.tmc.messages.consume": (5, 4),
    "TOP taobao.tmc.messages.confirm": (3, 2),
    "REST GET /api/v1/titles": (4, 2),
    "REST POST /api/v1/applications": (15, 13),
    "REST GET /api/v1/applications": (10, 8),
}
BSS_2023 = "2023-09-30"


@dataclass
class World:
    """The demo account over an in-process app, with what each endpoint needs."""

    runtime: Runtime
    portal: BlockingPortal
    client: httpx.AsyncClient
    key: presign.AliyunKey
    top: presign.TopApp
    tmc: presign.TopApp  # TMC messages belong to the app: no session
    basic: tuple[str, str]
    title_id: int
    address_id: int
    item_id: int

    def request(self, method: str, target: str, **kwargs: Any) -> httpx.Response:
        return self.portal.call(lambda: self.client.request(method, target, **kwargs))

    def send(self, signer: presign.Signer) -> Any:
        raw = signer("testserver")
        response = self.request(raw.method, raw.target, headers=dict(raw.headers), content=raw.body)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "error_response" not in body and body.get("Success", True) is True, body
        return body

    def rest(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, "/api/v1" + path, auth=self.basic, **kwargs)
        assert response.status_code < 300, response.text
        return response.json()


@pytest.fixture
def world(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setattr(nonces, "PURGE_INTERVAL_SECONDS", math.inf)  # an amortised purge is no request's cost
    described = demo.seed(runtime, "http://testserver")
    aliyun, top = described["aliyun"], described["top"]
    who = factories.Customer(int(aliyun["user_id"]), 0, aliyun["access_key_id"], aliyun["access_key_secret"])
    item = factories.item(runtime, who, original_fen=10**12)
    transport = httpx.ASGITransport(app=FapiaoApp(runtime, background=lambda _rt: nullcontext()))
    client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    with start_blocking_portal() as portal:
        yield World(
            runtime,
            portal,
            client,
            presign.AliyunKey(aliyun["access_key_id"], aliyun["access_key_secret"]),
            presign.TopApp(top["app_key"], top["app_secret"], top["session"]),
            presign.TopApp(top["app_key"], top["app_secret"], None),
            (aliyun["access_key_id"], aliyun["access_key_secret"]),
            int(aliyun["title_id"]),
            int(aliyun["address_id"]),
            item.id,
        )


def _apply_invoice(world: World) -> presign.Signer:
    return presign.aliyun_v3(
        world.key,
        "ApplyInvoice",
        {
            "CustomerId": str(world.title_id),
            "AddressId": str(world.address_id),
            "ApplyUserNick": "budget",
            "InvoiceAmount": "1",
            "InvoiceByAmount": "True",
            "ProcessWay": "1",
            "SelectedIds.1": str(world.item_id),
        },
    )


def _filed(world: World) -> str:
    """A pending application of the demo account (routed to the demo app), filed as a customer would."""
    return str(world.send(_apply_invoice(world))["Data"]["InvoiceApplyId"])


Calls = Iterator[Callable[[], Any]]
ENDPOINTS: dict[str, Callable[[World], Calls]] = {}


def endpoint(name: str) -> Callable[[Callable[[World], Calls]], Callable[[World], Calls]]:
    """Register an endpoint's calls: the test runs the first (warm-up) and measures the second. What the code
    does before each ``yield`` (filing the application a write acts on) is not measured."""

    def register(calls: Callable[[World], Calls]) -> Callable[[World], Calls]:
        ENDPOINTS[name] = calls
        return calls

    return register


def _aliyun(world: World, action: str, params: dict[str, str], version: str = presign.BSS_2017) -> Calls:
    return repeat(lambda: world.send(presign.aliyun_v3(world.key, action, params, version=version)))


def _top(world: World, app: presign.TopApp, method: str, fields: dict[str, str]) -> Callable[[], Any]:
    return lambda: world.send(presign.top_md5(app, method, fields))


@endpoint("v3 QueryInvoicingCustomerList")
def _query_v3(world: World) -> Calls:
    return _aliyun(world, "QueryInvoicingCustomerList", {})


@endpoint("v1 QueryInvoicingCustomerList")
def _query_v1(world: World) -> Calls:
    return repeat(lambda: world.send(presign.aliyun_v1(world.key, "QueryInvoicingCustomerList", {})))


@endpoint("v3 ApplyInvoice")
def _apply(world: World) -> Calls:
    return repeat(lambda: world.send(_apply_invoice(world)))


@endpoint("v3 ListInvoiceTitle (2023-09-30)")
def _titles_2023(world: World) -> Calls:
    return _aliyun(world, "ListInvoiceTitle", {}, BSS_2023)


@endpoint("v3 CreateInvoice (2023-09-30)")
def _create_invoice(world: World) -> Calls:
    params = {
        "InvoiceTitleId": str(world.title_id),
        "InvoiceCandidateIds": json.dumps([str(world.item_id)]),
        "InvoiceMode": "0",
        "InvoiceType": "1",
        "Amount": "0.01",
        "RecipientEmails": '["a@b.com"]',
    }
    return _aliyun(world, "CreateInvoice", params, BSS_2023)


@endpoint("TOP alibaba.einvoice.invoiceapply.get")
def _get(world: World) -> Calls:
    return repeat(_top(world, world.top, "alibaba.einvoice.invoiceapply.get", {"apply_id": _filed(world)}))


@endpoint("TOP alibaba.einvoice.invoiceapply.update")
def _update(world: World) -> Calls:
    ex_info = json.dumps({"message": "同意开票"}, ensure_ascii=False)
    while True:
        fields = {"apply_id": _filed(world), "status": "2", "ex_info": ex_info}
        yield _top(world, world.top, "alibaba.einvoice.invoiceapply.update", fields)


@endpoint("TOP taobao.tmc.messages.consume")
def _consume(world: World) -> Calls:
    while True:
        _filed(world)  # one message waiting, each time
        yield _top(world, world.tmc, "taobao.tmc.messages.consume", {"quantity": "10"})


@endpoint("TOP taobao.tmc.messages.confirm")
def _confirm(world: World) -> Calls:
    while True:
        _filed(world)
        consumed = world.send(presign.top_md5(world.tmc, "taobao.tmc.messages.consume", {"quantity": "10"}))
        ids = ",".join(str(m["id"]) for m in consumed["tmc_messages_consume_response"]["messages"]["tmc_message"])
        yield _top(world, world.tmc, "taobao.tmc.messages.confirm", {"s_message_ids": ids})


@endpoint("REST GET /api/v1/titles")
def _rest_titles(world: World) -> Calls:
    return repeat(lambda: world.rest("GET", "/titles"))


@endpoint("REST POST /api/v1/applications")
def _rest_file(world: World) -> Calls:
    body = {"title_id": world.title_id, "item_ids": [world.item_id], "amount_fen": 1}
    return repeat(lambda: world.rest("POST", "/applications", json=body))


@endpoint("REST GET /api/v1/applications")
def _rest_list(world: World) -> Calls:
    _filed(world)
    return repeat(lambda: world.rest("GET", "/applications"))


@pytest.mark.parametrize("name", sorted(BUDGETS))
def test_endpoint_stays_within_its_statement_budget(world: World, name: str) -> None:
    calls = ENDPOINTS[name](world)
    next(calls)()  # warm-up: credential and title caches filled, as in a running server
    measured = next(calls)
    with all_statements(world.runtime.db) as seen:
        measured()
    count = len(seen)
    sqlite, postgresql = BUDGETS[name]
    budget = sqlite if world.runtime.db.dialect == "sqlite" else postgresql
    listing = "\n".join(seen)
    assert count <= budget, f"{name}: {count} statements, budget {budget}:\n{listing}"


def test_every_endpoint_has_a_budget() -> None:
    assert set(ENDPOINTS) == set(BUDGETS)


def test_the_raw_dbapi_statements_are_counted_too(world: World) -> None:
    """The nonce claim of a signed read bypasses SQLAlchemy (``raw_fetch`` / ``raw_cursor``); it still counts."""
    calls = _query_v3(world)
    with all_statements(world.runtime.db) as seen:
        next(calls)()
    assert any("used_nonces" in statement for statement in seen), seen
