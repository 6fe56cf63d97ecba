"""BssOpenApi 2017-12-14 through a real server, called with every real client, on both databases."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from alibabacloud_bssopenapi20171214 import models as m17
from alibabacloud_tea_openapi.exceptions import ClientException
from aliyunsdkcore.acs_exception.exceptions import ServerException as CoreServerException

from fapiao.applications import service as applications
from fapiao.domain.applications import ApplicationStatus, Medium
from fapiao.domain.titles import InvoiceKind
from fapiao.usecases.actor import OPERATOR
from tests import factories

from . import clients
from .live import SEED, Keys, Live

pytestmark = pytest.mark.slow

SEED_ITEM = SEED["Data"]["CustomerInvoiceList"]["CustomerInvoice"][0]


def _expected_seed_document() -> dict[str, Any]:
    """The documented example without its RequestId; the doc's trailing newlines are typography."""
    item = {k: v.rstrip("\n") if isinstance(v, str) else v for k, v in SEED_ITEM.items()}
    document = {k: v for k, v in SEED.items() if k != "RequestId"}
    document["Data"] = {"CustomerInvoiceList": {"CustomerInvoice": [item]}}
    return document


TITLE_CALLS: dict[str, Callable[[Live], Any]] = {
    "v3-sync": lambda lv: (
        clients.bss2017(lv.endpoint, lv.root)
        .query_invoicing_customer_list(m17.QueryInvoicingCustomerListRequest())
        .body.to_map()
    ),
    "v1-sync": lambda lv: (
        clients.bss2017(lv.endpoint, lv.root, v1=True)
        .query_invoicing_customer_list(m17.QueryInvoicingCustomerListRequest())
        .body.to_map()
    ),
    "v3-async": lambda lv: asyncio.run(
        clients.bss2017(lv.endpoint, lv.root).query_invoicing_customer_list_async(
            m17.QueryInvoicingCustomerListRequest(owner_id=1)
        )
    ).body.to_map(),
    "v1-async": lambda lv: asyncio.run(
        clients.bss2017(lv.endpoint, lv.root, v1=True).query_invoicing_customer_list_async(
            m17.QueryInvoicingCustomerListRequest()
        )
    ).body.to_map(),
    "call-api-get": lambda lv: clients.call_api(lv.endpoint, lv.root, "QueryInvoicingCustomerList", method="GET")[
        "body"
    ],
    "call-api-v1-body": lambda lv: clients.call_api(
        lv.endpoint, lv.root, "QueryInvoicingCustomerList", v1=True, body={"OwnerId": "7"}
    )["body"],
    "core-get": lambda lv: json.loads(clients.core(lv.endpoint, lv.root, "QueryInvoicingCustomerList")),
    "core-post": lambda lv: json.loads(
        clients.core(lv.endpoint, lv.root, "QueryInvoicingCustomerList", method="POST", body={"OwnerId": "1"})
    ),
}


@pytest.mark.parametrize("call", list(TITLE_CALLS))
def test_demo_title_is_the_documented_example_field_for_field(live: Live, call: str) -> None:
    document = TITLE_CALLS[call](live)
    request_id = document.pop("RequestId")
    assert len(request_id) == 36 and request_id.upper() == request_id
    assert document == _expected_seed_document()
    assert len(document["Data"]["CustomerInvoiceList"]["CustomerInvoice"][0]) == 21


def test_title_list_parses_into_the_model(live: Live) -> None:
    body = (
        clients.bss2017(live.endpoint, live.root)
        .query_invoicing_customer_list(m17.QueryInvoicingCustomerListRequest())
        .body
    )
    (title,) = body.data.customer_invoice_list.customer_invoice
    assert (body.code, body.success, title.id, title.gmt_create) == (
        "Success",
        True,
        239875502738,
        "2018-09-07 15:26:20",
    )
    assert (title.type, title.status, title.adjust_type, title.taxpayer_type) == (1, 2, 1, 1)


def test_xml_rendering_of_the_same_document(live: Live) -> None:
    raw = clients.core(live.endpoint, live.root, "QueryInvoicingCustomerList", xml=True)
    root = ET.fromstring(raw)  # noqa: S314 - our own server's answer
    assert root.tag == "QueryInvoicingCustomerListResponse"
    assert root.findtext("Code") == "Success" and root.findtext("Success") == "true"
    title = root.find("Data/CustomerInvoiceList/CustomerInvoice")
    assert title is not None
    assert (title.findtext("Id"), title.findtext("InvoiceTitle"), title.findtext("GmtCreate")) == (
        "239875502738",
        "Test Company",
        "2018-09-07 15:26:20",
    )


