"""Invoiceable items: what each account was billed, and how much of it may still be invoiced."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select

from fapiao.accounts.service import load_account
from fapiao.audit import service as audit
from fapiao.domain.errors import NotFound, ValidationFailed
from fapiao.domain.items import BizType, ItemAmounts, check_amounts
from fapiao.runtime import Runtime
from fapiao.store.tables import Account, InvoiceableItem
from fapiao.usecases.actor import Actor
from fapiao.usecases.pagination import PageRequest


@dataclass(frozen=True)
class NewItem:
    name: str
    bill_cycle: str  # YYYY-MM
    original_fen: int
    biz_type: BizType = BizType.ALIYUN
    biz_time: datetime | None = None
    bill_id: int = 0
    item_id: int = 0
    out_biz_id: str = ""
    op_id: str = ""
    offset_fen: int = 0
    invoiced_fen: int = 0
    present_fen: int = 0
    status: int = 1
    type: int = 2


@dataclass(frozen=True)
class ItemView:
    id: int
    user_id: int
    user_nick: str
    name: str
    biz_type: str
    bill_cycle: str
    bill_id: int
    item_id: int
    out_biz_id: str
    op_id: str
    biz_time: datetime
    original_fen: int
    offset_fen: int
    invoiced_fen: int
    reserved_fen: int
    can_invoice_fen: int
    present_fen: int
    status: int
    type: int
    created_at: datetime
    updated_at: datetime


class AmountFilter(enum.IntEnum):
    """QueryEvaluateList ``Type``: which items by their invoiceable or invoiced amount."""

    NEGATIVE = 1
    POSITIVE = 2
    NON_ZERO = 3
    INVOICED = 4


class ItemSort(enum.IntEnum):
    ID_DESC = 1
    TYPE_DESC_ID_DESC = 2
    TYPE_ASC_ID_DESC = 3


@dataclass(frozen=True)
class ItemFilter:
    amount: AmountFilter | None = None
    bill_cycle: str | None = None
    biz_types: tuple[str, ...] = ()
    out_biz_id: str | None = None
    min_fen: int | None = None
    max_fen: int | None = None
    biz_time_from: datetime | None = None
    biz_time_to: datetime | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    bill_cycles: tuple[str, ...] = ()  # any of these cycles (ListInvoiceCandidate takes several)
    out_biz_ids: tuple[str, ...] = ()
    statuses: tuple[int, ...] = ()
    types: tuple[int, ...] = ()
    sort: ItemSort = ItemSort.ID_DESC


@dataclass(frozen=True)
class ItemPage:
    items: list[ItemView]
    page: int
    page_size: int
    total: int
    total_invoiced_fen: int
    total_can_invoice_fen: int


def _check_cycle(cycle: str) -> str:
    try:
        datetime.strptime(cycle, "%Y-%m")
    except ValueError:
        raise ValidationFailed("bill_cycle is a month written YYYY-MM", field="bill_cycle") from None
    return cycle


def create_item(rt: Runtime, actor: Actor, user_id: int, item: NewItem) -> ItemView:
    """Record something an account was billed for (done by the platform's billing, or an operator)."""
    if actor.is_customer:
        raise NotFound("no such record")
    if not item.name.strip():
        raise ValidationFailed("name is required", field="name")
    _check_cycle(item.bill_cycle)
    check_amounts(ItemAmounts(item.original_fen, item.offset_fen, item.invoiced_fen))
    with rt.db.transaction() as session:
        account = load_account(session, user_id)
        row = InvoiceableItem(
            account_id=account.id,
            name=item.name.strip(),
            biz_type=BizType(item.biz_type).value,
            bill_cycle=item.bill_cycle,
            bill_id=item.bill_id,
            item_id=item.item_id,
            out_biz_id=item.out_biz_id,
            op_id=item.op_id,
            biz_time=item.biz_time or datetime.now().replace(microsecond=0),
            original_fen=item.original_fen,
            offset_fen=item.offset_fen,
            invoiced_fen=item.invoiced_fen,
            present_fen=item.present_fen,
            status=item.status,
            type=item.type,
            reserved_fen=0,
        )
        session.add(row)
        session.flush()
        view = _view(row, account)
        audit.record(
            session,
            actor,
            "item.create",
            "invoiceable_item",
            row.id,
            account_id=account.id,
            after={"name": row.name, "original_fen": row.original_fen, "bill_cycle": row.bill_cycle},
        )
        return view


def get_item(rt: Runtime, actor: Actor, item_id: int) -> ItemView:
    with rt.db.transaction() as session:
        pair = session.execute(_joined().where(InvoiceableItem.id == item_id)).first()
        if pair is None:
            raise NotFound(f"invoiceable item {item_id} does not exist", field="id")
        actor.require_account(pair[1].id)
        return _view(pair[0], pair[1])


def list_items(
    rt: Runtime,
    actor: Actor,
    page: PageRequest,
    *,
    user_id: int | None = None,
    filters: ItemFilter = ItemFilter(),
) -> ItemPage:
    query = _filtered(_joined(), actor, user_id, filters)
    with rt.db.transaction() as session:
        sub = query.subquery()
        totals = session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(sub.c.invoiced_fen), 0),
                func.coalesce(
                    func.sum(sub.c.original_fen - sub.c.offset_fen - sub.c.invoiced_fen - sub.c.reserved_fen),
                    0,
                ),
            )
        ).one()
        order = {
            ItemSort.ID_DESC: (InvoiceableItem.id.desc(),),
            ItemSort.TYPE_DESC_ID_DESC: (InvoiceableItem.type.desc(), InvoiceableItem.id.desc()),
            ItemSort.TYPE_ASC_ID_DESC: (InvoiceableItem.type.asc(), InvoiceableItem.id.desc()),
        }[filters.sort]
        rows = session.execute(query.order_by(*order).limit(page.page_size).offset((page.page - 1) * page.page_size))
        items = [_view(item, account) for item, account in rows]
        return ItemPage(items, page.page, page.page_size, int(totals[0]), int(totals[1]), int(totals[2]))


