"""Customers' webhook endpoints over the REST API of a real ``fapiao serve``, on both databases."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from fapiao.runtime import Runtime
from fapiao.store.tables import IdempotencyRecord
from fapiao.worker.worker import Worker
from tests import factories
from tests.support.server import ServerProcess
from tests.unit.worker import factories as notify
from tests.unit.worker.receiver import Receiver

pytestmark = pytest.mark.slow


@pytest.fixture
def customer(runtime: Runtime) -> factories.Customer:
    return factories.customer(runtime, nick="carol")


@pytest.fixture
def api(server: ServerProcess, customer: factories.Customer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url + "/api/v1", auth=customer.basic, timeout=10) as client:
        yield client


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_endpoint_lifecycle(api: httpx.Client, runtime: Runtime, customer: factories.Customer) -> None:
    bad = api.post("/webhook-endpoints", json={"url": "ftp://example.com/x"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "url"
    bad = api.post("/webhook-endpoints", json={"url": "https://example.com/x", "event_types": ["nope"]})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "event_types"
    assert _ok(api.get("/webhook-endpoints")) == []
    key = {"Idempotency-Key": "create-hook-1"}
    created = _ok(api.post("/webhook-endpoints", json={"url": "https://93.184.215.14/a"}, headers=key), 201)
    replay = api.post("/webhook-endpoints", json={"url": "https://93.184.215.14/a"}, headers=key)
    assert replay.headers.get("idempotent-replayed") == "true" and _ok(replay, 201) == created
    assert created["secret"].startswith("whsec_") and created["user_id"] == customer.user_id
    assert created["event_types"] == ["*"]
    with runtime.db.transaction() as session:
        stored = session.scalars(select(IdempotencyRecord.body)).all()
    assert stored and not any(created["secret"].encode() in body for body in stored)
    listed = _ok(api.get("/webhook-endpoints"))
    assert [e["id"] for e in listed] == [created["id"]] and "secret" not in listed[0]
    path = f"/webhook-endpoints/{created['id']}"
    patched = _ok(api.patch(path, json={"event_types": ["application.filed"], "enabled": False}))
    assert (patched["event_types"], patched["enabled"], patched["url"]) == (
        ["application.filed"],
        False,
        created["url"],
    )
    rotated = _ok(api.post(path + "/rotate-secret", json={"overlap_seconds": 60}))
    assert rotated["secret"] != created["secret"] and len(rotated["secrets"]) == 2
    assert api.post(path + "/rotate-secret", json={"overlap_seconds": -1}).status_code == 400
    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404


def test_other_customers_endpoints_read_as_missing(server: ServerProcess, api: httpx.Client, runtime: Runtime) -> None:
    dave = factories.customer(runtime, nick="dave")
    theirs = notify.endpoint(runtime, dave, "https://93.184.215.14/dave").endpoint.id
    path = f"/webhook-endpoints/{theirs}"
    for response in (
        api.get(path),
        api.patch(path, json={"enabled": False}),
        api.post(path + "/rotate-secret"),
        api.get(path + "/deliveries"),
        api.delete(path),
    ):
        assert response.status_code == 404 and response.json()["error"]["code"] == "NotFound"
    assert _ok(api.get("/webhook-endpoints")) == []


def test_deliveries_are_listed_and_redelivered(
    api: httpx.Client, runtime: Runtime, customer: factories.Customer, receiver: Receiver
) -> None:
    created = _ok(api.post("/webhook-endpoints", json={"url": receiver.url}), 201)
    notify.title_events(runtime, customer, 1)
    Worker(runtime).run_once()  # the server's own worker (SQLite) may deliver it first: either is fine
    receiver.wait_for(lambda r: len(r) == 1)
    path = f"/webhook-endpoints/{created['id']}/deliveries"
    page = _settled(api, path)
    (delivery,) = page["items"]
    assert delivery["event_id"] == receiver.received[0].headers["fapiao-event-id"]
    assert delivery["attempts"][0]["response_code"] == 200
    assert _ok(api.get(path, params={"status": "failed"}))["total"] == 0
    assert api.get(path, params={"status": "bogus"}).status_code == 400
    queued = _ok(api.post(f"/webhook-deliveries/{delivery['id']}/redeliver"))
    assert queued["status"] == "pending"
    Worker(runtime).run_once()
    receiver.wait_for(lambda r: len(r) == 2)
    assert api.post("/webhook-deliveries/999999/redeliver").status_code == 404


def _settled(api: httpx.Client, path: str) -> Any:
    for _ in range(200):
        page = _ok(api.get(path))
        if page["items"] and page["items"][0]["status"] == "succeeded":
            return page
        time.sleep(0.05)
    raise AssertionError("the delivery was not recorded as succeeded")
