"""What the application use cases return: one record, read by customers, providers, operators and events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fapiao.domain.applications import ApplicationStatus, ItemType, Medium
from fapiao.domain.titles import InvoiceKind
from fapiao.usecases.serialize import to_jsonable


@dataclass(frozen=True)
class LineView:
    item_name: str
    item_type: ItemType
    amount_fen: int
    bill_date: str
    item_id: int | None
    biz_type: str = ""  # the invoiced item's business type (its issuer); empty for imported lines


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    from_status: ApplicationStatus | None
    to_status: ApplicationStatus
    details: dict[str, Any]


@dataclass(frozen=True)
class ApplicationView:
    id: int
    apply_id: str
    user_id: int
    user_nick: str
    app_key: str
    title_id: int | None
    address_id: int | None
    status: ApplicationStatus
    medium: Medium
    invoice_kind: InvoiceKind
    amount_fen: int
    company_name: str
    payee_register_no: str
    bank: str
    bank_account: str
    receiver_name: str
    receiver_phone: str
    receiver_address: str
    invoice_payee_register_no: str
    invoice_address: str
    invoice_phone: str
    sender_name: str
    sender_phone: str
    sender_logistics_company: str
    sender_logistics_no: str
    invoice_code: str
    invoice_no: str
    provider_message: str
    user_remark: str
    emails: str
    lines: list[LineView]
    history: list[HistoryEntry] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None


def line_view(row: Mapping[Any, Any]) -> LineView:
    """From a row of ``queries.LINES`` (or the values filing inserted)."""
    return LineView(
        row["item_name"],
        ItemType(row["item_type"]),
        row["amount_fen"],
        row["bill_date"],
        row["item_id"],
        row["biz_type"] or "",
    )


def history_entry(row: Mapping[Any, Any]) -> HistoryEntry:
    from_status = row["from_status"]
    return HistoryEntry(
        row["at"],
        row["actor"],
        ApplicationStatus(from_status) if from_status else None,
        ApplicationStatus(row["to_status"]),
        row["details"],
    )


def application_view(
    row: Mapping[Any, Any], lines: Sequence[LineView], history: Sequence[HistoryEntry] = ()
) -> ApplicationView:
    """From a row of ``queries.WITH_OWNER`` (the application's columns, ``owner_user_id``,
    ``owner_user_nick`` and ``routed_app_key``) or the same keys as filing inserted them."""
    return ApplicationView(
        id=row["id"],
        apply_id=row["apply_id"],
        user_id=row["owner_user_id"],
        user_nick=row["owner_user_nick"],
        app_key=row["routed_app_key"],
        title_id=row["title_id"],
        address_id=row["address_id"],
        status=ApplicationStatus(row["status"]),
        medium=Medium(row["medium"]),
        invoice_kind=InvoiceKind(row["invoice_kind"]),
        amount_fen=row["amount_fen"],
        company_name=row["company_name"],
        payee_register_no=row["payee_register_no"],
        bank=row["bank"],
        bank_account=row["bank_account"],
        receiver_name=row["receiver_name"],
        receiver_phone=row["receiver_phone"],
        receiver_address=row["receiver_address"],
        invoice_payee_register_no=row["invoice_payee_register_no"],
        invoice_address=row["invoice_address"],
        invoice_phone=row["invoice_phone"],
        sender_name=row["sender_name"],
        sender_phone=row["sender_phone"],
        sender_logistics_company=row["sender_logistics_company"],
        sender_logistics_no=row["sender_logistics_no"],
        invoice_code=row["invoice_code"],
        invoice_no=row["invoice_no"],
        provider_message=row["provider_message"],
        user_remark=row["user_remark"],
        emails=row["emails"],
        lines=list(lines),
        history=list(history),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def event_payload(view: ApplicationView) -> dict[str, Any]:
    """The application as events carry it (``application.filed``, ``application.status_changed``): the
    fields docs/webhooks.md lists, so without the history and the lines' ``biz_type``."""
    data: dict[str, Any] = to_jsonable(view)
    data.pop("history", None)
    for line in data["lines"]:
        line.pop("biz_type", None)
    return data