def test_address_list(live: Live) -> None:
    body = (
        clients.bss2017(live.endpoint, live.root, v1=True)
        .query_customer_address_list(m17.QueryCustomerAddressListRequest())
        .body
    )
    (address,) = body.data.customer_invoice_address_list.customer_invoice_address
    assert address.id == live.demo["address_id"] and address.user_id == 34565465675
    assert (address.addressee, address.province, address.county, address.postal_code) == (
        "张三",
        "浙江省",
        "余杭区",
        "311121",
    )
    assert address.delivery_address == "浙江省杭州市余杭区文一西路969号"


def test_each_account_sees_only_its_own_records(live: Live) -> None:
    other = live.customer()
    title = factories.approved_title(live.runtime, other, invoice_title="另一家公司")
    keys = Keys(other.key_id, other.secret)
    mine = clients.bss2017(live.endpoint, keys).query_invoicing_customer_list(m17.QueryInvoicingCustomerListRequest())
    assert [t.id for t in mine.body.data.customer_invoice_list.customer_invoice] == [title.id]
    assert mine.body.data.customer_invoice_list.customer_invoice[0].type == 0  # plain
    addresses = clients.bss2017(live.endpoint, keys).query_customer_address_list(m17.QueryCustomerAddressListRequest())
    assert addresses.body.data.customer_invoice_address_list.customer_invoice_address == []
    demo_titles = TITLE_CALLS["v3-sync"](live)["Data"]["CustomerInvoiceList"]["CustomerInvoice"]
    assert [t["Id"] for t in demo_titles] == [239875502738]


# --- QueryEvaluateList ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def billed(live: Live) -> tuple[Keys, dict[str, int]]:
    """A customer with five items of known amounts, cycles, types and entities."""
    who = live.customer()
    rt = live.runtime
    ids = {
        "ecs": factories.item(rt, who, name="ECS", bill_cycle="2026-10", original_fen=250_00, type=2).id,
        "oss": factories.item(rt, who, name="OSS", bill_cycle="2026-10", original_fen=45_00, type=1).id,
        "refund": factories.item(rt, who, name="退订", bill_cycle="2026-09", original_fen=-30_00, type=3).id,
        "market": factories.item(
            rt, who, name="云市场", bill_cycle="2026-09", original_fen=88_00, biz_type="MARKETPLACE", out_biz_id="X1"
        ).id,
        "done": factories.item(rt, who, name="已开", bill_cycle="2026-08", original_fen=10_00, invoiced_fen=10_00).id,
    }
    return Keys(who.key_id, who.secret), ids


def _evaluate(live: Live, keys: Keys, **kwargs: Any) -> Any:
    request = m17.QueryEvaluateListRequest(**kwargs)
    return clients.bss2017(live.endpoint, keys).query_evaluate_list(request).body.data


def test_evaluate_list_fields_and_totals_in_cents(live: Live, billed: tuple[Keys, dict[str, int]]) -> None:
    keys, ids = billed
    data = _evaluate(live, keys)
    assert (data.total_count, data.page_num, data.page_size) == (5, 1, 20)
    assert [e.id for e in data.evaluate_list.evaluate] == sorted(ids.values(), reverse=True)  # SortType 1
    assert data.total_invoice_amount == 10_00
    assert data.total_un_applied_invoice_amount == 250_00 + 45_00 - 30_00 + 88_00
    market = next(e for e in data.evaluate_list.evaluate if e.id == ids["market"])
    assert (market.biz_type, market.bill_cycle, market.out_biz_id, market.original_amount) == (
        "MARKETPLACE",
        "2026-09",
        "X1",
        88_00,
    )
    assert (market.can_invoice_amount, market.invoiced_amount, market.offset_cost_amount) == (88_00, 0, 0)
    assert len(market.gmt_create) == 19 and market.gmt_create[10] == " "


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"type": 1}, ["refund"]),
        ({"type": 2}, ["ecs", "oss", "market"]),
        ({"type": 3}, ["ecs", "oss", "refund", "market"]),
        ({"type": 4}, ["done"]),
        ({"bill_cycle": "2026-09"}, ["refund", "market"]),
        ({"biz_type_list": ["MARKETPLACE"]}, ["market"]),
        ({"out_biz_id": "X1"}, ["market"]),
        ({"start_amount": 50_00, "end_amount": 100_00}, ["market"]),
        ({"start_biz_time": "2000-01-01 00:00:00", "end_biz_time": "2001-01-01 00:00:00"}, []),
    ],
)
def test_evaluate_list_filters(
    live: Live, billed: tuple[Keys, dict[str, int]], kwargs: dict[str, Any], expected: list[str]
) -> None:
    keys, ids = billed
    data = _evaluate(live, keys, **kwargs)
    assert sorted(e.id for e in data.evaluate_list.evaluate) == sorted(ids[name] for name in expected)
    assert data.total_count == len(expected)


