"""The statements item use cases run: one filter shape serves both list commands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from fapiao.items.commands import AmountFilter, ItemSort
from fapiao.store.tables import Account, InvoiceableItem

Joined = Select[InvoiceableItem, Account]
_ITEM = InvoiceableItem
CAN_INVOICE = _ITEM.original_fen - _ITEM.offset_fen - _ITEM.invoiced_fen - _ITEM.reserved_fen
ORDER: dict[ItemSort, tuple[ColumnElement[Any], ...]] = {
    ItemSort.ID_DESC: (_ITEM.id.desc(),),
    ItemSort.TYPE_DESC_ID_DESC: (_ITEM.type.desc(), _ITEM.id.desc()),
    ItemSort.TYPE_ASC_ID_DESC: (_ITEM.type.asc(), _ITEM.id.desc()),
}


@dataclass(frozen=True)
class Criteria:
    """Every condition a list command can set, already checked (cycles are ``YYYY-MM``)."""

    account_id: int | None = None
    user_id: int | None = None
    amount: AmountFilter | None = None
    bill_cycles: tuple[str, ...] = ()
    biz_types: tuple[str, ...] = ()
    out_biz_ids: tuple[str, ...] = ()
    statuses: tuple[int, ...] = ()
    types: tuple[int, ...] = ()
    min_fen: int | None = None
    max_fen: int | None = None
    biz_time_from: datetime | None = None
    biz_time_to: datetime | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


def joined() -> Joined:
    return select(InvoiceableItem, Account).join(Account, Account.id == InvoiceableItem.account_id)


def by_id(item_id: int) -> Joined:
    return joined().where(InvoiceableItem.id == item_id)


def matching(c: Criteria) -> Joined:
    conditions: list[ColumnElement[bool]] = []
    if c.account_id is not None:
        conditions.append(_ITEM.account_id == c.account_id)
    if c.user_id is not None:
        conditions.append(Account.user_id == c.user_id)
    if c.amount is not None:
        conditions.append(_AMOUNT[c.amount])
    for column, values in (
        (_ITEM.bill_cycle, c.bill_cycles),
        (_ITEM.biz_type, c.biz_types),
        (_ITEM.out_biz_id, c.out_biz_ids),
    ):
        if values:
            conditions.append(column.in_(values))
    for number, numbers in ((_ITEM.status, c.statuses), (_ITEM.type, c.types)):
        if numbers:
            conditions.append(number.in_(numbers))
    if c.min_fen is not None:
        conditions.append(c.min_fen <= CAN_INVOICE)
    if c.max_fen is not None:
        conditions.append(c.max_fen >= CAN_INVOICE)
    if c.biz_time_from:
        conditions.append(_ITEM.biz_time >= c.biz_time_from)
    if c.biz_time_to:
        conditions.append(_ITEM.biz_time <= c.biz_time_to)
    if c.created_from:
        conditions.append(_ITEM.created_at >= c.created_from)
    if c.created_to:
        conditions.append(_ITEM.created_at <= c.created_to)
    return joined().where(*conditions)


def totals(query: Joined) -> Select[int, int, int]:
    """Count, invoiced and still invoiceable amounts over every row of ``query``."""
    sub = query.subquery()
    remaining = sub.c.original_fen - sub.c.offset_fen - sub.c.invoiced_fen - sub.c.reserved_fen
    return select(
        func.count(),
        func.coalesce(func.sum(sub.c.invoiced_fen), 0),
        func.coalesce(func.sum(remaining), 0),
    )


_AMOUNT: dict[AmountFilter, ColumnElement[bool]] = {
    AmountFilter.NEGATIVE: CAN_INVOICE < 0,
    AmountFilter.POSITIVE: CAN_INVOICE > 0,
    AmountFilter.NON_ZERO: CAN_INVOICE != 0,
    AmountFilter.INVOICED: _ITEM.invoiced_fen > 0,
}
