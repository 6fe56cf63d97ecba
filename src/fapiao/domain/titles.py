"""Invoice titles (发票抬头): the buyer data customers keep, its validation and its review cycle.

The platform reviews every title before invoices are issued on it. A title that is not yet approved is
edited in place and resubmitted; an approved title stays in force while a *change* to it is reviewed,
and the change's ``AdjustType`` says what kind of change it is.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fapiao.domain.errors import IllegalTransition, MissingValue, ValidationFailed
from fapiao.domain.tax_ids import HolderKind, check_tax_id


class InvoiceKind(enum.StrEnum):
    PLAIN = "plain"  # 增值税普通发票
    SPECIAL = "special"  # 增值税专用发票


class TitleStatus(enum.StrEnum):
    APPLYING = "applying"  # 申请中
    APPROVED = "approved"  # 通过
    REJECTED = "rejected"  # 拒绝
    INVALID = "invalid"  # 失效
    WITHDRAWN = "withdrawn"  # 撤回


class AdjustType(enum.StrEnum):
    DETAILS = "details"  # 非抬头名称信息修改
    OTHER_TITLE = "other_title"  # 其他类型抬头修改
    VERIFIED_TITLE = "verified_title"  # 实名认证抬头修改


class TaxpayerType(enum.StrEnum):
    GENERAL = "general"  # 一般纳税人
    SMALL_SCALE = "small_scale"  # 小规模纳税人


class CustomerType(enum.StrEnum):
    """The account's Alipay real-name verification type, echoed on each title."""

    INDIVIDUAL = "individual"
    COMPANY = "company"


_PHONE = re.compile(r"^[0-9()（）\-－ +转]{5,20}$")
_BANK_ACCOUNT = re.compile(r"^[0-9 ]{8,32}$")
TITLE_LIMITS = {  # characters, per text field
    "invoice_title": 100,
    "register_no": 26,
    "bank": 120,
    "bank_no": 100,
    "address": 300,
    "phone": 60,
    "default_remark": 450,
    "taxation_license": 255,
    "title_change_instructions": 255,
}


@dataclass(frozen=True)
class TitleData:
    """The fields a customer writes. Status, ids and timestamps belong to the stored title."""

    invoice_title: str
    holder_kind: HolderKind = HolderKind.ENTERPRISE
    invoice_kind: InvoiceKind = InvoiceKind.PLAIN
    taxpayer_type: TaxpayerType = TaxpayerType.GENERAL
    customer_type: CustomerType = CustomerType.COMPANY
    issue_type: int = 1
    register_no: str = ""
    bank: str = ""
    bank_no: str = ""
    address: str = ""
    phone: str = ""
    taxation_license: str = ""
    title_change_instructions: str = ""
    default_remark: str = ""
    start_cycle: int | None = None
    end_cycle: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TitleData:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValidationFailed(f"unknown field {sorted(unknown)[0]}", field=sorted(unknown)[0])
        values = dict(data)
        for name, enum_type in _ENUM_FIELDS.items():
            if name in values:
                values[name] = _enum(enum_type, values[name], name)
        return cls(**values)

    def replace(self, **changes: Any) -> TitleData:
        return TitleData.from_json({**self.to_json(), **changes})


_ENUM_FIELDS: dict[str, type[enum.StrEnum]] = {
    "holder_kind": HolderKind,
    "invoice_kind": InvoiceKind,
    "taxpayer_type": TaxpayerType,
    "customer_type": CustomerType,
}


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _enum(enum_type: type[enum.StrEnum], value: Any, name: str) -> enum.StrEnum:
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum_type)
        raise ValidationFailed(f"{name} must be one of: {allowed}", field=name) from None


@dataclass(frozen=True)
class CheckedTitle:
    data: TitleData
    warnings: tuple[str, ...]