def test_evaluate_list_sorting_and_paging(live: Live, billed: tuple[Keys, dict[str, int]]) -> None:
    keys, ids = billed
    by_type_desc = [e.type for e in _evaluate(live, keys, sort_type=2).evaluate_list.evaluate]
    assert by_type_desc == sorted(by_type_desc, reverse=True) and by_type_desc[0] == 3
    by_type_asc = [e.type for e in _evaluate(live, keys, sort_type=3).evaluate_list.evaluate]
    assert by_type_asc == sorted(by_type_asc) and by_type_asc[0] == 1
    page = _evaluate(live, keys, page_num=2, page_size=2)
    assert (page.page_num, page.page_size, page.total_count) == (2, 2, 5)
    assert [e.id for e in page.evaluate_list.evaluate] == sorted(ids.values(), reverse=True)[2:4]


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"page_size": 301}, "PageSize"),
        ({"page_num": 0}, "PageNum"),
        ({"type": 5}, "Type"),
        ({"sort_type": 4}, "SortType"),
        ({"bill_cycle": "2026-13"}, "BillCycle"),
        ({"start_biz_time": "2026-01-01T00:00:00Z"}, "StartBizTime"),
    ],
)
def test_evaluate_list_rejects_bad_parameters(
    live: Live, billed: tuple[Keys, dict[str, int]], kwargs: dict[str, Any], parameter: str
) -> None:
    with pytest.raises(ClientException) as caught:
        _evaluate(live, billed[0], **kwargs)
    exc: Any = caught.value
    assert (exc.code, exc.status_code) == ("InvalidParameter", 400)
    assert f'"{parameter}"' in exc.data["Message"]


# --- ApplyInvoice --------------------------------------------------------------------------------------------


@pytest.fixture
def filer(live: Live) -> dict[str, Any]:
    """A fresh customer with an approved plain title, an address and two items (250.00 and 45.00)."""
    who = live.customer()
    rt = live.runtime
    return {
        "who": who,
        "keys": Keys(who.key_id, who.secret),
        "title": factories.approved_title(rt, who).id,
        "address": factories.address(rt, who).id,
        "items": [factories.item(rt, who, original_fen=250_00).id, factories.item(rt, who, original_fen=45_00).id],
    }


def _apply(live: Live, filer: dict[str, Any], *, v1: bool = False, **overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "customer_id": filer["title"],
        "address_id": filer["address"],
        "apply_user_nick": "财务",
        "invoice_amount": 100_00,
        "invoice_by_amount": True,
        "invoicing_type": 1,
        "process_way": 1,
        "selected_ids": filer["items"],
        "user_remark": "备注 a/b:c&d=e",
        "emails": "a@b.com,c@d.com",
    }
    request = m17.ApplyInvoiceRequest(**{**fields, **overrides})
    return clients.bss2017(live.endpoint, filer["keys"], v1=v1).apply_invoice(request).body


def _can_invoice(live: Live, keys: Keys) -> dict[int, int]:
    data = _evaluate(live, keys)
    return {e.id: e.can_invoice_amount for e in data.evaluate_list.evaluate}


def test_apply_invoice_reserves_and_records_the_application(live: Live, filer: dict[str, Any]) -> None:
    body = _apply(live, filer)
    assert (body.code, body.success) == ("Success", True)
    apply_id = body.data.invoice_apply_id
    assert isinstance(apply_id, int)
    view = applications.get_for_customer(live.runtime, OPERATOR, str(apply_id))
    assert (view.user_id, view.amount_fen, view.status) == (filer["who"].user_id, 100_00, ApplicationStatus.PENDING)
    assert (view.invoice_kind, view.medium) == (InvoiceKind.PLAIN, Medium.PAPER)  # InvoicingType 1 = plain
    assert (view.user_remark, view.emails, view.receiver_name) == ("备注 a/b:c&d=e", "a@b.com,c@d.com", "张三")
    assert _can_invoice(live, filer["keys"]) == {filer["items"][0]: 150_00, filer["items"][1]: 45_00}

    with pytest.raises(ClientException) as caught:
        _apply(live, filer, v1=True, invoice_amount=195_01)
    exc: Any = caught.value
    assert (exc.code, exc.status_code) == ("InvalidParameter", 400)
    assert '"InvoiceAmount"' in exc.data["Message"]
    assert _can_invoice(live, filer["keys"]) == {filer["items"][0]: 150_00, filer["items"][1]: 45_00}

    everything = _apply(live, filer, v1=True, invoice_by_amount=False, invoice_amount=1)
    rest = applications.get_for_customer(live.runtime, OPERATOR, str(everything.data.invoice_apply_id))
    assert rest.amount_fen == 195_00
    assert _can_invoice(live, filer["keys"]) == {filer["items"][0]: 0, filer["items"][1]: 0}


