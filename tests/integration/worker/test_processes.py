"""Delivery by real processes: the CLI's contract, a worker killed with SIGKILL mid-delivery, two workers
side by side on PostgreSQL, and the worker inside ``fapiao serve`` with its metrics."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from fapiao.runtime import Runtime
from fapiao.settings import Settings
from fapiao.usecases.actor import OPERATOR
from fapiao.usecases.pagination import PageRequest
from fapiao.webhooks import service as webhooks
from fapiao.webhooks.views import DeliveryView
from tests import factories
from tests.integration.worker.processes import FastServer, WorkerProcess
from tests.support.cli import Cli
from tests.support.server import free_port
from tests.support.stores import POSTGRES_URL
from tests.unit.worker import factories as notify
from tests.unit.worker.receiver import Answer, Received, Receiver

pytestmark = pytest.mark.slow


def _all_delivered(rt: Runtime, endpoint_id: int) -> list[DeliveryView]:
    found = webhooks.list_deliveries(rt, OPERATOR, endpoint_id, PageRequest(1, 300)).items
    assert found and {d.status for d in found} == {"succeeded"}, [(d.id, d.status) for d in found]
    return found


def test_cli_creates_delivers_lists_and_redelivers(
    fast_settings: Settings, rt: Runtime, receiver: Receiver, alice: factories.Customer
) -> None:
    cli = Cli(fast_settings)
    created = cli.json("webhooks", "create", "--account", str(alice.user_id), "--url", receiver.url, "--events",
                       "title.submitted,title.reviewed")  # fmt: skip
    assert {"id", "secret"} <= set(created) and created["secret"].startswith("whsec_")
    assert created["event_types"] == ["title.reviewed", "title.submitted"]
    listed = cli.json("webhooks", "list", "--account", str(alice.user_id))
    assert [e["id"] for e in listed] == [created["id"]] and "secret" not in listed[0]
    refused = cli.error("webhooks", "create", "--account", str(alice.user_id), "--url", "https://u:p@example.com/")
    assert (refused["code"], refused["field"]) == ("InvalidParameter", "url")
    notify.title_events(rt, alice, 2)
    done = cli.json("worker", "--once")
    assert (done["dispatched"], done["attempted"], done["succeeded"]) == (2, 2, 2)
    assert len(receiver.event_ids()) == 2
    assert all(notify.verify(r.headers["fapiao-signature"], r.body, created["secret"]) for r in receiver.received)
    log = cli.json("webhooks", "deliveries", str(created["id"]))
    assert log["total"] == 2 and {d["event_id"] for d in log["items"]} == receiver.event_ids()
    attempt = log["items"][0]["attempts"][0]
    assert (attempt["number"], attempt["status"], attempt["response_code"]) == (1, "succeeded", 200)
    assert {"latency_ms", "error", "started_at"} <= set(attempt)
    again = cli.json("webhooks", "redeliver", str(log["items"][0]["id"]))
    assert again["status"] == "pending"
    assert cli.json("worker", "--once")["attempted"] == 1
    assert len(receiver.received) == 3 and receiver.received[2].headers["fapiao-delivery-attempt"] == "2"
    rotated = cli.json("webhooks", "rotate-secret", str(created["id"]))
    assert rotated["secret"] != created["secret"] and len(rotated["secrets"]) == 2
    assert cli.json("webhooks", "delete", str(created["id"])) == {"id": created["id"], "deleted": True}


def test_a_worker_killed_mid_delivery_loses_nothing(
    settings: Settings, runtime: Runtime, alice: factories.Customer
) -> None:
    slow = notify.fast(settings, webhook_timeout_seconds=2.0, webhook_claim_seconds=4.0)

    def script(received: Received) -> Answer:
        if received.number == 1:
            receiver.release.wait(30)  # stall the first request until the test ends
        return Answer(200)

    with Receiver(script).running() as receiver:
        created = notify.endpoint(runtime, alice, receiver.url)
        notify.title_events(runtime, alice, 3)
        first = WorkerProcess(slow, "--concurrency", "1").start()
        try:
            receiver.wait_for(lambda r: len(r) >= 1)
        finally:
            assert first.kill() == -9  # SIGKILL while the POST waits for its answer
        port = free_port()
        second = WorkerProcess(slow, "--concurrency", "2", "--metrics-port", str(port)).start()
        try:
            # every event answered, the stalled one included, by the second worker
            answered = receiver.wait_for(
                lambda r: len(receiver_ids([x for x in r if x.number > 1 and x.finished])) == 3
            )
            metrics = _metric_when(f"http://127.0.0.1:{port}/metrics", 'deliveries_total{outcome="succeeded"} 3.0')
        finally:
            assert second.stop() == 0
        assert 'fapiao_webhook_deliveries_total{outcome="failed"} 0.0' in metrics
    assert all(notify.verify(r.headers["fapiao-signature"], r.body, created.secret) for r in answered)
    found = _all_delivered(runtime, created.endpoint.id)
    stalled = next(d for d in found if d.event_id == answered[0].headers["fapiao-event-id"])
    assert [a.status for a in stalled.attempts] == ["abandoned", "succeeded"]
    assert "stopped before the attempt finished" in stalled.attempts[0].error


def _metric_when(url: str, expected: str) -> str:
    """The worker's metrics page once it shows ``expected`` (settling follows the answer by a moment)."""
    text = ""
    for _ in range(200):
        text = httpx.get(url, timeout=5).text
        if expected in text:
            return text
        time.sleep(0.05)
    raise AssertionError(f"{expected!r} not in {url}:\n{text}")


