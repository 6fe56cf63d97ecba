"""What callers ask of applications, in domain names, with the limits every protocol enforces."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from annotated_types import Ge, Le, Len, MaxLen, MinLen

from fapiao.domain.applications import ApplicationStatus, ExInfo, ItemType, Medium
from fapiao.domain.titles import InvoiceKind
from fapiao.usecases.spec import MAX_INT32, Doc

MAX_SELECTED_ITEMS = 500
MAX_REMARK_LENGTH = 500
MAX_EMAILS_LENGTH = 200
MAX_APPLY_ID_LENGTH = 64
MAX_EX_INFO_LENGTH = 4000  # the JSON text a provider sends as the details of a status change


@dataclass(frozen=True)
class FileApplication:
    """File an application for selected billed items on an approved title. Repeating a ``client_token`` with
    the same command returns the first application; with another command it is refused."""

    title_id: Annotated[int, Ge(1), Doc("An approved invoice title of the caller.")]
    item_ids: Annotated[
        tuple[int, ...], Len(1, MAX_SELECTED_ITEMS), Doc("The billed items to invoice, each at most once.")
    ]
    amount_fen: Annotated[int | None, Ge(1), Doc("Amount to invoice in fen; absent: all the items still allow.")] = None
    address_id: Annotated[int | None, Ge(1), Doc("Mailing address; given: a paper invoice.")] = None
    invoice_kind: Annotated[InvoiceKind | None, Doc("Plain or special VAT invoice; absent: the title's own.")] = None
    medium: Annotated[Medium | None, Doc("Paper or electronic; absent: paper with an address, else electronic.")] = None
    user_remark: Annotated[str, MaxLen(MAX_REMARK_LENGTH), Doc("A remark for the provider.")] = ""
    emails: Annotated[str, MaxLen(MAX_EMAILS_LENGTH), Doc("Comma-separated addresses to send the invoice to.")] = ""
    process_way: Annotated[int, Ge(1), Le(MAX_INT32), Doc("How the provider processes it (1: normally).")] = 1
    apply_user_nick: Annotated[str, MaxLen(64), Doc("Who filed it, as shown to the provider.")] = ""
    client_token: Annotated[str | None, MaxLen(64), Doc("Makes retries safe: the same token files once.")] = None


ApplyId = Annotated[str, MinLen(1), MaxLen(MAX_APPLY_ID_LENGTH), Doc("The application's id (InvoiceApplyId).")]


@dataclass(frozen=True)
class GetApplication:
    """Read one application: a customer its own, a provider app one routed to it."""

    apply_id: ApplyId


@dataclass(frozen=True)
class UpdateApplicationStatus:
    """Move an application through the status machine (``domain.applications``). Repeating the current
    status changes nothing; the details a new status needs (a rejection's reason, the logistics of a sent
    paper invoice, the issued invoice's number) are refused when missing."""

    apply_id: ApplyId
    status: Annotated[ApplicationStatus, Doc("The status to move to.")]
    details: Annotated[
        ExInfo, Doc("What the provider tells about the change: message, logistics, invoice code and number.")
    ] = field(default_factory=ExInfo)


@dataclass(frozen=True)
class ApplicationFilters:
    """Which applications a list shows (a customer always sees only its own)."""

    user_id: Annotated[int | None, Ge(1), Doc("Only this account's applications.")] = None
    status: Annotated[ApplicationStatus | None, Doc("Only applications in this status.")] = None


@dataclass(frozen=True)
class ImportedLine:
    item_name: str
    item_type: ItemType
    amount_fen: int
    bill_date: str


@dataclass(frozen=True)
class ImportApplication:
    """An application carried over whole (operator imports, the demo): every printed field given, nothing
    reserved on billed items."""

    user_id: int
    apply_id: ApplyId
    amount_fen: Annotated[int, Ge(1)]
    company_name: str
    payee_register_no: str
    bank: str
    bank_account: str
    receiver_name: str
    receiver_phone: str
    receiver_address: str
    invoice_kind: InvoiceKind
    invoice_payee_register_no: str
    invoice_address: str
    invoice_phone: str
    lines: tuple[ImportedLine, ...]
    medium: Medium = Medium.PAPER
    sender_name: str = ""
    sender_phone: str = ""
    sender_logistics_company: str = ""
    sender_logistics_no: str = ""