@pytest.mark.parametrize(
    ("overrides", "code", "parameter"),
    [
        ({"customer_id": None}, "MissingParameter", "CustomerId"),
        ({"selected_ids": None}, "MissingParameter", "SelectedIds"),
        ({"customer_id": 999_999_999}, "InvalidParameter", "CustomerId"),
        ({"address_id": 999_999_999}, "InvalidParameter", "AddressId"),
        ({"selected_ids": [999_999_999]}, "InvalidParameter", "SelectedIds"),
        ({"invoicing_type": 0}, "InvalidParameter", "InvoicingType"),  # special on a plain title
        ({"invoicing_type": 7}, "InvalidParameter", "InvoicingType"),
        ({"emails": "a@b.com," * 30}, "InvalidParameter", "emails"),
        ({"emails": "not-an-email"}, "InvalidParameter", "emails"),
    ],
)
def test_apply_invoice_rejects_bad_input_and_changes_nothing(
    live: Live, filer: dict[str, Any], overrides: dict[str, Any], code: str, parameter: str
) -> None:
    with pytest.raises(ClientException) as caught:
        _apply(live, filer, **overrides)
    exc: Any = caught.value
    assert (exc.code, exc.status_code) == (code, 400)
    assert f'"{parameter}"' in exc.data["Message"]
    assert _can_invoice(live, filer["keys"]) == {filer["items"][0]: 250_00, filer["items"][1]: 45_00}


def test_apply_invoice_on_another_accounts_title_is_refused(live: Live, filer: dict[str, Any]) -> None:
    with pytest.raises(ClientException) as caught:
        _apply(live, filer, customer_id=live.demo["title_id"])
    assert caught.value.code == "InvalidParameter" and '"CustomerId"' in caught.value.data["Message"]


def test_client_token_makes_apply_invoice_idempotent(live: Live, filer: dict[str, Any]) -> None:
    query = {
        "CustomerId": filer["title"],
        "ApplyUserNick": "nick",
        "InvoiceAmount": 10_00,
        "InvoiceByAmount": "TRUE",
        "SelectedIds": filer["items"],
        "ClientToken": "123e4567-e89b-12d3-a456-426655440000",
    }
    first = clients.call_api(live.endpoint, filer["keys"], "ApplyInvoice", query=query)["body"]
    again = clients.call_api(live.endpoint, filer["keys"], "ApplyInvoice", query=query, v1=True)["body"]
    assert first["Data"]["InvoiceApplyId"] == again["Data"]["InvoiceApplyId"]
    assert _can_invoice(live, filer["keys"])[filer["items"][0]] == 240_00  # reserved once
    with pytest.raises(ClientException) as caught:
        clients.call_api(live.endpoint, filer["keys"], "ApplyInvoice", query={**query, "InvoiceAmount": 20_00})
    exc: Any = caught.value
    assert (exc.code, exc.status_code) == ("IdempotentParameterMismatch", 400)


def test_core_post_with_form_body_and_lower_case_boolean(live: Live, filer: dict[str, Any]) -> None:
    body = {"SelectedIds.1": str(filer["items"][1]), "InvoiceByAmount": "false", "ApplyUserNick": "core"}
    raw = clients.core(
        live.endpoint,
        filer["keys"],
        "ApplyInvoice",
        method="POST",
        query={"CustomerId": str(filer["title"]), "InvoiceAmount": "1"},
        body=body,
    )
    apply_id = json.loads(raw)["Data"]["InvoiceApplyId"]
    view = applications.get_for_customer(live.runtime, OPERATOR, str(apply_id))
    assert (view.amount_fen, view.medium) == (45_00, Medium.ELECTRONIC)  # everything; no address → electronic
    with pytest.raises(CoreServerException) as caught:
        clients.core(live.endpoint, filer["keys"], "ApplyInvoice", query={"CustomerId": "x"})
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == ("InvalidParameter", 400)
