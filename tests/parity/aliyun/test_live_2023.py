"""BssOpenApi 2023-09-30 through a real server with the generated 2023 client, over the 2017 records."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alibabacloud_bssopenapi20171214 import models as m17
from alibabacloud_bssopenapi20230930 import models as m23
from alibabacloud_tea_openapi.exceptions import ClientException

from fapiao.applications import service as applications
from fapiao.domain.titles import InvoiceKind
from fapiao.titles import service as titles
from fapiao.usecases.actor import OPERATOR
from fapiao.usecases.pagination import PageRequest
from tests import factories

from . import clients
from .live import Keys, Live

pytestmark = pytest.mark.slow


def test_list_invoice_title_is_the_demo_title(live: Live) -> None:
    body = clients.bss2023(live.endpoint, live.root).list_invoice_title().body
    (title,) = body.data
    assert (title.id, title.account_id, title.invoice_title) == ("239875502738", 34565465675, "Test Company")
    assert (title.unified_social_credit_code, title.account_bank_name, title.bank_account_number) == (
        "21343245342534",
        "Test Bank",
        "389576348573296349853476",
    )
    assert (title.registered_address, title.registered_landline, title.create_time) == (
        "XXX, XXX district, XXX city, XXX province",
        "138xxxxxxxx",
        "2018-09-07 15:26:20",
    )
    assert body.metadata == {} and body.request_id


def test_list_invoice_title_shows_only_approved_titles(live: Live) -> None:
    who = live.customer()
    approved = factories.approved_title(live.runtime, who)
    titles.create_title(live.runtime, OPERATOR, who.user_id, factories.title_data(invoice_title="审核中公司"))
    keys = Keys(who.key_id, who.secret)
    body = clients.bss2023(live.endpoint, keys, v1=True).list_invoice_title().body
    assert [t.id for t in body.data] == [str(approved.id)]
    old = clients.bss2017(live.endpoint, keys).query_invoicing_customer_list(m17.QueryInvoicingCustomerListRequest())
    assert sorted(t.status for t in old.body.data.customer_invoice_list.customer_invoice) == [1, 2]


@pytest.fixture(scope="module")
def candidates(live: Live) -> tuple[Keys, dict[str, int]]:
    who = live.customer()
    rt = live.runtime
    ids = {
        "oct": factories.item(rt, who, bill_cycle="2026-10", original_fen=250_00, out_biz_id="B1").id,
        "sep": factories.item(rt, who, bill_cycle="2026-09", original_fen=12_50, out_biz_id="B2", type=1).id,
        "aug": factories.item(rt, who, bill_cycle="2026-08", original_fen=1_00, biz_type="MARKETPLACE").id,
    }
    return Keys(who.key_id, who.secret), ids


def _candidates(live: Live, keys: Keys, **kwargs: Any) -> Any:
    request = m23.ListInvoiceCandidateRequest(**kwargs)
    return clients.bss2023(live.endpoint, keys).list_invoice_candidate(request).body


def test_list_invoice_candidate_fields(live: Live, candidates: tuple[Keys, dict[str, int]]) -> None:
    keys, ids = candidates
    body = _candidates(live, keys)
    assert (body.current_page, body.page_size, body.total_count) == (1, 20, 3)
    sep = next(c for c in body.data if c.id == str(ids["sep"]))
    assert (sep.billing_cycle, sep.business_id, sep.invoice_issuer, sep.type) == (202609, "B2", "ALIYUN", 1)
    assert (sep.total_amount, sep.invoiceable_amount, sep.invoiced_amount, sep.offset_amount) == (
        "12.50",
        "12.50",
        "0.00",
        "0.00",
    )
    assert sep.account_id == sep.resource_owner_account_id and sep.account_name.startswith("aliyun-live-")


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"billing_cycles": [202610, 202609]}, ["oct", "sep"]),
        ({"billing_cycles": [202608]}, ["aug"]),
        ({"business_ids": ["B1", "B2"]}, ["oct", "sep"]),
        ({"invoice_issuers": ["MARKETPLACE"]}, ["aug"]),
        ({"types": [1]}, ["sep"]),
        ({"status": [1], "billing_cycles": [202610]}, ["oct"]),
    ],
)
def test_list_invoice_candidate_filters(
    live: Live, candidates: tuple[Keys, dict[str, int]], kwargs: dict[str, Any], expected: list[str]
) -> None:
    keys, ids = candidates
    body = _candidates(live, keys, **kwargs)
    assert sorted(c.id for c in body.data) == sorted(str(ids[n]) for n in expected)
    assert body.total_count == len(expected)


def test_list_invoice_candidate_paging(live: Live, candidates: tuple[Keys, dict[str, int]]) -> None:
    keys, ids = candidates
    newest_first = [str(i) for i in sorted(ids.values(), reverse=True)]
    assert [c.id for c in _candidates(live, keys, current_page=2, page_size=2).data] == newest_first[2:]
    several = _candidates(live, keys, billing_cycles=[202610, 202609, 202608], current_page=2, page_size=2)
    assert ([c.id for c in several.data], several.total_count) == (newest_first[2:], 3)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"BillingCycles": "[2026]"}, "BillingCycles"),
        ({"BillingCycles": "202610"}, "BillingCycles"),
        ({"Types": '["x"]'}, "Types"),
        ({"EcIdAccountIds": '[{"EcId":"e","AccountIds":[1]}]'}, "EcIdAccountIds"),
        ({"PageSize": "301"}, "PageSize"),
    ],
)
def test_list_invoice_candidate_rejects_bad_parameters(
    live: Live, candidates: tuple[Keys, dict[str, int]], query: dict[str, str], parameter: str
) -> None:
    with pytest.raises(ClientException) as caught:
        clients.call_api(live.endpoint, candidates[0], "ListInvoiceCandidate", version="2023-09-30", query=query)
    exc: Any = caught.value
    assert (exc.code, exc.status_code) == ("InvalidParameter", 400)
    assert f'"{parameter}"' in exc.data["Message"]


def test_create_invoice_files_an_application_over_the_same_items(live: Live) -> None:
    who = live.customer()
    rt = live.runtime
    title = factories.approved_title(rt, who)
    items = [factories.item(rt, who, original_fen=100_00).id, factories.item(rt, who, original_fen=50_00).id]
    keys = Keys(who.key_id, who.secret)
    request = m23.CreateInvoiceRequest(
        invoice_title_id=str(title.id),
        invoice_candidate_ids=[str(i) for i in items],
        invoice_mode=0,
        invoice_type=1,
        amount="120.50",
        invoice_remark="备注",
        recipient_emails=["a@b.com", "c@d.com"],
        ec_id_account_ids=[m23.CreateInvoiceRequestEcIdAccountIds(ec_id="ec1", account_ids=[who.user_id])],
    )
    (result,) = asyncio.run(clients.bss2023(live.endpoint, keys).create_invoice_async(request)).body.data
    assert (result.account_id, result.amount, result.invoice_issuer, result.error_code) == (
        who.user_id,
        "120.50",
        "ALIYUN",
        "",
    )
    (filed,) = applications.list_applications(rt, OPERATOR, PageRequest(), user_id=who.user_id).items
    assert (filed.amount_fen, filed.invoice_kind, filed.emails, filed.user_remark) == (
        120_50,
        InvoiceKind.PLAIN,
        "a@b.com,c@d.com",
        "备注",
    )
    left = {c.id: c.invoiceable_amount for c in _candidates(live, keys).data}
    assert left == {str(items[0]): "0.00", str(items[1]): "29.50"}

    request.amount = "29.51"
    (failed,) = clients.bss2023(live.endpoint, keys, v1=True).create_invoice(request).body.data
    assert (failed.error_code, failed.amount) == ("InvalidParameter", "")
    assert "exceeds" in failed.message
    assert {c.id: c.invoiceable_amount for c in _candidates(live, keys).data} == left


@pytest.mark.parametrize(
    ("change", "code", "parameter"),
    [
        ({"InvoiceTitleId": None}, "MissingParameter", "InvoiceTitleId"),
        ({"InvoiceTitleId": "abc"}, "InvalidParameter", "InvoiceTitleId"),
        ({"InvoiceCandidateIds": "not json"}, "InvalidParameter", "InvoiceCandidateIds"),
        ({"RecipientEmails": '["a@b.com","b@c.com","c@d.com","d@e.com"]'}, "InvalidParameter", "RecipientEmails"),
        ({"InvoiceType": "9"}, "InvalidParameter", "InvoiceType"),
        ({"InvoiceMode": None}, "MissingParameter", "InvoiceMode"),
        ({"Amount": "12.345"}, "InvalidParameter", "Amount"),
    ],
)
def test_create_invoice_rejects_bad_parameters(
    live: Live, change: dict[str, str | None], code: str, parameter: str
) -> None:
    query = {
        "InvoiceTitleId": str(live.demo["title_id"]),
        "InvoiceCandidateIds": '["1"]',
        "InvoiceMode": "0",
        "InvoiceType": "1",
        "RecipientEmails": '["a@b.com"]',
    }
    for key, value in change.items():
        if value is None:
            del query[key]
        else:
            query[key] = value
    with pytest.raises(ClientException) as caught:
        clients.call_api(live.endpoint, live.root, "CreateInvoice", version="2023-09-30", query=query)
    exc: Any = caught.value
    assert (exc.code, exc.status_code) == (code, 400)
    assert f'"{parameter}"' in exc.data["Message"]
