"""What item use cases return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fapiao.domain.items import ItemAmounts
from fapiao.store.tables import Account, InvoiceableItem


@dataclass(frozen=True)
class ItemView:
    id: int
    user_id: int
    user_nick: str
    name: str
    biz_type: str
    bill_cycle: str  # YYYY-MM
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


@dataclass(frozen=True)
class ItemPage:
    """One page of items and the totals over every item that matched."""

    items: list[ItemView]
    page: int
    page_size: int
    total: int
    total_invoiced_fen: int
    total_can_invoice_fen: int


def item_view(row: InvoiceableItem, account: Account) -> ItemView:
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
