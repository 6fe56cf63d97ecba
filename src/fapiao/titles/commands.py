"""What callers ask of invoice titles, in domain names, with the limits every protocol enforces.

``CreateTitle`` declares the limits of ``TitleData`` (the domain's title value) field by field, so any
``TitleData`` is accepted where a ``CreateTitle`` is; ``check_title`` enforces the same ``TITLE_LIMITS``.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import Annotated, Any

from annotated_types import Ge, Le, MaxLen, MinLen

from fapiao.domain.tax_ids import HolderKind
from fapiao.domain.titles import TITLE_LIMITS, CustomerType, InvoiceKind, TaxpayerType, TitleData, TitleStatus
from fapiao.usecases.pagination import MAX_PAGE, MAX_PAGE_SIZE
from fapiao.usecases.spec import Doc

_L = TITLE_LIMITS
MAX_ISSUE_TYPE = 2**31 - 1  # the stores keep it in a 32-bit column


@dataclass(frozen=True)
class CreateTitle(TitleData):
    """File a new title for review; it starts as ``applying``."""

    invoice_title: Annotated[str, MinLen(1), MaxLen(_L["invoice_title"]), Doc("Buyer name printed on invoices.")]
    holder_kind: Annotated[HolderKind, Doc("Who the title names.")] = HolderKind.ENTERPRISE
    invoice_kind: Annotated[InvoiceKind, Doc("Default invoice type.")] = InvoiceKind.PLAIN
    taxpayer_type: Annotated[TaxpayerType, Doc("Taxpayer type.")] = TaxpayerType.GENERAL
    customer_type: Annotated[CustomerType, Doc("Real-name verification type of the account.")] = CustomerType.COMPANY
    issue_type: Annotated[int, Ge(0), Le(MAX_ISSUE_TYPE), Doc("IssueType (opaque).")] = 1
    register_no: Annotated[str, MaxLen(_L["register_no"]), Doc("Taxpayer id / unified social credit code.")] = ""
    bank: Annotated[str, MaxLen(_L["bank"]), Doc("Bank name.")] = ""
    bank_no: Annotated[str, MaxLen(_L["bank_no"]), Doc("Bank account number.")] = ""
    address: Annotated[str, MaxLen(_L["address"]), Doc("Registered address.")] = ""
    phone: Annotated[str, MaxLen(_L["phone"]), Doc("Registered phone.")] = ""
    taxation_license: Annotated[
        str, MaxLen(_L["taxation_license"]), Doc("File name of an uploaded tax registration scan.")
    ] = ""
    title_change_instructions: Annotated[
        str, MaxLen(_L["title_change_instructions"]), Doc("File name of an uploaded title-change statement.")
    ] = ""
    default_remark: Annotated[str, MaxLen(_L["default_remark"]), Doc("Default invoice remark.")] = ""
    start_cycle: Annotated[int | None, Ge(199001), Le(299912), Doc("First valid month, `YYYYMM`.")] = None
    end_cycle: Annotated[int | None, Ge(199001), Le(299912), Doc("Last valid month, `YYYYMM`.")] = None


@dataclass(frozen=True)
class ChangeTitle:
    """Change fields of a title: a not yet approved one is edited and resubmitted, an approved one gets a
    change under review. Absent (``None``) fields keep their value."""

    title_id: Annotated[int, Ge(1), Doc("The title to change.")]
    invoice_title: Annotated[str | None, MinLen(1), MaxLen(_L["invoice_title"]), Doc("Buyer name.")] = None
    holder_kind: Annotated[HolderKind | None, Doc("Who the title names.")] = None
    invoice_kind: Annotated[InvoiceKind | None, Doc("Default invoice type.")] = None
    taxpayer_type: Annotated[TaxpayerType | None, Doc("Taxpayer type.")] = None
    customer_type: Annotated[CustomerType | None, Doc("Real-name verification type of the account.")] = None
    issue_type: Annotated[int | None, Ge(0), Le(MAX_ISSUE_TYPE), Doc("IssueType (opaque).")] = None
    register_no: Annotated[str | None, MaxLen(_L["register_no"]), Doc("Taxpayer id.")] = None
    bank: Annotated[str | None, MaxLen(_L["bank"]), Doc("Bank name.")] = None
    bank_no: Annotated[str | None, MaxLen(_L["bank_no"]), Doc("Bank account number.")] = None
    address: Annotated[str | None, MaxLen(_L["address"]), Doc("Registered address.")] = None
    phone: Annotated[str | None, MaxLen(_L["phone"]), Doc("Registered phone.")] = None
    taxation_license: Annotated[str | None, MaxLen(_L["taxation_license"]), Doc("Tax registration scan.")] = None
    title_change_instructions: Annotated[
        str | None, MaxLen(_L["title_change_instructions"]), Doc("Title-change statement.")
    ] = None
    default_remark: Annotated[str | None, MaxLen(_L["default_remark"]), Doc("Default invoice remark.")] = None
    start_cycle: Annotated[int | None, Ge(199001), Le(299912), Doc("First valid month, `YYYYMM`.")] = None
    end_cycle: Annotated[int | None, Ge(199001), Le(299912), Doc("Last valid month, `YYYYMM`.")] = None

    def changes(self) -> dict[str, Any]:
        """The given fields by ``TitleData`` name, as plain values."""
        given = ((f.name, getattr(self, f.name)) for f in dataclasses.fields(self) if f.name != "title_id")
        return {name: v.value if isinstance(v, enum.Enum) else v for name, v in given if v is not None}


class Decision(enum.StrEnum):
    """What a review does to a title (or to its pending change); the values are the domain's transitions."""

    APPROVE = "approve"  # operators: the title (or its change) is in force
    REJECT = "reject"  # operators: refused, with a reason; a rejected change leaves the approved title in force
    WITHDRAW = "withdraw"  # the account or an operator: taken back from review
    INVALIDATE = "invalidate"  # operators: 失效, it can no longer be used to invoice


@dataclass(frozen=True)
class ReviewTitle:
    """Decide on a title under review. Customers may only withdraw their own; a rejection needs a note."""

    title_id: Annotated[int, Ge(1), Doc("The title to review.")]
    decision: Annotated[Decision, Doc("Approve, reject, withdraw or invalidate.")]
    note: Annotated[str, Doc("Why, shown to the customer; required to reject.")] = ""


@dataclass(frozen=True)
class ListTitles:
    """Titles, oldest first, filtered; customers see their own account's only."""

    status: Annotated[TitleStatus | None, Doc("Only titles in this status.")] = None
    invoice_kind: Annotated[InvoiceKind | None, Doc("Only titles of this invoice kind.")] = None
    holder_kind: Annotated[HolderKind | None, Doc("Only titles naming this kind of holder.")] = None
    search: Annotated[str | None, MaxLen(100), Doc("Part of the title name or taxpayer id.")] = None
    page: Annotated[int, Ge(1), Le(MAX_PAGE), Doc("Page number, from 1.")] = 1
    page_size: Annotated[int, Ge(1), Le(MAX_PAGE_SIZE), Doc("Entries per page.")] = 20
    user_id: Annotated[int | None, Ge(1), Doc("Operators only: this account's titles.")] = None