def receiver_ids(received: list[Received]) -> set[str]:
    return {r.headers["fapiao-event-id"] for r in received}


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="needs FAPIAO_TEST_DATABASE_URL")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_workers_deliver_everything_never_the_same_attempt_twice(
    settings: Settings, runtime: Runtime, alice: factories.Customer
) -> None:
    relaxed = notify.fast(settings, webhook_timeout_seconds=10.0, webhook_claim_seconds=30.0)
    concurrency = 3
    lock = threading.Condition()
    in_flight, peak = [0], [0]

    def script(received: Received) -> Answer:
        # Hold each request until more are in flight than one worker can send, proving both work at once.
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
            lock.notify_all()
            lock.wait_for(lambda: peak[0] > concurrency, timeout=10)
            in_flight[0] -= 1
        return Answer(200)

    with Receiver(script).running() as receiver:
        endpoints = [notify.endpoint(runtime, alice, f"{receiver.url}/{n}") for n in range(2)]
        workers = [WorkerProcess(relaxed, "--concurrency", str(concurrency)).start() for _ in range(2)]
        try:
            notify.title_events(runtime, alice, 15)
            received = receiver.wait_for(lambda r: len(r) >= 30 and all(x.finished for x in r))
        finally:
            codes = [w.stop() for w in workers]
    assert codes == [0, 0]
    assert peak[0] > concurrency
    by_delivery: dict[str, list[Received]] = {}
    for request in received:
        by_delivery.setdefault(request.headers["fapiao-delivery-id"], []).append(request)
    assert len(by_delivery) == 30 and all(len(requests) == 1 for requests in by_delivery.values())
    assert {(r.path, r.headers["fapiao-event-id"]) for r in received} == {
        (f"/hooks/{n}", event) for n in range(2) for event in receiver_ids(received)
    }
    workers_seen: set[str] = set()
    for endpoint in endpoints:
        for delivery in _all_delivered(runtime, endpoint.endpoint.id):
            assert [a.status for a in delivery.attempts] == ["succeeded"]
            workers_seen.add(delivery.attempts[0].worker.split("/")[0])
    assert len(workers_seen) == 2


@pytest.fixture
def serving(fast_settings: Settings, runtime: Runtime, database_url: str) -> Iterator[FastServer]:
    """``fapiao serve`` with its in-process worker (the default on SQLite; asked for on PostgreSQL)."""
    extra = () if database_url.startswith("sqlite") else ("--webhook-worker",)
    server = FastServer(fast_settings, *extra)
    server.start()
    yield server
    server.stop()


def test_serve_delivers_in_process_and_counts_outcomes(
    serving: FastServer, runtime: Runtime, receiver: Receiver, alice: factories.Customer
) -> None:
    with httpx.Client(base_url=serving.url + "/api/v1", auth=alice.basic, timeout=10) as api:
        created = api.post("/webhook-endpoints", json={"url": receiver.url, "event_types": ["title.submitted"]})
        assert created.status_code == 201, created.text
        endpoint = created.json()
        title = api.post("/titles", json={"invoice_title": "示例科技有限公司", "register_no": factories.VALID_USCC})
        assert title.status_code == 201, title.text
        (request,) = receiver.wait_for(lambda r: len(r) == 1 and r[0].finished is not None)
        assert notify.verify(request.headers["fapiao-signature"], request.body, endpoint["secret"])
        assert json.loads(request.body)["data"]["title"]["id"] == title.json()["id"]
        deliveries = _wait_for_settled(api, endpoint["id"])
        assert deliveries["items"][0]["attempts"][0]["response_code"] == 200
    metrics = httpx.get(serving.url + "/metrics").text
    assert 'fapiao_webhook_deliveries_total{outcome="succeeded"} 1.0' in metrics
    assert 'fapiao_webhook_deliveries_total{outcome="failed"} 0.0' in metrics


def _wait_for_settled(api: httpx.Client, endpoint_id: int) -> Any:
    event = threading.Event()
    for _ in range(200):
        page = api.get(f"/webhook-endpoints/{endpoint_id}/deliveries").json()
        if page["items"] and page["items"][0]["status"] == "succeeded":
            return page
        event.wait(0.05)
    raise AssertionError("the delivery was not recorded as succeeded")