def check_title(data: TitleData, *, strict: bool) -> CheckedTitle:
    """Validate and normalise a title. Checks that real data can fail but placeholder data in a sandbox
    legitimately fails (checksums, formats) refuse when ``strict`` (production) and become warnings otherwise."""
    warnings: list[str] = []

    def soft(problem: str, field: str) -> None:
        if strict:
            raise ValidationFailed(problem, field=field)
        warnings.append(f"{field}: {problem}")

    data = _stripped(data)
    if not data.invoice_title:
        raise MissingValue("invoice_title is required", field="invoice_title")
    for name, limit in TITLE_LIMITS.items():
        if len(getattr(data, name)) > limit:
            raise ValidationFailed(f"{name} is longer than {limit} characters", field=name)
    if data.issue_type < 0:
        raise ValidationFailed("issue_type must not be negative", field="issue_type")
    _check_cycles(data.start_cycle, data.end_cycle)

    if data.register_no:
        result = check_tax_id(data.register_no, data.holder_kind)
        data = dataclasses.replace(data, register_no=result.value)
        if not result.ok:
            soft(result.problem or "invalid taxpayer id", "register_no")
        warnings.extend(f"register_no: {w}" for w in result.warnings)
    elif data.holder_kind is HolderKind.ENTERPRISE:
        raise MissingValue("an enterprise title needs its taxpayer id (register_no)", field="register_no")

    if data.invoice_kind is InvoiceKind.SPECIAL:
        _check_special(data)
        if data.taxpayer_type is TaxpayerType.SMALL_SCALE:
            warnings.append("taxpayer_type: a small-scale taxpayer cannot deduct input VAT on a special invoice")
    if data.phone and not _PHONE.match(data.phone):
        soft("not a phone number", "phone")
    if data.bank_no and not _BANK_ACCOUNT.match(data.bank_no):
        soft("a bank account number has 8 to 32 digits", "bank_no")
    return CheckedTitle(data, tuple(warnings))


def _stripped(data: TitleData) -> TitleData:
    changes = {
        f.name: getattr(data, f.name).strip()
        for f in dataclasses.fields(data)
        if isinstance(getattr(data, f.name), str) and not isinstance(getattr(data, f.name), enum.Enum)
    }
    return dataclasses.replace(data, **changes)


def _check_special(data: TitleData) -> None:
    if data.holder_kind is HolderKind.INDIVIDUAL:
        raise ValidationFailed("special VAT invoices cannot be issued to individuals", field="invoice_kind")
    for name in ("register_no", "address", "phone", "bank", "bank_no"):
        if not getattr(data, name):
            raise MissingValue(f"a special-invoice title needs {name}", field=name)


def parse_cycle(value: int, field: str) -> tuple[int, int]:
    year, month = divmod(value, 100)
    if not (1990 <= year <= 2999 and 1 <= month <= 12):
        raise ValidationFailed(f"{field} must be a month written YYYYMM", field=field)
    return year, month


def _check_cycles(start: int | None, end: int | None) -> None:
    if start is not None:
        parse_cycle(start, "start_cycle")
    if end is not None:
        parse_cycle(end, "end_cycle")
    if start is not None and end is not None and start > end:
        raise ValidationFailed("start_cycle is after end_cycle", field="start_cycle")


def adjust_type_for(old: TitleData, new: TitleData, *, real_name_verified: bool) -> AdjustType:
    """What kind of change turns ``old`` into ``new``; a renamed title needs its change statement."""
    renamed = old.invoice_title != new.invoice_title or old.holder_kind != new.holder_kind
    if not renamed:
        return AdjustType.DETAILS
    if not new.title_change_instructions or new.title_change_instructions == old.title_change_instructions:
        raise MissingValue(
            "renaming an approved title needs a new title-change statement (title_change_instructions)",
            field="title_change_instructions",
        )
    return AdjustType.VERIFIED_TITLE if real_name_verified else AdjustType.OTHER_TITLE


# Review actions and the statuses they start from. A pending change of an approved title is reviewed
# while the title reports "applying"; rejecting or withdrawing it returns the title to "approved".
_REVIEW_FROM: dict[str, frozenset[TitleStatus]] = {
    "approve": frozenset({TitleStatus.APPLYING}),
    "reject": frozenset({TitleStatus.APPLYING}),
    "withdraw": frozenset({TitleStatus.APPLYING}),
    "invalidate": frozenset({TitleStatus.APPROVED, TitleStatus.APPLYING}),
    "resubmit": frozenset({TitleStatus.APPLYING, TitleStatus.REJECTED, TitleStatus.WITHDRAWN, TitleStatus.INVALID}),
    "change": frozenset({TitleStatus.APPROVED}),
}


def require_transition(action: str, status: TitleStatus, *, has_pending_change: bool = False) -> None:
    if action in ("resubmit",) and has_pending_change:
        raise IllegalTransition("this title has an approved version; submit a change instead", field="status")
    if action == "change" and has_pending_change:
        raise IllegalTransition("a change of this title is already under review", field="status")
    if status not in _REVIEW_FROM[action]:
        raise IllegalTransition(f"cannot {action} a title that is {status.value}", field="status")
