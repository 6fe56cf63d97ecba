"""The TOP view of domain records: wire codes and field layouts of ``invoiceapply.get`` and TMC messages.

Every code is spelled out in both directions so that neither side can drift: TOP statuses are numbers
(1 pending, 2 invoicing, 3 rejected, 4 sent, 0 completed), invoice types 1 plain / 2 special, item types
1 tax-control unit / 2 daily bill. Amounts are yuan strings with two decimals (``"250.00"``), times GMT+8.
Empty text is left out, as TOP leaves out fields it has no value for.
"""

from __future__ import annotations

from fapiao.applications.views import ApplicationView, LineView
from fapiao.domain.applications import ApplicationStatus, ItemType
from fapiao.domain.clock import to_china
from fapiao.domain.money import fen_to_yuan_str
from fapiao.domain.titles import InvoiceKind
from fapiao.protocols.top.envelope import ListOf, Value
from fapiao.tmc.commands import MAX_MESSAGE_ID
from fapiao.tmc.views import Message

STATUS_CODES: dict[ApplicationStatus, int] = {
    ApplicationStatus.PENDING: 1,
    ApplicationStatus.INVOICING: 2,
    ApplicationStatus.REJECTED: 3,
    ApplicationStatus.SENT: 4,
    ApplicationStatus.COMPLETED: 0,
}
STATUS_BY_CODE: dict[int, ApplicationStatus] = {code: status for status, code in STATUS_CODES.items()}
INVOICE_TYPE_CODES: dict[InvoiceKind, int] = {InvoiceKind.PLAIN: 1, InvoiceKind.SPECIAL: 2}
ITEM_TYPE_CODES: dict[ItemType, int] = {ItemType.TAX_CONTROL_UNIT: 1, ItemType.DAILY_BILL: 2}

# The documented field order of each record, for the reference page (the builders below follow it).
APPLY_FIELDS = (
    "apply_id",
    "invoice_amount",
    "payee_register_no",
    "company_name",
    "bank",
    "bank_account",
    "status",
    "receiver_address",
    "receiver_name",
    "receiver_phone",
    "sender_name",
    "sender_phone",
    "sender_logistics_company",
    "sender_logistics_no",
    "invoice_item_list",
    "invoice_type",
    "invoice_payee_register_no",
    "invoice_address",
    "invoice_phone",
)
APPLY_ITEM_FIELDS = ("item_name", "item_type", "amount", "bill_date")
MESSAGE_FIELDS = ("user_id", "user_nick", "content", "id", "pub_time", "pub_app_key", "topic")

APPLY_ITEM_TYPE = "UserInvoiceItemDTO"  # the element type of ``invoice_item_list``
TMC_MESSAGE_TYPE = "TmcMessage"  # the element type of ``messages``


def application_fields(view: ApplicationView) -> dict[str, Value]:
    """``UserInvoiceApplyDTO`` in the documented field order."""
    return {
        "apply_id": view.apply_id,
        "invoice_amount": fen_to_yuan_str(view.amount_fen),
        "payee_register_no": _text(view.payee_register_no),
        "company_name": _text(view.company_name),
        "bank": _text(view.bank),
        "bank_account": _text(view.bank_account),
        "status": STATUS_CODES[view.status],
        "receiver_address": _text(view.receiver_address),
        "receiver_name": _text(view.receiver_name),
        "receiver_phone": _text(view.receiver_phone),
        "sender_name": _text(view.sender_name),
        "sender_phone": _text(view.sender_phone),
        "sender_logistics_company": _text(view.sender_logistics_company),
        "sender_logistics_no": _text(view.sender_logistics_no),
        "invoice_item_list": ListOf.of_type(APPLY_ITEM_TYPE, [_line(line) for line in view.lines]),
        "invoice_type": INVOICE_TYPE_CODES[view.invoice_kind],
        "invoice_payee_register_no": _text(view.invoice_payee_register_no),
        "invoice_address": _text(view.invoice_address),
        "invoice_phone": _text(view.invoice_phone),
    }


def message_fields(message: Message) -> dict[str, Value]:
    """``TmcMessage`` as the consume documentation lists it; ``content`` stays a JSON string."""
    return {
        "user_id": message.user_id,
        "user_nick": message.user_nick,
        "content": message.content,
        "id": message.id,
        "pub_time": to_china(message.pub_time),
        "pub_app_key": message.pub_app_key,
        "topic": message.topic,
    }


def _line(line: LineView) -> dict[str, Value]:
    return {
        "item_name": line.item_name,
        "item_type": ITEM_TYPE_CODES[line.item_type],
        "amount": fen_to_yuan_str(line.amount_fen),
        "bill_date": _text(line.bill_date),
    }


def _text(value: str) -> str | None:
    return value or None


def message_ids(wire: tuple[str, ...]) -> tuple[int, ...]:
    """``s_message_ids`` / ``f_message_ids`` items as TMC ids: decimal int64 numbers, else ``ValueError``."""
    if any(not (i.isascii() and i.isdigit()) for i in wire):
        raise ValueError("message ids are numbers")
    ids = tuple(int(i) for i in wire)
    if any(not 0 < i <= MAX_MESSAGE_ID for i in ids):
        raise ValueError(f"message ids are between 1 and {MAX_MESSAGE_ID}")
    return ids
