"""Pruning what only grows: audit records, dispatched outbox events and finished webhook deliveries (with
their attempts), each after its own days of retention (``FAPIAO_RETENTION_AUDIT_DAYS``,
``FAPIAO_RETENTION_OUTBOX_DAYS``, ``FAPIAO_RETENTION_DELIVERIES_DAYS``; 0 keeps them forever).

Nothing pending goes: a delivery is pruned only once it succeeded or gave up, an outbox event only once it was
dispatched and has no delivery left (so its deliveries' retention holds it too). Rows go in batches, each
its own short transaction, so a large first prune never holds SQLite's write lock (or PostgreSQL row locks)
for long. Every condition is repeated on the outer ``DELETE``: on PostgreSQL a row changed after the
subquery chose it (a redelivery by hand making a delivery pending again) is re-checked, not deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Table, delete, exists, select

from fapiao.domain.webhooks import DeliveryStatus
from fapiao.runtime import Runtime
from fapiao.store.tables import AuditEvent, OutboxEvent, WebhookDelivery, table_of, utcnow

BATCH = 1000
_FINISHED = (DeliveryStatus.SUCCEEDED.value, DeliveryStatus.FAILED.value)


@dataclass(frozen=True)
class Pruned:
    """Rows deleted by one prune, per kind (attempts go with their deliveries)."""

    audit_events: int
    webhook_deliveries: int
    outbox_events: int


def prune(rt: Runtime, *, now: datetime | None = None, batch: int = BATCH) -> Pruned:
    settings = rt.settings
    now = now or utcnow()

    def cutoff(days: int) -> datetime | None:
        return now - timedelta(days=days) if days > 0 else None

    audit_cutoff = cutoff(settings.retention_audit_days)
    delivery_cutoff = cutoff(settings.retention_deliveries_days)
    outbox_cutoff = cutoff(settings.retention_outbox_days)
    audit = deliveries = events = 0
    if audit_cutoff is not None:
        audit = _in_batches(rt, table_of(AuditEvent), AuditEvent.at < audit_cutoff, batch)
    if delivery_cutoff is not None:
        finished = WebhookDelivery.status.in_(_FINISHED) & (WebhookDelivery.updated_at < delivery_cutoff)
        deliveries = _in_batches(rt, table_of(WebhookDelivery), finished, batch)
    if outbox_cutoff is not None:  # after the deliveries: an event whose last delivery just went goes now too
        undelivered = ~exists().where(WebhookDelivery.outbox_event_id == OutboxEvent.id)
        done = OutboxEvent.dispatched_at.is_not(None) & (OutboxEvent.created_at < outbox_cutoff) & undelivered
        events = _in_batches(rt, table_of(OutboxEvent), done, batch)
    return Pruned(audit, deliveries, events)


def _in_batches(rt: Runtime, table: Table, condition: ColumnElement[bool], batch: int) -> int:
    """Delete the rows meeting ``condition``, oldest ids first, ``batch`` per transaction; how many."""
    ids = select(table.c.id).where(condition).order_by(table.c.id).limit(batch).scalar_subquery()
    statement = delete(table).where(table.c.id.in_(ids), condition)
    total = 0
    while True:
        with rt.db.begin() as connection:
            count = connection.execute(statement).rowcount
        total += count
        if count < batch:
            return total
