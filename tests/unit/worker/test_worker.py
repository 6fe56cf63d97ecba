"""The worker loop: fan-out, signing, retries, the attempt log and metrics — a worker in the test process
POSTing to a real receiver on loopback, on both databases."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from fapiao.applications import service as applications
from fapiao.applications.commands import UpdateApplicationStatus
from fapiao.domain.applications import ApplicationStatus, ExInfo
from fapiao.runtime import Runtime
from fapiao.store.tables import OutboxEvent
from fapiao.usecases.actor import OPERATOR, Actor, ActorKind
from fapiao.webhooks import service as webhooks
from fapiao.webhooks.commands import CreateEndpoint, RotateSecret, UpdateEndpoint
from fapiao.webhooks.views import DeliveryView
from fapiao.worker.worker import Worker
from tests import factories
from tests.unit.worker import factories as notify
from tests.unit.worker.factories import delivery_log as _deliveries
from tests.unit.worker.receiver import Answer, Received, Receiver


@contextmanager
def working(rt: Runtime) -> Iterator[Worker]:
    """A worker running in background threads until the block ends."""
    worker = Worker(rt, name="test", concurrency=2)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        stop.set()
        thread.join(10)
        assert not thread.is_alive()


def _settled(rt: Runtime, endpoint_id: int, status: str, timeout: float = 20.0) -> DeliveryView:
    """The endpoint's only delivery once it reached ``status`` (the worker records right after answering)."""
    deadline = time.monotonic() + timeout
    while True:
        (delivery,) = _deliveries(rt, endpoint_id)
        if delivery.status == status or time.monotonic() > deadline:
            assert delivery.status == status, delivery
            return delivery
        time.sleep(0.02)


def _count(outcome: str) -> float:
    return REGISTRY.get_sample_value("fapiao_webhook_deliveries_total", {"outcome": outcome}) or 0.0


def test_delivery_is_signed_and_carries_the_event(rt: Runtime, receiver: Receiver, alice: factories.Customer) -> None:
    created = notify.endpoint(rt, alice, receiver.url)
    assert created.secret.startswith("whsec_")
    (title_id,) = notify.title_events(rt, alice, 1)
    done = Worker(rt).run_once()
    assert (done.dispatched, done.attempted, done.succeeded) == (1, 1, 1)
    (request,) = receiver.received
    body = json.loads(request.body)
    assert request.headers["fapiao-event-id"] == body["id"] and body["id"].startswith("evt_")
    assert request.headers["content-type"].startswith("application/json")
    assert request.headers["fapiao-event-type"] == body["type"] == "title.submitted"
    assert body["user_id"] == alice.user_id and body["data"]["title"]["id"] == title_id
    assert body["data"]["action"] == "create"
    assert notify.verify(request.headers["fapiao-signature"], request.body, created.secret)
    assert not notify.verify(request.headers["fapiao-signature"], request.body + b" ", created.secret)
    assert not notify.verify(request.headers["fapiao-signature"], request.body, "whsec_other")
    (delivery,) = _deliveries(rt, created.endpoint.id)
    assert (delivery.status, delivery.event_id, delivery.attempt_count) == ("succeeded", body["id"], 1)
    (attempt,) = delivery.attempts
    assert (attempt.status, attempt.response_code, attempt.error, attempt.response_excerpt) == (
        "succeeded",
        200,
        "",
        "ok",
    )
    assert attempt.latency_ms is not None and attempt.latency_ms >= 0
    assert Worker(rt).run_once().attempted == 0  # delivered once, not again


def test_fanout_follows_owners_and_event_filters(rt: Runtime, receiver: Receiver, alice: factories.Customer) -> None:
    app = factories.provider_app(rt)
    bob = factories.customer(rt, nick="bob")
    everything = notify.endpoint(rt, alice, receiver.url + "/all")
    filings = notify.endpoint(rt, alice, receiver.url + "/filed", "application.filed")
    bobs = notify.endpoint(rt, bob, receiver.url + "/bob")
    provider = webhooks.create_endpoint(rt, OPERATOR, CreateEndpoint(receiver.url + "/app", app_key=app.app.app_key))
    disabled = notify.endpoint(rt, alice, receiver.url + "/off")
    webhooks.update_endpoint(rt, OPERATOR, UpdateEndpoint(disabled.endpoint.id, enabled=False))
    filed = factories.filed_application(rt, alice)  # title.submitted, title.reviewed, application.filed
    applications.update_status(
        rt,
        Actor(ActorKind.SYSTEM, "provider"),
        UpdateApplicationStatus(filed.apply_id, ApplicationStatus.INVOICING, ExInfo()),
        app_id=app.app.id,
    )
    Worker(rt).run_once()
    seen: dict[str, list[str]] = {}
    for request in receiver.received:
        seen.setdefault(request.path.rsplit("/", 1)[1], []).append(request.headers["fapiao-event-type"])
    assert sorted(seen["all"]) == [
        "application.filed",
        "application.status_changed",
        "title.reviewed",
        "title.submitted",
    ]
    assert seen["filed"] == ["application.filed"]
    assert sorted(seen["app"]) == ["application.filed", "application.status_changed"]
    assert "bob" not in seen and "off" not in seen
    assert [len(_deliveries(rt, e.endpoint.id)) for e in (everything, filings, bobs, provider)] == [4, 1, 0, 2]
    with rt.db.transaction() as session:
        assert session.scalar(select(func.count()).where(OutboxEvent.dispatched_at.is_(None))) == 0


