"""Fan-out: each undispatched outbox event becomes one pending delivery per enabled endpoint that wants it,
and is marked dispatched in the same transaction — so an event is fanned out exactly once, even with
several workers (``SKIP LOCKED``) or a worker killed halfway (the transaction rolls back)."""

from __future__ import annotations

from sqlalchemy import or_, select

from fapiao.notify import metrics
from fapiao.runtime import Runtime
from fapiao.store.tables import OutboxEvent, WebhookDelivery, WebhookEndpoint, utcnow

PENDING = "pending"
BATCH = 100


def dispatch(rt: Runtime, limit: int = BATCH) -> int:
    """Fan out up to ``limit`` events, oldest first; returns how many."""
    with rt.db.transaction() as session:
        events = session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.dispatched_at.is_(None))
            .order_by(OutboxEvent.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if not events:
            return 0
        accounts = {e.account_id for e in events if e.account_id is not None}
        apps = {e.provider_app_id for e in events if e.provider_app_id is not None}
        endpoints = session.scalars(
            select(WebhookEndpoint).where(
                WebhookEndpoint.enabled,
                or_(WebhookEndpoint.account_id.in_(accounts), WebhookEndpoint.provider_app_id.in_(apps)),
            )
        ).all()
        now = utcnow()
        for event in events:
            for endpoint in endpoints:
                if _wants(endpoint, event):
                    session.add(
                        WebhookDelivery(
                            endpoint_id=endpoint.id, outbox_event_id=event.id, status=PENDING, next_attempt_at=now
                        )
                    )
            event.dispatched_at = now
    metrics.DISPATCHED.inc(len(events))
    return len(events)


def _wants(endpoint: WebhookEndpoint, event: OutboxEvent) -> bool:
    owned = (endpoint.account_id is not None and endpoint.account_id == event.account_id) or (
        endpoint.provider_app_id is not None and endpoint.provider_app_id == event.provider_app_id
    )
    return owned and ("*" in endpoint.event_types or event.type in endpoint.event_types)
