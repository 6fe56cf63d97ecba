"""Invoice applications (开票申请): filed by a customer against what it was billed, processed by the
invoice service provider the application is routed to.

The status machine is TOP's: 1 pending confirmation → 2 invoicing → 4 invoice sent → 0 completed, with
1 or 2 → 3 rejected, and 2 → 0 directly for electronic invoices. Repeating the current status is an
idempotent no-op (providers retry), anything else not listed is refused.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fapiao.domain import jsontext
from fapiao.domain.errors import IllegalTransition, MissingValue, ValidationFailed


class ApplicationStatus(enum.StrEnum):
    PENDING = "pending"  # 1 待确认
    INVOICING = "invoicing"  # 2 开票中
    REJECTED = "rejected"  # 3 拒绝开票
    SENT = "sent"  # 4 发票已发出
    COMPLETED = "completed"  # 0 完成开票


class Medium(enum.StrEnum):
    PAPER = "paper"
    ELECTRONIC = "electronic"


class ItemType(enum.StrEnum):
    TAX_CONTROL_UNIT = "tax_control_unit"  # 1 税控单元
    DAILY_BILL = "daily_bill"  # 2 开票日账单


_NEXT: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    ApplicationStatus.PENDING: frozenset({ApplicationStatus.INVOICING, ApplicationStatus.REJECTED}),
    ApplicationStatus.INVOICING: frozenset(
        {ApplicationStatus.SENT, ApplicationStatus.REJECTED, ApplicationStatus.COMPLETED}
    ),
    ApplicationStatus.SENT: frozenset({ApplicationStatus.COMPLETED}),
    ApplicationStatus.REJECTED: frozenset(),
    ApplicationStatus.COMPLETED: frozenset(),
}

# Keys a provider may send in TOP's ex_info, and the field each feeds.
EX_INFO_KEYS = (
    "message",
    "logistics_no",
    "logistics_company",
    "contact_name",
    "contact_phone",
    "invoice_code",
    "invoice_no",
)
_EX_INFO_LIMIT = 500


@dataclass(frozen=True)
class ExInfo:
    """Provider-supplied details of a status change; every value normalised to a string."""

    message: str = ""
    logistics_no: str = ""
    logistics_company: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    invoice_code: str = ""
    invoice_no: str = ""

    @classmethod
    def parse(cls, raw: str | Mapping[str, Any] | None, field: str = "details") -> ExInfo:
        """Lenient like TOP: numbers or strings, unknown keys ignored; not JSON is an error."""
        if raw is None or raw == "":
            return cls()
        if isinstance(raw, str):
            try:
                data = jsontext.loads(raw)
            except jsontext.JsonTextError:
                raise ValidationFailed(f"{field} is not a JSON object", field=field) from None
        else:
            data = dict(raw)
        if not isinstance(data, dict):
            raise ValidationFailed(f"{field} is not a JSON object", field=field)
        values: dict[str, str] = {}
        for key in EX_INFO_KEYS:
            value = data.get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise ValidationFailed(f"{field}.{key} must be a string or a number", field=field)
            text = value if isinstance(value, str) else json.dumps(value)
            if "\x00" in text:  # no store keeps NUL in text (PostgreSQL refuses it): a client mistake
                raise ValidationFailed(f"{field}.{key} contains a NUL character", field=field)
            if len(text) > _EX_INFO_LIMIT:
                raise ValidationFailed(f"{field}.{key} is longer than {_EX_INFO_LIMIT} characters", field=field)
            values[key] = text.strip()
        return cls(**values)

    def to_json(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in EX_INFO_KEYS if getattr(self, k)}


def check_transition(current: ApplicationStatus, target: ApplicationStatus, medium: Medium, info: ExInfo) -> bool:
    """Validate a status change. Returns False when ``target`` is the current status (nothing to do)."""
    if target is current:
        return False
    if target not in _NEXT[current]:
        raise IllegalTransition(f"an application that is {current.value} cannot become {target.value}", field="status")
    if target is ApplicationStatus.COMPLETED and current is ApplicationStatus.INVOICING and medium is Medium.PAPER:
        raise IllegalTransition("a paper invoice must be sent before it is completed", field="status")
    if target is ApplicationStatus.REJECTED and not info.message:
        raise MissingValue("a rejection needs its reason (message)", field="details")
    if target is ApplicationStatus.SENT and not (info.logistics_company and info.logistics_no):
        raise MissingValue("sending needs the logistics company and number", field="details")
    if target is ApplicationStatus.COMPLETED and not info.invoice_no:
        raise MissingValue("completing needs the issued invoice's number (invoice_no)", field="details")
    return True


def allocate(amount_fen: int, available: list[int]) -> list[int]:
    """Spread an invoice amount over the selected items in order, never more than each still allows."""
    if amount_fen <= 0:
        raise ValidationFailed("the invoice amount must be positive", field="amount_fen")
    if amount_fen > sum(a for a in available if a > 0):
        raise ValidationFailed("the invoice amount exceeds what the selected items still allow", field="amount_fen")
    shares: list[int] = []
    remaining = amount_fen
    for room in available:
        share = min(max(room, 0), remaining)
        shares.append(share)
        remaining -= share
    return shares
