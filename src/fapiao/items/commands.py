"""What callers ask of invoiceable items, in domain names, with the limits every protocol enforces."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from annotated_types import Ge, Le, MaxLen, MinLen

from fapiao.domain.items import BizType
from fapiao.usecases.pagination import MAX_PAGE, MAX_PAGE_SIZE
from fapiao.usecases.spec import MAX_INT32, MIN_INT32, Doc, Pattern

BizTypeName = Annotated[str, MaxLen(32)]


class AmountFilter(enum.IntEnum):
    """Which items by their invoiceable or invoiced amount."""

    NEGATIVE = 1
    POSITIVE = 2
    NON_ZERO = 3
    INVOICED = 4


class ItemSort(enum.IntEnum):
    ID_DESC = 1
    TYPE_DESC_ID_DESC = 2
    TYPE_ASC_ID_DESC = 3


PageNumber = Annotated[int, Ge(1), Le(MAX_PAGE), Doc("Page number, from 1.")]
PageSize = Annotated[int, Ge(1), Le(MAX_PAGE_SIZE), Doc("Entries per page.")]
BizTimeFrom = Annotated[datetime | None, Doc("Earliest business (payment) time.")]
BizTimeTo = Annotated[datetime | None, Doc("Latest business (payment) time.")]


@dataclass(frozen=True)
class ListItems:
    """An account's invoiceable items, filtered, sorted and paged, with the totals over every match."""

    amount: Annotated[
        AmountFilter | None,
        Doc("1 invoiceable amount < 0, 2 > 0, 3 ≠ 0, 4 invoiced amount > 0; absent: all."),
    ] = None
    bill_cycle: Annotated[str | None, Pattern(r"[0-9]{4}-[0-9]{2}"), Doc("Billing month, `YYYY-MM`.")] = None
    biz_types: Annotated[tuple[BizTypeName, ...], MaxLen(20), Doc("Invoicing entities (`ALIYUN`, `MARKETPLACE`).")] = ()
    out_biz_id: Annotated[str | None, MaxLen(64), Doc("Order, bill or contract id.")] = None
    min_fen: Annotated[int | None, Doc("Lowest invoiceable amount, fen.")] = None
    max_fen: Annotated[int | None, Doc("Highest invoiceable amount, fen.")] = None
    biz_time_from: BizTimeFrom = None
    biz_time_to: BizTimeTo = None
    created_from: Annotated[datetime | None, Doc("Earliest creation time of the item.")] = None
    created_to: Annotated[datetime | None, Doc("Latest creation time of the item.")] = None
    sort: Annotated[
        ItemSort,
        Doc("1 id descending; 2 type descending, then id descending; 3 type ascending, then id descending."),
    ] = ItemSort.ID_DESC
    page: PageNumber = 1
    page_size: PageSize = 20
    user_id: Annotated[int | None, Ge(1), Doc("Operators only: this account's items.")] = None


@dataclass(frozen=True)
class ListInvoiceCandidates:
    """An account's invoiceable items by several billing months, documents, statuses or types, paged."""

    bill_cycles: Annotated[tuple[int, ...], MaxLen(120), Doc("Billing months, `YYYYMM`.")] = ()
    out_biz_ids: Annotated[tuple[str, ...], MaxLen(100), Doc("Business document numbers.")] = ()
    biz_types: Annotated[tuple[str, ...], MaxLen(20), Doc("Invoicing entities (`ALIYUN`, `MARKETPLACE`).")] = ()
    statuses: Annotated[tuple[int, ...], MaxLen(20), Doc("Item statuses.")] = ()
    types: Annotated[tuple[int, ...], MaxLen(20), Doc("Item types.")] = ()
    biz_time_from: BizTimeFrom = None
    biz_time_to: BizTimeTo = None
    page: PageNumber = 1
    page_size: PageSize = 20


@dataclass(frozen=True)
class CreateItem:
    """Record something an account was billed for (the platform's billing, or an operator)."""

    name: Annotated[str, MinLen(1), MaxLen(200), Doc("What was billed.")]
    bill_cycle: Annotated[str, Pattern(r"[0-9]{4}-[0-9]{2}"), Doc("Billing month, `YYYY-MM`.")]
    original_fen: Annotated[int, Doc("Billed amount in fen.")]
    biz_type: Annotated[BizType, Doc("Invoicing entity.")] = BizType.ALIYUN
    biz_time: Annotated[datetime | None, Doc("Business (payment) time; absent: now.")] = None
    bill_id: int = 0
    item_id: int = 0
    out_biz_id: Annotated[str, MaxLen(64), Doc("Order, bill or contract id.")] = ""
    op_id: Annotated[str, MaxLen(64)] = ""
    offset_fen: Annotated[int, Ge(0), Doc("Refunded amount in fen.")] = 0
    invoiced_fen: Annotated[int, Ge(0), Doc("Already invoiced elsewhere, fen.")] = 0
    present_fen: Annotated[int, Ge(0)] = 0
    status: Annotated[int, Ge(MIN_INT32), Le(MAX_INT32)] = 1
    type: Annotated[int, Ge(MIN_INT32), Le(MAX_INT32)] = 2
