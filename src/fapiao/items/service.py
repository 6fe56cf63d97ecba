"""Invoiceable items: what each account was billed, and how much of it may still be invoiced."""

from __future__ import annotations

from datetime import datetime

from fapiao.accounts.service import load_account
from fapiao.audit import service as audit
from fapiao.domain.clock import utc_naive
from fapiao.domain.errors import NotFound, ValidationFailed
from fapiao.domain.items import BizType, ItemAmounts, check_amounts
from fapiao.domain.titles import parse_cycle
from fapiao.items import queries
from fapiao.items.commands import CreateItem, ItemSort, ListInvoiceCandidates, ListItems
from fapiao.items.queries import Criteria
from fapiao.items.views import ItemPage, ItemView, item_view
from fapiao.runtime import Runtime
from fapiao.store.tables import InvoiceableItem, utcnow
from fapiao.usecases import spec
from fapiao.usecases.actor import Actor
from fapiao.usecases.pagination import PageRequest


def create_item(rt: Runtime, actor: Actor, user_id: int, command: CreateItem) -> ItemView:
    """Record something an account was billed for (done by the platform's billing, or an operator)."""
    if actor.is_customer:
        raise NotFound("no such record")
    if not command.name.strip():
        raise ValidationFailed("name is required", field="name")
    spec.check(command)
    _check_cycle(command.bill_cycle, "bill_cycle")
    check_amounts(ItemAmounts(command.original_fen, command.offset_fen, command.invoiced_fen))
    with rt.db.transaction() as session:
        account = load_account(session, user_id)
        row = InvoiceableItem(
            account_id=account.id,
            name=command.name.strip(),
            biz_type=BizType(command.biz_type).value,
            bill_cycle=command.bill_cycle,
            bill_id=command.bill_id,
            item_id=command.item_id,
            out_biz_id=command.out_biz_id,
            op_id=command.op_id,
            biz_time=utc_naive(command.biz_time) if command.biz_time else utcnow().replace(microsecond=0),
            original_fen=command.original_fen,
            offset_fen=command.offset_fen,
            invoiced_fen=command.invoiced_fen,
            present_fen=command.present_fen,
            status=command.status,
            type=command.type,
            reserved_fen=0,
        )
        session.add(row)
        session.flush()
        view = item_view(row, account)
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
        pair = session.execute(queries.by_id(item_id)).first()
        if pair is None or not actor.sees(pair[1].id):
            raise NotFound(f"invoiceable item {item_id} does not exist", field="id")
        return item_view(pair[0], pair[1])


def list_items(rt: Runtime, actor: Actor, command: ListItems) -> ItemPage:
    """Items filtered and sorted; customers see their own account's only."""
    spec.check(command)
    criteria = Criteria(
        account_id=actor.visible_account,
        user_id=command.user_id,
        amount=command.amount,
        bill_cycles=(_check_cycle(command.bill_cycle, "bill_cycle"),) if command.bill_cycle else (),
        biz_types=command.biz_types,
        out_biz_ids=(command.out_biz_id,) if command.out_biz_id else (),
        min_fen=command.min_fen,
        max_fen=command.max_fen,
        biz_time_from=_stored_time(command.biz_time_from),
        biz_time_to=_stored_time(command.biz_time_to),
        created_from=_stored_time(command.created_from),
        created_to=_stored_time(command.created_to),
    )
    return _page(rt, criteria, command.sort, PageRequest(command.page, command.page_size))


def list_invoice_candidates(rt: Runtime, actor: Actor, command: ListInvoiceCandidates) -> ItemPage:
    """Items by any of several months, documents, entities, statuses or types, newest first."""
    spec.check(command)
    cycles = tuple("{:04d}-{:02d}".format(*parse_cycle(c, "bill_cycles")) for c in command.bill_cycles)
    criteria = Criteria(
        account_id=actor.visible_account,
        bill_cycles=cycles,
        biz_types=command.biz_types,
        out_biz_ids=command.out_biz_ids,
        statuses=command.statuses,
        types=command.types,
        biz_time_from=_stored_time(command.biz_time_from),
        biz_time_to=_stored_time(command.biz_time_to),
    )
    return _page(rt, criteria, ItemSort.ID_DESC, PageRequest(command.page, command.page_size))


def _page(rt: Runtime, criteria: Criteria, sort: ItemSort, page: PageRequest) -> ItemPage:
    query = queries.matching(criteria)
    with rt.db.transaction() as session:
        count, invoiced, remaining = session.execute(queries.totals(query)).one()
        offset = (page.page - 1) * page.page_size
        rows = session.execute(query.order_by(*queries.ORDER[sort]).limit(page.page_size).offset(offset))
        found = [item_view(item, account) for item, account in rows]
        return ItemPage(found, page.page, page.page_size, int(count), int(invoiced), int(remaining))


def _check_cycle(cycle: str, field: str) -> str:
    try:
        datetime.strptime(cycle, "%Y-%m")
    except ValueError:
        raise ValidationFailed(f"{field} is a month written YYYY-MM", field=field) from None
    return cycle


def _stored_time(moment: datetime | None) -> datetime | None:
    """A filter's time as the column holds it (SQLite compares the text, so an offset would be ignored)."""
    return utc_naive(moment) if moment is not None else None