def _joined() -> Select[InvoiceableItem, Account]:
    return select(InvoiceableItem, Account).join(Account, Account.id == InvoiceableItem.account_id)


def _filtered(
    query: Select[InvoiceableItem, Account], actor: Actor, user_id: int | None, f: ItemFilter
) -> Select[InvoiceableItem, Account]:
    item = InvoiceableItem
    can_invoice = item.original_fen - item.offset_fen - item.invoiced_fen - item.reserved_fen
    if actor.is_customer:
        query = query.where(item.account_id == actor.account_id)
    if user_id is not None:
        query = query.where(Account.user_id == user_id)
    if f.amount is AmountFilter.NEGATIVE:
        query = query.where(can_invoice < 0)
    elif f.amount is AmountFilter.POSITIVE:
        query = query.where(can_invoice > 0)
    elif f.amount is AmountFilter.NON_ZERO:
        query = query.where(can_invoice != 0)
    elif f.amount is AmountFilter.INVOICED:
        query = query.where(item.invoiced_fen > 0)
    if f.bill_cycle:
        query = query.where(item.bill_cycle == _check_cycle(f.bill_cycle))
    if f.bill_cycles:
        query = query.where(item.bill_cycle.in_([_check_cycle(c) for c in f.bill_cycles]))
    if f.out_biz_ids:
        query = query.where(item.out_biz_id.in_(f.out_biz_ids))
    if f.statuses:
        query = query.where(item.status.in_(f.statuses))
    if f.types:
        query = query.where(item.type.in_(f.types))
    if f.biz_types:
        query = query.where(item.biz_type.in_(f.biz_types))
    if f.out_biz_id:
        query = query.where(item.out_biz_id == f.out_biz_id)
    if f.min_fen is not None:
        query = query.where(can_invoice >= f.min_fen)
    if f.max_fen is not None:
        query = query.where(can_invoice <= f.max_fen)
    if f.biz_time_from:
        query = query.where(item.biz_time >= f.biz_time_from)
    if f.biz_time_to:
        query = query.where(item.biz_time <= f.biz_time_to)
    if f.created_from:
        query = query.where(item.created_at >= f.created_from)
    if f.created_to:
        query = query.where(item.created_at <= f.created_to)
    return query


def _view(row: InvoiceableItem, account: Account) -> ItemView:
    amounts = ItemAmounts(row.original_fen, row.offset_fen, row.invoiced_fen, row.reserved_fen)
    return ItemView(
        row.id,
        account.user_id,
        account.user_nick,
        row.name,
        row.biz_type,
        row.bill_cycle,
        row.bill_id,
        row.item_id,
        row.out_biz_id,
        row.op_id,
        row.biz_time,
        row.original_fen,
        row.offset_fen,
        row.invoiced_fen,
        row.reserved_fen,
        amounts.can_invoice,
        row.present_fen,
        row.status,
        row.type,
        row.created_at,
        row.updated_at,
    )
