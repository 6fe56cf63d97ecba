"""Claiming and settling deliveries: the only code that moves a delivery between states.

A claim sets ``claimed_by``/``claimed_until`` and opens the attempt's log row in one transaction; the
claim query skips rows another worker holds (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite the
write lock taken by ``BEGIN IMMEDIATE`` serialises claims). A worker killed mid-attempt leaves its claim
to expire: the next claim marks that attempt ``abandoned`` and tries again, so nothing is lost. Settling
checks the claim is still ours (a fence), so a late answer can never overwrite a newer attempt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from fapiao.notify.schedule import retry_delay
from fapiao.notify.sender import Outcome
from fapiao.runtime import Runtime
from fapiao.store.tables import (
    Account,
    OutboxEvent,
    ProviderApp,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookSecret,
    utcnow,
)

PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"
SENDING, ABANDONED = "sending", "abandoned"  # attempt states besides succeeded / failed
MAX_ERROR = 500


@dataclass(frozen=True)
class Claim:
    delivery_id: int
    attempt_id: int
    number: int
    worker: str
    url: str
    secrets: tuple[str, ...]
    event_id: str
    event_type: str
    body: bytes


def claim_next(rt: Runtime, worker: str) -> Claim | None:
    """Take the most overdue delivery nobody holds, or ``None`` when nothing is due."""
    now = utcnow()
    with rt.db.transaction() as session:
        row = session.scalars(
            select(WebhookDelivery)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(
                WebhookDelivery.status == PENDING,
                WebhookDelivery.next_attempt_at <= now,
                or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now),
                WebhookEndpoint.enabled,
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(1)
            .with_for_update(of=WebhookDelivery, skip_locked=True)
        ).first()
        if row is None:
            return None
        if row.claimed_until is not None:  # the previous holder died or hung past its claim
            session.execute(
                update(WebhookAttempt)
                .where(WebhookAttempt.delivery_id == row.id, WebhookAttempt.status == SENDING)
                .values(status=ABANDONED, finished_at=now, error="the worker stopped before the attempt finished")
            )
        row.attempt_count += 1
        row.claimed_by = worker
        row.claimed_until = now + timedelta(seconds=rt.settings.webhook_claim_seconds)
        attempt = WebhookAttempt(
            delivery_id=row.id, number=row.attempt_count, status=SENDING, manual=row.manual, worker=worker
        )
        session.add(attempt)
        session.flush()
        endpoint = session.get_one(WebhookEndpoint, row.endpoint_id)
        event = session.get_one(OutboxEvent, row.outbox_event_id)
        return Claim(
            delivery_id=row.id,
            attempt_id=attempt.id,
            number=row.attempt_count,
            worker=worker,
            url=endpoint.url,
            secrets=tuple(rt.box.open(s) for s in valid_secrets(session, endpoint.id)),
            event_id=event.event_id,
            event_type=event.type,
            body=event_body(session, event),
        )


def settle(rt: Runtime, claim: Claim, outcome: Outcome) -> str:
    """Record the attempt and move the delivery on; returns the outcome's metric label."""
    now = utcnow()
    settings = rt.settings
    with rt.db.transaction() as session:
        attempt = session.get(WebhookAttempt, claim.attempt_id)
        if attempt is None:
            return "superseded"  # the endpoint was deleted meanwhile, with its log
        attempt.status = SUCCEEDED if outcome.ok else FAILED
        attempt.finished_at = now
        attempt.response_code = outcome.response_code
        attempt.latency_ms = outcome.latency_ms
        attempt.error = outcome.error[:MAX_ERROR]
        attempt.response_excerpt = outcome.excerpt
        row = session.get_one(WebhookDelivery, claim.delivery_id, with_for_update=True)
        if row.claimed_by != claim.worker or row.attempt_count != claim.number or row.status != PENDING:
            return "superseded"  # our claim expired and someone else moved on; the log keeps our attempt
        row.claimed_by = row.claimed_until = None
        row.last_response_code = outcome.response_code
        row.last_error = attempt.error
        if outcome.ok:
            row.status, row.next_attempt_at, row.manual = SUCCEEDED, None, False
            return SUCCEEDED
        delay = None
        if not row.manual:
            row.failures += 1
            delay = retry_delay(row.failures, settings.webhook_schedule, settings.webhook_jitter)
        row.manual = False
        if delay is None:
            row.status, row.next_attempt_at = FAILED, None
            return FAILED
        row.next_attempt_at = attempt.retry_at = now + timedelta(seconds=delay)
        return "retrying"


def valid_secrets(session: Session, endpoint_id: int) -> list[str]:
    """Sealed secrets that sign right now, newest first."""
    now = utcnow()
    return list(
        session.scalars(
            select(WebhookSecret.secret_sealed)
            .where(
                WebhookSecret.endpoint_id == endpoint_id,
                or_(WebhookSecret.expires_at.is_(None), WebhookSecret.expires_at > now),
            )
            .order_by(WebhookSecret.id.desc())
        )
    )


def event_body(session: Session, event: OutboxEvent) -> bytes:
    """The JSON document POSTed for an event: the same bytes on every attempt."""
    user_id = None
    if event.account_id is not None:
        user_id = session.scalar(select(Account.user_id).where(Account.id == event.account_id))
    app_key = None
    if event.provider_app_id is not None:
        app_key = session.scalar(select(ProviderApp.app_key).where(ProviderApp.id == event.provider_app_id))
    document = {
        "id": event.event_id,
        "object": "event",
        "type": event.type,
        "created": int(event.created_at.replace(tzinfo=UTC).timestamp()),
        "user_id": user_id,
        "app_key": app_key,
        "data": event.payload,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
