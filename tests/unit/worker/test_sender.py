"""One POST as the sender makes it: no redirects, bounded answers, one deadline per attempt, and — in
production — no connection to a private address, whatever DNS says by then. A real receiver on loopback."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from fapiao.domain.errors import ValidationFailed
from fapiao.domain.webhooks import Outcome
from fapiao.runtime import Runtime, build_runtime
from fapiao.settings import Profile, Settings
from fapiao.store.tables import WebhookEndpoint
from fapiao.worker.sender import USER_AGENT, Sender
from fapiao.worker.worker import Worker
from tests import factories
from tests.unit.worker import factories as notify
from tests.unit.worker.factories import delivery_log as _deliveries
from tests.unit.worker.receiver import Answer, Received, Receiver


def test_a_plain_post_reports_its_answer(receiver: Receiver) -> None:
    sender = Sender(timeout=2.0, max_body=16, allow_private=True)
    outcome = sender.post(receiver.url, b'{"id":"evt_1"}', {"Content-Type": "application/json"})
    assert (outcome.response_code, outcome.error, outcome.excerpt, outcome.ok) == (200, "", "ok", True)
    (request,) = receiver.received
    assert request.body == b'{"id":"evt_1"}' and request.headers["user-agent"] == USER_AGENT


def test_refused_connections_are_failures_with_a_reason() -> None:
    outcome = Sender(timeout=2.0, max_body=16, allow_private=True).post("http://127.0.0.1:9/x", b"{}", {})
    assert outcome.response_code is None and not outcome.ok and outcome.error.startswith("ConnectError")
    assert outcome == Outcome(None, outcome.latency_ms, outcome.error, "")


def test_no_redirects_bounded_bodies_and_timeouts(rt: Runtime, alice: factories.Customer) -> None:
    def script(received: Received) -> Answer:
        if received.path.endswith("/redirect"):
            return Answer(302, b"", {"Location": received.path.replace("/redirect", "/elsewhere")})
        if received.path.endswith("/big"):
            return Answer(200, b"x" * 200_000)
        receiver.release.wait(10)  # /slow: longer than the timeout
        return Answer(200)

    with Receiver(script).running() as receiver:
        ids = {
            name: notify.endpoint(rt, alice, f"{receiver.url}/{name}").endpoint.id
            for name in ("redirect", "big", "slow")
        }
        notify.title_events(rt, alice, 1)
        Worker(rt, concurrency=1).run_once()
        receiver.release.set()
    assert not any(r.path.endswith("/elsewhere") for r in receiver.received)
    redirect = _deliveries(rt, ids["redirect"])[0].attempts[0]
    assert (redirect.status, redirect.response_code, redirect.error) == ("failed", 302, "HTTP 302")
    big = _deliveries(rt, ids["big"])[0].attempts[0]
    assert big.status == "succeeded" and big.response_excerpt == "x" * rt.settings.webhook_response_bytes
    slow = _deliveries(rt, ids["slow"])[0]
    assert (slow.status, slow.attempts[0].status, slow.attempts[0].response_code) == ("pending", "failed", None)
    assert slow.attempts[0].error == "timed out after 2 s" and slow.next_attempt_at is not None


def test_production_refuses_private_targets_at_send_time(
    settings: Settings, runtime: Runtime, receiver: Receiver, alice: factories.Customer
) -> None:
    """An endpoint whose host came to resolve to a private address (DNS changed) is not contacted."""
    rt = build_runtime(notify.fast(settings, profile=Profile.PRODUCTION))
    try:
        with pytest.raises(ValidationFailed):
            notify.endpoint(rt, alice, receiver.url)
        created = notify.endpoint(rt, alice, "https://93.184.215.14/hooks")
        with rt.db.transaction() as session:  # as if its DNS now pointed at loopback
            session.execute(
                update(WebhookEndpoint).where(WebhookEndpoint.id == created.endpoint.id).values(url=receiver.url)
            )
        notify.title_events(rt, alice, 1)
        Worker(rt).run_once()
        (attempt,) = _deliveries(rt, created.endpoint.id)[0].attempts
    finally:
        rt.close()
    assert receiver.received == []
    assert attempt.status == "failed" and attempt.response_code is None
    assert attempt.error.startswith("target refused: 127.0.0.1 resolves to 127.0.0.1")
