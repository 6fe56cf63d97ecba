"""The audit trail: who did what to which record, when, with the record before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from fapiao.runtime import Runtime
from fapiao.store.tables import AuditEvent, table_of
from fapiao.usecases.actor import Actor
from fapiao.usecases.pagination import Page, PageRequest, paginate


def record(
    session: Session | Connection,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: object,
    *,
    account_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    # A Core insert: the trail is written, never read back in the transaction, so it needs no ORM object.
    session.execute(
        _INSERT,
        {
            "actor": actor.label,
            "account_id": account_id,
            "action": action,
            "entity_type": entity_type,
            "entity_id": str(entity_id),
            "before": before,
            "after": after,
        },
    )


_INSERT = insert(table_of(AuditEvent))


@dataclass(frozen=True)
class AuditView:
    id: int
    at: datetime
    actor: str
    account_id: int | None
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def list_events(
    rt: Runtime,
    actor: Actor,
    page: PageRequest,
    *,
    account_id: int | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
) -> Page[AuditView]:
    if actor.is_customer:
        account_id = actor.account_id
    query = select(AuditEvent)
    if account_id is not None:
        query = query.where(AuditEvent.account_id == account_id)
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type)
    if entity_id:
        query = query.where(AuditEvent.entity_id == entity_id)
    if action:
        query = query.where(AuditEvent.action == action)
    with rt.db.transaction() as session:
        return paginate(session, query, AuditEvent.id, page, _view, descending=True)


def _view(row: AuditEvent) -> AuditView:
    return AuditView(
        row.id,
        row.at,
        row.actor,
        row.account_id,
        row.action,
        row.entity_type,
        row.entity_id,
        row.before,
        row.after,
    )
