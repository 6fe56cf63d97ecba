"""The use cases a worker drives: fan events out, claim a due delivery, settle it. The only code that moves a
delivery between states (the rules are ``domain.webhooks``); each function is one transaction.

Fan-out marks each event dispatched in the transaction that creates its deliveries, so an event is fanned out
exactly once, even with several workers (``SKIP LOCKED``) or one killed halfway (the transaction rolls back).
A claim sets ``claimed_by``/``claimed_until`` and opens the attempt's log row; the claim query skips rows
another worker holds. A worker killed mid-attempt leaves its claim to expire: the next claim marks that
attempt ``abandoned`` and tries again, so nothing is lost. Settling checks the claim is still ours (a fence),
so a late answer can never overwrite a newer attempt.
"""

from __future__ import annotations

import random
from datetime import timedelta

from fapiao.domain import webhooks as rules
from fapiao.domain.webhooks import AttemptStatus, DeliveryStatus, Outcome, Settled
from fapiao.runtime import Runtime
from fapiao.store.tables import utcnow
from fapiao.webhooks import queries as q
from fapiao.webhooks.views import Claim

BATCH = 100


def dispatch(rt: Runtime, limit: int = BATCH) -> int:
    """Fan out up to ``limit`` undispatched events, oldest first, to the enabled endpoints of their owners
    that want them; returns how many events."""
    now = utcnow()
    with rt.db.transaction() as session:
        events = session.execute(q.UNDISPATCHED, {"limit": limit}).all()
        if not events:
            return 0
        owners = {
            "account_ids": list({e.account_id for e in events if e.account_id is not None}),
            "app_ids": list({e.provider_app_id for e in events if e.provider_app_id is not None}),
        }
        endpoints = session.execute(q.ENABLED_ENDPOINTS_OF, owners).all()
        deliveries = [
            {
                "endpoint_id": endpoint.id,
                "outbox_event_id": event.id,
                "status": DeliveryStatus.PENDING.value,
                "next_attempt_at": now,
            }
            for event in events
            for endpoint in endpoints
            if rules.receives(endpoint, event)
        ]
        if deliveries:
            session.execute(q.INSERT_DELIVERY, deliveries)
        session.execute(q.MARK_DISPATCHED, {"event_ids": [e.id for e in events], "now": now})
        return len(events)


def claim_next(rt: Runtime, worker: str) -> Claim | None:
    """Take the most overdue delivery nobody holds, or ``None`` when nothing is due."""
    now = utcnow()
    with rt.db.transaction() as session:
        due = session.execute(q.DUE, {"now": now}).first()
        if due is None:
            return None
        if due.claimed_until is not None:  # the previous holder died or hung past its claim
            abandoned = {"status": AttemptStatus.ABANDONED.value, "finished_at": now, "error": rules.ABANDONED_ERROR}
            session.execute(q.ABANDON_ATTEMPTS, {"delivery": due.id, **abandoned})
        number = due.attempt_count + 1
        claimed_until = now + timedelta(seconds=rt.settings.webhook_claim_seconds)
        session.execute(
            q.UPDATE_DELIVERY,
            {"delivery_id": due.id, "attempt_count": number, "claimed_by": worker, "claimed_until": claimed_until},
        )
        attempt = {
            "delivery_id": due.id,
            "number": number,
            "status": AttemptStatus.SENDING.value,
            "manual": due.manual,
            "worker": worker,
            "started_at": now,
        }
        attempt_id = session.execute(q.INSERT_ATTEMPT, attempt).scalar_one()
        event = session.execute(q.CLAIMED, {"delivery_id": due.id}).one()
        sealed = session.execute(q.VALID_SECRETS, {"endpoint_ids": [event.endpoint_id], "now": now})
        return Claim(
            delivery_id=due.id,
            attempt_id=attempt_id,
            number=number,
            worker=worker,
            url=event.url,
            secrets=tuple(rt.box.open(s.secret_sealed) for s in sealed),
            event_id=event.event_id,
            event_type=event.type,
            body=rules.event_document(
                event_id=event.event_id,
                event_type=event.type,
                created_at=event.created_at,
                user_id=event.user_id,
                app_key=event.app_key,
                payload=event.payload,
            ),
        )


def settle(rt: Runtime, claim: Claim, outcome: Outcome) -> Settled:
    """Record the attempt and move the delivery on, if the claim is still ours."""
    now = utcnow()
    settings = rt.settings
    error = outcome.error[: rules.MAX_ERROR]
    with rt.db.transaction() as session:
        # The delivery first, as a claim takes it: a claim taking over an expired one then waits for us (and
        # we for it) in one order, never a deadlock.
        row = session.execute(q.LOCK_DELIVERY, {"delivery_id": claim.delivery_id}).first()
        if row is None:
            return Settled.SUPERSEDED  # the endpoint was deleted meanwhile, with its log
        session.execute(
            q.UPDATE_ATTEMPT,
            {
                "attempt_id": claim.attempt_id,
                "status": (AttemptStatus.SUCCEEDED if outcome.ok else AttemptStatus.FAILED).value,
                "finished_at": now,
                "response_code": outcome.response_code,
                "latency_ms": outcome.latency_ms,
                "error": error,
                "response_excerpt": outcome.excerpt,
            },
        )
        if row.claimed_by != claim.worker or row.attempt_count != claim.number or row.status != DeliveryStatus.PENDING:
            return Settled.SUPERSEDED  # our claim expired and someone else moved on; the log keeps our attempt
        moved = rules.after_attempt(
            outcome,
            failures=row.failures,
            manual=row.manual,
            schedule=settings.webhook_schedule,
            jitter=settings.webhook_jitter,
            draw=random.random(),
        )
        retry_at = None if moved.retry_in is None else now + timedelta(seconds=moved.retry_in)
        changes = {
            "status": moved.status.value,
            "failures": moved.failures,
            "manual": False,
            "next_attempt_at": retry_at,
            "claimed_by": None,
            "claimed_until": None,
            "last_response_code": outcome.response_code,
            "last_error": error,
        }
        session.execute(q.UPDATE_DELIVERY, {"delivery_id": row.id, **changes})
        if retry_at is not None:
            session.execute(q.UPDATE_ATTEMPT, {"attempt_id": claim.attempt_id, "retry_at": retry_at})
        return moved.settled
