"""What callers ask of applications, in domain names, with the limits every protocol enforces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from annotated_types import Ge, Len, MaxLen

from fapiao.domain.applications import Medium
from fapiao.domain.titles import InvoiceKind
from fapiao.usecases.spec import Doc

MAX_SELECTED_ITEMS = 500
MAX_REMARK_LENGTH = 500
MAX_EMAILS_LENGTH = 200


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
    process_way: Annotated[int, Ge(1), Doc("How the provider processes it (1: normally).")] = 1
    apply_user_nick: Annotated[str, MaxLen(64), Doc("Who filed it, as shown to the provider.")] = ""
    client_token: Annotated[str | None, MaxLen(64), Doc("Makes retries safe: the same token files once.")] = None
