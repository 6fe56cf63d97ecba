"""The audit trail: who did what to which record, when, with the record before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from fapiao.audit.commands import ListAuditEvents
from fapiao.audit.views import AuditView, audit_view
from fapiao.runtime import Runtime
from fapiao.store.tables import AuditEvent, table_of
from fapiao.usecases import spec
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


def list_events(rt: Runtime, actor: Actor, command: ListAuditEvents) -> Page[AuditView]:
    """Events newest first; a customer's own account's only, whatever ``account_id`` says."""
    spec.check(command)
    account_id = actor.account_id if actor.is_customer else command.account_id
    query = select(AuditEvent)
    if account_id is not None or actor.is_customer:
        query = query.where(AuditEvent.account_id == account_id)
    if command.entity_type:
        query = query.where(AuditEvent.entity_type == command.entity_type)
    if command.entity_id:
        query = query.where(AuditEvent.entity_id == command.entity_id)
    if command.action:
        query = query.where(AuditEvent.action == command.action)
    with rt.db.transaction() as session:
        page = PageRequest(command.page, command.page_size)
        return paginate(session, query, AuditEvent.id, page, audit_view, descending=True)
