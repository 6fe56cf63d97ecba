"""Pruning: rows past their retention go, in batches; recent rows and anything still pending stay."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Table, event, func, insert, select, update

from fapiao.domain.webhooks import DeliveryStatus
from fapiao.maintenance.retention import Pruned, prune
from fapiao.runtime import Runtime, build_runtime
from fapiao.settings import Settings
from fapiao.store.tables import AuditEvent, OutboxEvent, WebhookAttempt, WebhookDelivery, table_of, utcnow
from fapiao.webhooks import deliveries
from fapiao.worker.worker import Worker
from tests import factories
from tests.support.cli import Cli
from tests.unit.worker.factories import endpoint, title_events

OLD = timedelta(days=40)  # past a 30-day retention


@pytest.fixture
def retaining(settings: Settings) -> Iterator[Runtime]:
    """A runtime keeping audit records, outbox events and deliveries 30 days each."""
    kept = {"retention_audit_days": 30, "retention_outbox_days": 30, "retention_deliveries_days": 30}
    rt = build_runtime(Settings(**{**settings.model_dump(), **kept}))
    yield rt
    rt.close()


def age(rt: Runtime, table: Table, column: str, ids: list[int] | None = None) -> None:
    """Move rows' ``column`` 40 days back (all rows, or those of ``ids``)."""
    statement = update(table).values({column: utcnow() - OLD})
    if ids is not None:
        statement = statement.where(table.c.id.in_(ids))
    with rt.db.begin() as connection:
        connection.execute(statement)


def ids(rt: Runtime, table: Table) -> list[int]:
    with rt.db.reads() as connection:
        return list(connection.execute(select(table.c.id).order_by(table.c.id)).scalars())


AUDIT, OUTBOX, DELIVERIES = table_of(AuditEvent), table_of(OutboxEvent), table_of(WebhookDelivery)
ATTEMPTS = table_of(WebhookAttempt)


def test_audit_records_past_their_retention_go_and_recent_ones_stay(retaining: Runtime) -> None:
    factories.customer(retaining)
    age(retaining, AUDIT, "at")
    old = ids(retaining, AUDIT)
    factories.customer(retaining)
    recent = [i for i in ids(retaining, AUDIT) if i not in old]

    pruned = prune(retaining)

    assert pruned.audit_events == len(old) > 0
    assert ids(retaining, AUDIT) == recent != []


def test_by_default_the_audit_log_is_kept_forever(runtime: Runtime) -> None:
    factories.customer(runtime)
    age(runtime, AUDIT, "at")
    before = ids(runtime, AUDIT)

    assert prune(runtime).audit_events == 0
    assert ids(runtime, AUDIT) == before != []


def test_finished_deliveries_go_with_their_attempts_and_events_pending_ones_stay(retaining: Runtime) -> None:
    who = factories.customer(retaining)
    endpoint(retaining, who, "https://hooks.example.com/fapiao", "title.submitted")
    title_events(retaining, who, 3)
    while deliveries.dispatch(retaining):
        pass
    succeeded, failed, pending = ids(retaining, DELIVERIES)
    with retaining.db.begin() as connection:
        for delivery, status in ((succeeded, DeliveryStatus.SUCCEEDED), (failed, DeliveryStatus.FAILED)):
            connection.execute(update(DELIVERIES).where(DELIVERIES.c.id == delivery).values(status=status.value))
            row = {"delivery_id": delivery, "number": 1, "status": status.value, "worker": "test"}
            connection.execute(insert(ATTEMPTS).values(row))
    age(retaining, DELIVERIES, "updated_at")
    age(retaining, OUTBOX, "created_at")
    events = ids(retaining, OUTBOX)
    title_events(retaining, who, 1)  # old but never dispatched: still waiting for the worker
    age(retaining, OUTBOX, "created_at")
    (undispatched,) = [i for i in ids(retaining, OUTBOX) if i not in events]

    pruned = prune(retaining)

    assert ids(retaining, DELIVERIES) == [pending]
    assert ids(retaining, ATTEMPTS) == []
    with retaining.db.reads() as connection:
        pending_event = connection.execute(select(DELIVERIES.c.outbox_event_id)).scalar_one()
    assert ids(retaining, OUTBOX) == sorted([pending_event, undispatched])
    assert (pruned.webhook_deliveries, pruned.outbox_events) == (2, 2)


def test_recent_finished_deliveries_and_their_events_stay(retaining: Runtime) -> None:
    who = factories.customer(retaining)
    endpoint(retaining, who, "https://hooks.example.com/fapiao", "title.submitted")
    title_events(retaining, who, 2)
    deliveries.dispatch(retaining)
    with retaining.db.begin() as connection:
        connection.execute(update(DELIVERIES).values(status=DeliveryStatus.SUCCEEDED.value))
    age(retaining, OUTBOX, "created_at")  # the events are old, their deliveries finished only now

    assert prune(retaining) == Pruned(audit_events=0, webhook_deliveries=0, outbox_events=0)
    assert len(ids(retaining, DELIVERIES)) == 2


def test_rows_go_in_batches_until_none_is_left(retaining: Runtime) -> None:
    for _ in range(3):
        factories.customer(retaining)
    age(retaining, AUDIT, "at")
    count = len(ids(retaining, AUDIT))
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("DELETE FROM audit_events"):
            statements.append(statement)

    event.listen(retaining.db.engine, "before_cursor_execute", note)
    try:
        pruned = prune(retaining, batch=2)
    finally:
        event.remove(retaining.db.engine, "before_cursor_execute", note)

    assert pruned.audit_events == count > 2
    assert len(statements) == count // 2 + 1
    assert ids(retaining, AUDIT) == []


def test_the_worker_prunes_when_it_starts(retaining: Runtime) -> None:
    factories.customer(retaining)
    age(retaining, AUDIT, "at")
    stop = threading.Event()
    worker = threading.Thread(target=Worker(retaining, concurrency=1).run, args=(stop, 0.05))
    worker.start()
    try:
        deadline = utcnow() + timedelta(seconds=20)
        while ids(retaining, AUDIT) and utcnow() < deadline:
            stop.wait(0.05)
    finally:
        stop.set()
        worker.join()
    assert ids(retaining, AUDIT) == []


def test_fapiao_db_prune(settings: Settings, runtime: Runtime) -> None:
    factories.customer(runtime)
    age(runtime, AUDIT, "at")
    with runtime.db.reads() as connection:
        count = connection.execute(select(func.count()).select_from(AUDIT)).scalar_one()
    cli = Cli(settings)

    kept = cli.json("db", "prune")
    assert kept == {"audit_events": 0, "webhook_deliveries": 0, "outbox_events": 0}

    pruned = cli.json("db", "prune", env={"FAPIAO_RETENTION_AUDIT_DAYS": "30"})
    assert pruned == {"audit_events": count, "webhook_deliveries": 0, "outbox_events": 0}
