"""Every real client's request, captured on the wire, verifies with the right secret and fails with a wrong one."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from fapiao.protocols.aliyun import signing
from fapiao.protocols.aliyun.envelope import Format
from fapiao.protocols.aliyun.params import bool_param, flat_list, json_int_list, json_list, json_str_list
from fapiao.protocols.aliyun.request import RpcRequest
from fapiao.protocols.aliyun.signing import Scheme

from . import sdk
from .conftest import CaptureServer

V17, V23 = "2017-12-14", "2023-09-30"


@dataclass(frozen=True)
class Case:
    call: Callable[[str], Any]
    scheme: Scheme
    method: str
    route: tuple[str, str]
    params: dict[str, str]


APPLY_PARAMS = {
    "CustomerId": "22",
    "ApplyUserNick": sdk.NICK,
    "UserRemark": sdk.REMARK,
    "InvoiceByAmount": "True",
    "SelectedIds.1": "101",
    "SelectedIds.2": "102",
    "emails": "a@b.com,c@d.com",
}
CREATE_PARAMS = {
    "Amount": "12.50",
    "InvoiceCandidateIds": '["c1","c2"]',
    "RecipientEmails": '["a@b.com"]',
    "EcIdAccountIds": '[{"AccountIds":[1,2],"EcId":"ec1"}]',
    "InvoiceRemark": "备注",
}
CORE_QUERY = {"CustomerId": "22", "UserRemark": "a b*~/备注", "SelectedIds.1": "101"}

CASES: dict[str, Case] = {
    "tea-v3-sync-apply": Case(
        lambda ep: sdk.bss2017(ep).apply_invoice(sdk.apply_invoice_request()),
        Scheme.V3,
        "POST",
        (V17, "ApplyInvoice"),
        APPLY_PARAMS,
    ),
    "tea-v3-sync-no-params": Case(
        lambda ep: sdk.bss2017(ep).query_invoicing_customer_list(sdk.query_invoicing_customer_list_request()),
        Scheme.V3,
        "POST",
        (V17, "QueryInvoicingCustomerList"),
        {},
    ),
    "tea-v3-sync-flat-str-list": Case(
        lambda ep: sdk.bss2017(ep).query_evaluate_list(sdk.query_evaluate_list_request()),
        Scheme.V3,
        "POST",
        (V17, "QueryEvaluateList"),
        {"BizTypeList.1": "ALIYUN", "BizTypeList.2": "MARKETPLACE", "PageSize": "20"},
    ),
    "tea-v1-sync-apply": Case(
        lambda ep: sdk.bss2017(ep, v1=True).apply_invoice(sdk.apply_invoice_request()),
        Scheme.V1,
        "POST",
        (V17, "ApplyInvoice"),
        APPLY_PARAMS | {"Format": "json"},
    ),
    "tea-v3-async-apply": Case(
        lambda ep: asyncio.run(sdk.bss2017(ep).apply_invoice_async(sdk.apply_invoice_request())),
        Scheme.V3,
        "POST",
        (V17, "ApplyInvoice"),
        APPLY_PARAMS,
    ),
    "tea-v1-async-apply": Case(
        lambda ep: asyncio.run(sdk.bss2017(ep, v1=True).apply_invoice_async(sdk.apply_invoice_request())),
        Scheme.V1,
        "POST",
        (V17, "ApplyInvoice"),
        APPLY_PARAMS,
    ),
    "tea-v3-sts": Case(
        lambda ep: sdk.bss2017(ep, sts="testSTSToken+/=").apply_invoice(sdk.apply_invoice_request()),
        Scheme.V3,
        "POST",
        (V17, "ApplyInvoice"),
        APPLY_PARAMS,
    ),
    "tea-v1-sts": Case(
        lambda ep: sdk.bss2017(ep, v1=True, sts="testSTSToken+/=").apply_invoice(sdk.apply_invoice_request()),
        Scheme.V1,
        "POST",
        (V17, "ApplyInvoice"),
        APPLY_PARAMS | {"SecurityToken": "testSTSToken+/="},
    ),
    "tea-2023-v3-create": Case(
        lambda ep: sdk.bss2023(ep).create_invoice(sdk.create_invoice_request()),
        Scheme.V3,
        "POST",
        (V23, "CreateInvoice"),
        CREATE_PARAMS,
    ),
    "tea-2023-v1-candidates": Case(
        lambda ep: sdk.bss2023(ep, v1=True).list_invoice_candidate(sdk.list_invoice_candidate_request()),
        Scheme.V1,
        "POST",
        (V23, "ListInvoiceCandidate"),
        {"BillingCycles": "[202401,202402]", "Types": "[1]", "Status": "[1]"},
    ),
    "tea-2023-v3-async-titles": Case(
        lambda ep: asyncio.run(sdk.bss2023(ep).list_invoice_title_async()),
        Scheme.V3,
        "POST",
        (V23, "ListInvoiceTitle"),
        {},
    ),
    "generic-v3-post-form-body": Case(
        lambda ep: sdk.generic_call(
            ep, query={"CustomerId": 22}, body={"SelectedIds": [101, 102], "UserRemark": "a b"}
        ),
        Scheme.V3,
        "POST",
        (V17, "ApplyInvoice"),
        {"CustomerId": "22", "SelectedIds.1": "101", "SelectedIds.2": "102", "UserRemark": "a b"},
    ),
    "generic-v1-post-form-body": Case(
        lambda ep: sdk.generic_call(ep, v1=True, query={"CustomerId": 22}, body={"UserRemark": "a b*~/备注"}),
        Scheme.V1,
        "POST",
        (V17, "ApplyInvoice"),
        {"CustomerId": "22", "UserRemark": "a b*~/备注"},
    ),
    "generic-v3-get": Case(
        lambda ep: sdk.generic_call(ep, method="GET", query={"CustomerId": 22, "Remark": "x y"}),
        Scheme.V3,
        "GET",
        (V17, "ApplyInvoice"),
        {"CustomerId": "22", "Remark": "x y"},
    ),
    "generic-v1-get": Case(
        lambda ep: sdk.generic_call(ep, v1=True, method="GET", query={"CustomerId": 22}),
        Scheme.V1,
        "GET",
        (V17, "ApplyInvoice"),
        {"CustomerId": "22"},
    ),
    "generic-v1-body-replaces-query": Case(
        lambda ep: sdk.generic_call(ep, v1=True, query={"CustomerId": 22}, body={"CustomerId": 33}),
        Scheme.V1,
        "POST",
        (V17, "ApplyInvoice"),
        {"CustomerId": "33"},
    ),
    "generic-v3-action-not-in-client": Case(
        lambda ep: sdk.generic_call(ep, action="QueryCustomerInvoiceInfo"),
        Scheme.V3,
        "POST",
        (V17, "QueryCustomerInvoiceInfo"),
        {},
    ),
    "core-get-default": Case(
        lambda ep: sdk.core_request(ep, "ApplyInvoice", query=CORE_QUERY),
        Scheme.V1,
        "GET",
        (V17, "ApplyInvoice"),
        CORE_QUERY | {"Format": "JSON", "RegionId": "cn-hangzhou"},
    ),
    "core-post": Case(
        lambda ep: sdk.core_request(ep, "ApplyInvoice", method="POST", query=CORE_QUERY),
        Scheme.V1,
        "POST",
        (V17, "ApplyInvoice"),
        CORE_QUERY | {"SignatureType": ""},
    ),
    "core-post-form-body": Case(
        lambda ep: sdk.core_request(
            ep, "ApplyInvoice", method="POST", query={"CustomerId": "22"}, body={"UserRemark": "a b*~/备注"}
        ),
        Scheme.V1,
        "POST",
        (V17, "ApplyInvoice"),
        {"CustomerId": "22", "UserRemark": "a b*~/备注"},
    ),
    "core-body-replaces-query": Case(
        lambda ep: sdk.core_request(ep, "ApplyInvoice", method="POST", query={"A": "q"}, body={"A": "b"}),
        Scheme.V1,
        "POST",
        (V17, "ApplyInvoice"),
        {"A": "b"},
    ),
    "core-xml-do-action": Case(
        lambda ep: sdk.core_request(ep, "ApplyInvoice", method="POST", accept_format="XML"),
        Scheme.V1,
        "POST",
        (V17, "ApplyInvoice"),
        {"Format": "XML"},
    ),
}


def _captured(capture: CaptureServer, case: Case) -> RpcRequest:
    case.call(capture.endpoint)  # the gateway responder answers 200, so no SDK raises
    assert len(capture.requests) == 1, "no SDK path retries"
    return capture.last.parse()


@pytest.mark.parametrize("name", list(CASES))
def test_real_client_request_verifies(capture: CaptureServer, name: str) -> None:
    case = CASES[name]
    req = _captured(capture, case)
    assert req.scheme is case.scheme
    assert req.method == case.method
    assert req.path == "/"
    assert req.route() == case.route
    assert {k: req.params.get(k) for k in case.params} == case.params
    creds = signing.credentials(req)
    assert creds.access_key_id == sdk.AK
    assert re.fullmatch(r"[0-9a-f]{32}", creds.nonce)
    signing.check_clock_skew(signing.parse_timestamp(creds.timestamp), datetime.now(UTC))

    good = signing.verify(req, sdk.SECRET)
    assert good.ok, good.string_to_sign
    bad = signing.verify(req, "wrongSecret")
    assert (bad.ok, bad.reason) == (False, "signature")
    assert bad.string_to_sign == good.string_to_sign


def test_v3_tampered_query_fails(capture: CaptureServer) -> None:
    req = _captured(capture, CASES["tea-v3-sync-apply"])
    forged = dict(req.query) | {"CustomerId": "23"}
    assert not signing.verify_v3(req.method, req.path, forged, req.headers, req.body, sdk.SECRET).ok


def test_v3_tampered_body_fails(capture: CaptureServer) -> None:
    req = _captured(capture, CASES["generic-v3-post-form-body"])
    verdict = signing.verify_v3(req.method, req.path, req.query, req.headers, req.body + b"&x=1", sdk.SECRET)
    assert (verdict.ok, verdict.reason) == (False, "content-sha256")


def test_v1_tampered_body_fails(capture: CaptureServer) -> None:
    req = _captured(capture, CASES["core-post-form-body"])
    assert not signing.verify_v1(req.method, dict(req.params) | {"UserRemark": "other"}, sdk.SECRET).ok


def test_sts_token_is_extracted(capture: CaptureServer) -> None:
    v3 = _captured(capture, CASES["tea-v3-sts"])
    assert signing.credentials(v3).security_token == "testSTSToken+/="
    assert v3.headers.get("x-acs-credentials-provider") == "static_sts"


def test_async_tea_sends_an_empty_octet_stream_body(capture: CaptureServer) -> None:
    req = _captured(capture, CASES["tea-v3-async-apply"])
    assert (req.content_type, req.body) == ("application/octet-stream", b"")
    assert b"a/b:c" in capture.last.query  # aiohttp leaves / and : literal


def test_xml_format_from_core_do_action(capture: CaptureServer) -> None:
    body = sdk.core_request(capture.endpoint, "ApplyInvoice", method="POST", accept_format="XML")
    assert capture.last.parse().format is Format.XML
    assert body.startswith(b"<?xml version='1.0' encoding='UTF-8'?><ApplyInvoiceResponse><RequestId>")


def test_list_helpers_read_real_client_values(capture: CaptureServer) -> None:
    apply = _captured(capture, CASES["tea-v1-sync-apply"])
    assert flat_list(apply.params, "SelectedIds") == ["101", "102"]
    assert bool_param(apply.params, "InvoiceByAmount") is True
    capture.requests.clear()
    create = _captured(capture, CASES["tea-2023-v3-create"])
    assert json_str_list(create.params, "InvoiceCandidateIds") == ["c1", "c2"]
    assert json_list(create.params, "EcIdAccountIds") == [{"AccountIds": [1, 2], "EcId": "ec1"}]
    capture.requests.clear()
    candidates = _captured(capture, CASES["tea-2023-v1-candidates"])
    assert json_int_list(candidates.params, "BillingCycles") == [202401, 202402]
