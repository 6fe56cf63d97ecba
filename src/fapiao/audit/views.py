"""What the audit trail returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fapiao.store.tables import AuditEvent


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


def audit_view(row: AuditEvent) -> AuditView:
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
