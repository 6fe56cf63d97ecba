from __future__ import annotations

from datetime import datetime

import pytest

from fapiao.addresses import service as addresses
from fapiao.addresses.commands import ChangeAddress, ListAddresses
from fapiao.documents import service as documents
from fapiao.documents.commands import DocumentKind, UploadDocument
from fapiao.domain.errors import NotFound, ValidationFailed
from fapiao.items import service as items
from fapiao.items.commands import AmountFilter, ItemSort, ListInvoiceCandidates, ListItems
from fapiao.runtime import Runtime
from fapiao.usecases.actor import OPERATOR, Actor, ActorKind
from tests import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_item_filters_totals_and_sorting(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    a = factories.item(
        runtime, who, original_fen=100_00, bill_cycle="2026-09", type=1, biz_time=datetime(2026, 9, 3, 10, 0, 0)
    )
    b = factories.item(runtime, who, original_fen=250_00, biz_type="MARKETPLACE", out_biz_id="ORDER-2", type=3)
    c = factories.item(runtime, who, original_fen=50_00, offset_fen=50_00, type=2)
    page = items.list_items(runtime, OPERATOR, ListItems(user_id=who.user_id))
    assert [i.id for i in page.items] == [c.id, b.id, a.id]
    assert page.total_can_invoice_fen == 350_00 and page.total_invoiced_fen == 0
    positive = items.list_items(runtime, OPERATOR, ListItems(amount=AmountFilter.POSITIVE))
    assert {i.id for i in positive.items} == {a.id, b.id}
    by_type = items.list_items(runtime, OPERATOR, ListItems(sort=ItemSort.TYPE_ASC_ID_DESC))
    assert [i.id for i in by_type.items] == [a.id, c.id, b.id]
    assert items.list_items(runtime, OPERATOR, ListItems(biz_types=("MARKETPLACE",))).total == 1
    assert items.list_items(runtime, OPERATOR, ListItems(bill_cycle="2026-09")).total == 1
    assert items.list_items(runtime, OPERATOR, ListItems(min_fen=200_00)).total == 1
    assert items.list_items(runtime, OPERATOR, ListItems(biz_time_to=datetime(2026, 9, 30))).total == 1
    with pytest.raises(ValidationFailed):
        items.list_items(runtime, OPERATOR, ListItems(bill_cycle="2026/09"))
    several = ListInvoiceCandidates(bill_cycles=(202609, 202610), types=(1, 3), out_biz_ids=("ORDER-2", "nope"))
    assert [i.id for i in items.list_invoice_candidates(runtime, OPERATOR, several).items] == [b.id]
    assert items.list_invoice_candidates(runtime, OPERATOR, ListInvoiceCandidates(statuses=(9,))).total == 0
    with pytest.raises(ValidationFailed) as error:
        items.list_invoice_candidates(runtime, OPERATOR, ListInvoiceCandidates(bill_cycles=(202613,)))
    assert error.value.field == "bill_cycles"


def test_address_delivery_line_and_soft_delete(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    created = factories.address(runtime, who)
    assert created.delivery_address == "浙江省杭州市余杭区文一西路969号"
    updated = addresses.update_address(runtime, OPERATOR, ChangeAddress(created.id, street="文二路1号"))
    assert updated.delivery_address == "浙江省杭州市余杭区文二路1号"
    with pytest.raises(ValidationFailed):
        addresses.update_address(runtime, OPERATOR, ChangeAddress(created.id, postal_code="12"))
    addresses.delete_address(runtime, OPERATOR, created.id)
    with pytest.raises(NotFound):
        addresses.get_address(runtime, OPERATOR, created.id)
    assert addresses.list_addresses(runtime, OPERATOR, ListAddresses()).total == 0


def test_documents_are_type_and_size_checked(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    actor = Actor(ActorKind.ACCOUNT, str(who.user_id), who.account_id)
    stored = documents.upload(
        runtime, actor, UploadDocument(who.account_id, DocumentKind.TAXATION_LICENSE, "scan.png", PNG)
    )
    view, content = documents.read(runtime, actor, stored.id)
    assert content == PNG and view.content_type == "image/png" and view.size == len(PNG)
    for name, content in (("scan.jpg", PNG), ("notes.txt", b"hello"), ("empty.pdf", b"")):
        with pytest.raises(ValidationFailed):
            documents.upload(
                runtime, actor, UploadDocument(who.account_id, DocumentKind.TAXATION_LICENSE, name, content)
            )
    runtime.settings.max_document_bytes = 16
    with pytest.raises(ValidationFailed) as too_big:
        documents.upload(runtime, actor, UploadDocument(who.account_id, DocumentKind.TAXATION_LICENSE, "big.png", PNG))
    assert "larger" in too_big.value.message
