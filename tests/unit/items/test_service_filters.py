"""Listing billed items the way QueryEvaluateList and ListInvoiceCandidate ask for them: each filter narrows
the page and its totals, customers see only their own items, and only the platform records new ones."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from fapiao.domain.errors import NotFound, ValidationFailed
from fapiao.items import service as items
from fapiao.items.commands import AmountFilter, CreateItem, ItemSort, ListInvoiceCandidates, ListItems
from fapiao.runtime import Runtime
from fapiao.usecases.actor import OPERATOR
from tests import factories


@pytest.fixture
def billed(runtime: Runtime) -> tuple[factories.Customer, dict[str, int]]:
    """One customer's items: a plain one, an invoiced one, a negative one (a refund)."""
    who = factories.customer(runtime)
    made = {
        "plain": CreateItem("ECS", "2026-09", 100_00, out_biz_id="a", status=1, type=1, biz_time=datetime(2026, 9, 5)),
        "invoiced": CreateItem("OSS", "2026-10", 50_00, invoiced_fen=20_00, out_biz_id="b", status=2, type=2),
        "negative": CreateItem("退款", "2026-10", -10_00, out_biz_id="c", status=1, type=2),
    }
    ids = {name: items.create_item(runtime, OPERATOR, who.user_id, new).id for name, new in made.items()}
    return who, ids


_CANDIDATE_FILTERS = {"bill_cycles", "out_biz_ids", "statuses", "types"}


def _names(runtime: Runtime, who: factories.Customer, ids: dict[str, int], **filters: object) -> set[str]:
    if _CANDIDATE_FILTERS & filters.keys():  # ListInvoiceCandidate's filters: the customer's own view
        page = items.list_invoice_candidates(runtime, who.actor(), ListInvoiceCandidates(**filters))  # type: ignore[arg-type]
    else:
        page = items.list_items(runtime, OPERATOR, ListItems(user_id=who.user_id, **filters))  # type: ignore[arg-type]
    by_id = {v: k for k, v in ids.items()}
    return {by_id[item.id] for item in page.items}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"amount": AmountFilter.NEGATIVE}, {"negative"}),
        ({"amount": AmountFilter.POSITIVE}, {"plain", "invoiced"}),
        ({"amount": AmountFilter.NON_ZERO}, {"plain", "invoiced", "negative"}),
        ({"amount": AmountFilter.INVOICED}, {"invoiced"}),
        ({"bill_cycle": "2026-09"}, {"plain"}),
        ({"bill_cycles": (202609, 202610)}, {"plain", "invoiced", "negative"}),
        ({"out_biz_ids": ("a", "c")}, {"plain", "negative"}),
        ({"out_biz_id": "b"}, {"invoiced"}),
        ({"statuses": (2,)}, {"invoiced"}),
        ({"types": (1,)}, {"plain"}),
        ({"biz_types": ("MARKETPLACE",)}, set()),
        ({"min_fen": 30_00, "max_fen": 100_00}, {"plain", "invoiced"}),
        ({"biz_time_from": datetime(2026, 9, 1), "biz_time_to": datetime(2026, 9, 30)}, {"plain"}),
        ({"created_from": datetime(2000, 1, 1), "created_to": datetime(2999, 1, 1)}, {"plain", "invoiced", "negative"}),
    ],
)
def test_each_filter_narrows_the_list(
    runtime: Runtime, billed: tuple[factories.Customer, dict[str, int]], filters: dict[str, object], expected: set[str]
) -> None:
    who, ids = billed
    assert _names(runtime, who, ids, **filters) == expected


def test_totals_cover_every_matching_item_and_sorting_follows_the_type(
    runtime: Runtime, billed: tuple[factories.Customer, dict[str, int]]
) -> None:
    who, ids = billed
    page = items.list_items(runtime, OPERATOR, ListItems(user_id=who.user_id, page=1, page_size=1))
    assert (page.total, page.total_invoiced_fen, page.total_can_invoice_fen, len(page.items)) == (3, 20_00, 120_00, 1)
    ascending = items.list_items(runtime, OPERATOR, ListItems(user_id=who.user_id, sort=ItemSort.TYPE_ASC_ID_DESC))
    assert ascending.items[0].id == ids["plain"]
    descending = items.list_items(runtime, OPERATOR, ListItems(user_id=who.user_id, sort=ItemSort.TYPE_DESC_ID_DESC))
    assert descending.items[-1].id == ids["plain"]


def test_a_bill_cycle_is_a_month(runtime: Runtime) -> None:
    with pytest.raises(ValidationFailed) as caught:
        items.list_items(runtime, OPERATOR, ListItems(bill_cycle="2026-13"))
    assert caught.value.field == "bill_cycle"


def test_customers_see_their_own_items_and_record_none(
    runtime: Runtime, billed: tuple[factories.Customer, dict[str, int]]
) -> None:
    who, ids = billed
    other = factories.customer(runtime)
    assert items.list_items(runtime, other.actor(), ListItems()).total == 0
    assert items.get_item(runtime, who.actor(), ids["plain"]).name == "ECS"
    with pytest.raises(NotFound):
        items.get_item(runtime, other.actor(), ids["plain"])
    with pytest.raises(NotFound) as missing:
        items.get_item(runtime, OPERATOR, 10**9)
    assert missing.value.field == "id"
    with pytest.raises(NotFound):
        items.create_item(runtime, who.actor(), who.user_id, CreateItem("x", "2026-10", 1))
    with pytest.raises(ValidationFailed) as blank:
        items.create_item(runtime, OPERATOR, who.user_id, CreateItem(" ", "2026-10", 1))
    assert blank.value.field == "name"


def test_a_time_with_an_offset_filters_by_the_moment_it_names(
    runtime: Runtime, billed: tuple[factories.Customer, dict[str, int]]
) -> None:
    """2026-09-05 06:00 in Beijing is 2026-09-04 22:00 UTC: before the plain item's 2026-09-05 00:00 UTC. Both
    stores compare the moment, not the digits (SQLite compares stored text and would ignore the offset)."""
    who, ids = billed
    beijing = timezone(timedelta(hours=8))
    assert "plain" in _names(runtime, who, ids, biz_time_from=datetime(2026, 9, 5, 6, tzinfo=beijing))
    assert "plain" not in _names(runtime, who, ids, biz_time_to=datetime(2026, 9, 5, 6, tzinfo=beijing))
    assert "plain" not in _names(runtime, who, ids, biz_time_from=datetime(2026, 9, 5, 9, tzinfo=beijing))


def test_a_business_time_with_an_offset_is_stored_as_utc(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    beijing = timezone(timedelta(hours=8))
    made = factories.item(runtime, who, biz_time=datetime(2026, 9, 5, 8, tzinfo=beijing))
    assert items.get_item(runtime, OPERATOR, made.id).biz_time == datetime(2026, 9, 5, 0, 0)
