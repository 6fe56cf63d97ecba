"""The worker's use cases without a worker: fan-out, claims (held, expired, taken over), settling with its
fence, the schedule, and redelivery by hand — on both databases."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select, update

from fapiao.domain.errors import Conflict, NotFound, Reason
from fapiao.domain.webhooks import Outcome, Settled, signature_header
from fapiao.runtime import Runtime
from fapiao.store.tables import OutboxEvent, WebhookDelivery
from fapiao.usecases.actor import OPERATOR
from fapiao.webhooks import deliveries
from fapiao.webhooks import service as webhooks
from fapiao.webhooks.commands import RotateSecret, UpdateEndpoint
from tests import factories
from tests.unit.worker import factories as notify
from tests.unit.worker.factories import delivery_log

UNUSED = "http://127.0.0.1:9/unused"  # never contacted: these tests settle outcomes by hand
OK = Outcome(200, 5, "", "ok")
DOWN = Outcome(500, 5, "HTTP 500", "")


def _count(rt: Runtime) -> int:
    with rt.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(WebhookDelivery)) or 0


def test_every_event_is_dispatched_once_even_without_endpoints(rt: Runtime, alice: factories.Customer) -> None:
    notify.title_events(rt, alice, 3)
    assert deliveries.dispatch(rt, limit=2) == 2  # oldest first, in batches
    assert deliveries.dispatch(rt) == 1
    assert deliveries.dispatch(rt) == 0
    assert _count(rt) == 0
    with rt.db.transaction() as session:
        assert session.scalar(select(func.count()).where(OutboxEvent.dispatched_at.is_(None))) == 0


def test_a_claim_carries_the_signed_document_and_holds_the_delivery(rt: Runtime, alice: factories.Customer) -> None:
    created = notify.endpoint(rt, alice, UNUSED, "title.submitted")
    (title_id,) = notify.title_events(rt, alice, 1)
    assert deliveries.dispatch(rt) == 1
    claim = deliveries.claim_next(rt, "w")
    assert claim is not None and deliveries.claim_next(rt, "other") is None  # held: nobody else gets it
    body = json.loads(claim.body)
    assert (body["id"], body["type"], body["object"]) == (claim.event_id, "title.submitted", "event")
    assert body["user_id"] == alice.user_id and body["app_key"] is None and body["data"]["title"]["id"] == title_id
    assert claim.secrets == (created.secret,) and claim.url == UNUSED and claim.number == 1
    assert notify.verify(signature_header(claim.secrets, int(time.time()), claim.body), claim.body, created.secret)
    (delivery,) = delivery_log(rt, created.endpoint.id)
    assert delivery.attempts[0].status == "sending" and delivery.attempt_count == 1
    with pytest.raises(Conflict) as busy:
        webhooks.redeliver(rt, OPERATOR, delivery.id)
    assert busy.value.reason is Reason.IN_FLIGHT
    assert deliveries.settle(rt, claim, OK) is Settled.SUCCEEDED
    (delivery,) = delivery_log(rt, created.endpoint.id)
    assert (delivery.status, delivery.attempts[0].status, delivery.attempts[0].response_excerpt) == (
        "succeeded",
        "succeeded",
        "ok",
    )
    assert deliveries.claim_next(rt, "w") is None


def test_an_expired_claim_is_taken_over_and_its_late_answer_changes_nothing(
    rt: Runtime, alice: factories.Customer
) -> None:
    created = notify.endpoint(rt, alice, UNUSED)
    notify.title_events(rt, alice, 1)
    deliveries.dispatch(rt)
    first = deliveries.claim_next(rt, "a")
    assert first is not None
    with rt.db.transaction() as session:  # worker "a" hangs past its claim
        session.execute(update(WebhookDelivery).values(claimed_until=WebhookDelivery.created_at))
    second = deliveries.claim_next(rt, "b")
    assert second is not None and (second.delivery_id, second.number) == (first.delivery_id, 2)
    (delivery,) = delivery_log(rt, created.endpoint.id)
    assert [a.status for a in delivery.attempts] == ["abandoned", "sending"]
    assert deliveries.settle(rt, first, OK) is Settled.SUPERSEDED
    assert deliveries.settle(rt, second, DOWN) is Settled.RETRYING
    (delivery,) = delivery_log(rt, created.endpoint.id)
    assert [(a.number, a.worker, a.status) for a in delivery.attempts] == [(1, "a", "succeeded"), (2, "b", "failed")]
    assert (delivery.status, delivery.last_response_code, delivery.last_error) == ("pending", 500, "HTTP 500")
    assert delivery.attempts[1].retry_at == delivery.next_attempt_at is not None


def test_the_schedule_runs_out_then_a_manual_attempt_does_not_restart_it(
    rt: Runtime, alice: factories.Customer
) -> None:
    created = notify.endpoint(rt, alice, UNUSED)
    notify.title_events(rt, alice, 1)
    deliveries.dispatch(rt)

    def attempt(outcome: Outcome) -> Settled:
        with rt.db.transaction() as session:  # due now, whatever the schedule said
            session.execute(update(WebhookDelivery).values(next_attempt_at=WebhookDelivery.created_at))
        claim = deliveries.claim_next(rt, "w")
        assert claim is not None
        return deliveries.settle(rt, claim, outcome)

    # the fast schedule has two delays: three failures in all, then it gives up
    assert [attempt(DOWN) for _ in range(3)] == [Settled.RETRYING, Settled.RETRYING, Settled.FAILED]
    (delivery,) = delivery_log(rt, created.endpoint.id)
    assert (delivery.status, delivery.next_attempt_at, delivery.attempts[-1].retry_at) == ("failed", None, None)
    assert deliveries.claim_next(rt, "w") is None
    queued = webhooks.redeliver(rt, OPERATOR, delivery.id)
    assert queued.status == "pending" and queued.next_attempt_at is not None
    assert attempt(DOWN) is Settled.FAILED  # a failed manual attempt: no new schedule
    webhooks.redeliver(rt, OPERATOR, delivery.id)
    assert attempt(OK) is Settled.SUCCEEDED
    (delivery,) = delivery_log(rt, created.endpoint.id)
    assert [(a.status, a.manual) for a in delivery.attempts][3:] == [("failed", True), ("succeeded", True)]


def test_disabled_endpoints_get_no_deliveries_and_queued_ones_wait(rt: Runtime, alice: factories.Customer) -> None:
    created = notify.endpoint(rt, alice, UNUSED)
    notify.title_events(rt, alice, 1)
    deliveries.dispatch(rt)
    webhooks.update_endpoint(rt, OPERATOR, UpdateEndpoint(created.endpoint.id, enabled=False))
    notify.title_events(rt, alice, 1)
    deliveries.dispatch(rt)
    assert _count(rt) == 1  # the second event was not queued for it
    assert deliveries.claim_next(rt, "w") is None  # the first waits
    webhooks.update_endpoint(rt, OPERATOR, UpdateEndpoint(created.endpoint.id, enabled=True))
    assert deliveries.claim_next(rt, "w") is not None


def test_settling_after_the_endpoint_was_deleted_is_superseded(rt: Runtime, alice: factories.Customer) -> None:
    created = notify.endpoint(rt, alice, UNUSED)
    webhooks.rotate_secret(rt, OPERATOR, RotateSecret(created.endpoint.id))
    notify.title_events(rt, alice, 1)
    deliveries.dispatch(rt)
    claim = deliveries.claim_next(rt, "w")
    assert claim is not None and len(claim.secrets) == 2  # both sign during the overlap, newest first
    webhooks.delete_endpoint(rt, OPERATOR, created.endpoint.id)
    assert deliveries.settle(rt, claim, OK) is Settled.SUPERSEDED
    assert _count(rt) == 0
    with pytest.raises(NotFound):
        webhooks.redeliver(rt, OPERATOR, claim.delivery_id)