def test_fails_twice_then_succeeds_with_growing_delays(rt: Runtime, alice: factories.Customer) -> None:
    def script(received: Received) -> Answer:
        return Answer(503, b"busy") if received.number <= 2 else Answer(200)

    before = {outcome: _count(outcome) for outcome in ("succeeded", "retrying", "failed")}
    with Receiver(script).running() as receiver:
        created = notify.endpoint(rt, alice, receiver.url)
        notify.title_events(rt, alice, 1)
        with working(rt):
            received = receiver.wait_for(lambda r: len(r) == 3 and r[2].finished is not None)
            delivery = _settled(rt, created.endpoint.id, "succeeded")  # the 200 arrived; it is being recorded
    assert [r.headers["fapiao-delivery-attempt"] for r in received] == ["1", "2", "3"]
    assert len({r.headers["fapiao-event-id"] for r in received}) == 1
    assert delivery.status == "succeeded" and delivery.attempt_count == 3
    first, second, third = delivery.attempts
    assert [a.status for a in delivery.attempts] == ["failed", "failed", "succeeded"]
    assert [a.response_code for a in delivery.attempts] == [503, 503, 200]
    assert first.error == "HTTP 503" and first.response_excerpt == "busy"
    assert first.retry_at is not None and second.retry_at is not None and third.retry_at is None
    assert first.finished_at is not None and second.finished_at is not None
    # The schedule (0.2 s, then 1.0 s, plus up to 10 % jitter) sets each retry; no attempt starts early.
    first_delay = (first.retry_at - first.finished_at).total_seconds()
    second_delay = (second.retry_at - second.finished_at).total_seconds()
    assert 0.19 <= first_delay <= 0.23 and 0.99 <= second_delay <= 1.11 and second_delay > first_delay
    assert second.started_at >= first.retry_at - timedelta(milliseconds=1)
    assert third.started_at >= second.retry_at - timedelta(milliseconds=1)
    assert received[1].started - received[0].started >= 0.19
    assert received[2].started - received[1].started >= 0.99
    assert _count("retrying") - before["retrying"] == 2
    assert _count("succeeded") - before["succeeded"] == 1
    assert _count("failed") == before["failed"]


def test_gives_up_after_the_schedule_then_redelivers_by_hand(rt: Runtime, alice: factories.Customer) -> None:
    healthy = threading.Event()

    def script(_: Received) -> Answer:
        return Answer(200) if healthy.is_set() else Answer(500, b"down")

    failed_before = _count("failed")
    with Receiver(script).running() as receiver:
        created = notify.endpoint(rt, alice, receiver.url)
        notify.title_events(rt, alice, 1)
        with working(rt):
            receiver.wait_for(lambda r: len(r) == 3)
            delivery = _settled(rt, created.endpoint.id, "failed")
            assert delivery.attempt_count == 3
            assert _count("failed") - failed_before == 1
            healthy.set()
            webhooks.redeliver(rt, OPERATOR, delivery.id)
            receiver.wait_for(lambda r: len(r) == 4)
            delivery = _settled(rt, created.endpoint.id, "succeeded")
    assert [(a.number, a.status, a.manual) for a in delivery.attempts] == [
        (1, "failed", False),
        (2, "failed", False),
        (3, "failed", False),
        (4, "succeeded", True),
    ]


def test_rotation_overlap_signs_with_both_secrets(rt: Runtime, receiver: Receiver, alice: factories.Customer) -> None:
    created = notify.endpoint(rt, alice, receiver.url)
    rotated = webhooks.rotate_secret(rt, OPERATOR, RotateSecret(created.endpoint.id))
    assert rotated.secret != created.secret and len(rotated.endpoint.secrets) == 2
    notify.title_events(rt, alice, 1)
    Worker(rt).run_once()
    header = receiver.received[-1].headers["fapiao-signature"]
    assert header.count("v1=") == 2
    body = receiver.received[-1].body
    assert notify.verify(header, body, created.secret) and notify.verify(header, body, rotated.secret)
    retired = webhooks.rotate_secret(rt, OPERATOR, RotateSecret(created.endpoint.id, overlap_seconds=0))
    notify.title_events(rt, alice, 1)
    Worker(rt).run_once()
    header, body = receiver.received[-1].headers["fapiao-signature"], receiver.received[-1].body
    assert header.count("v1=") == 1 and notify.verify(header, body, retired.secret)
    assert not notify.verify(header, body, rotated.secret) and not notify.verify(header, body, created.secret)


def test_every_event_dispatched_once_even_without_endpoints(rt: Runtime, alice: factories.Customer) -> None:
    notify.title_events(rt, alice, 3)
    assert Worker(rt).run_once().dispatched == 3
    assert Worker(rt).run_once().dispatched == 0


def test_a_failing_step_is_logged_and_the_loop_goes_on(rt: Runtime, alice: factories.Customer) -> None:
    """A database hiccup in one step must not end the worker: the loop waits and tries again."""
    worker = Worker(rt, name="flaky", concurrency=1)
    calls: list[int] = []

    def failing_once() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        stop.set()
        return 0

    worker.dispatch = failing_once  # type: ignore[method-assign]
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop, 0.01), daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive() and len(calls) == 2


def test_concurrency_must_be_positive(rt: Runtime) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Worker(rt, concurrency=0)
