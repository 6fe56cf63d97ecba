"""The pipeline in-process (``gateway.handle``) for what a live server cannot stage cheaply: no provider app,
an unexpected failure, a chosen clock, STS tokens, XML successes."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import pytest

from fapiao.items import service as items
from fapiao.protocols.access import detached
from fapiao.protocols.aliyun import gateway, routes, signing
from fapiao.runtime import Runtime
from fapiao.titles import service as titles
from fapiao.usecases.actor import OPERATOR
from tests import factories
from tests.support.statements import all_statements

NOW = datetime(2026, 11, 21, 4, 23, 36, tzinfo=UTC)


def _call(
    rt: Runtime, who: factories.Customer, action: str, params: dict[str, str] | None = None, now: datetime = NOW
) -> tuple[int, Any]:
    query = {
        "Action": action,
        "Version": "2017-12-14",
        "AccessKeyId": who.key_id,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": secrets.token_hex(16),
        "Timestamp": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
        **(params or {}),
    }
    query["Signature"] = signing.v1_signature(signing.v1_string_to_sign("POST", query), who.secret)
    answer = gateway.handle(rt, "POST", urlencode(query), {}, exchange=detached(routes.PROTOCOL), now=now)
    if answer.content_type.startswith("text/xml"):
        return answer.status, ET.fromstring(answer.body)  # noqa: S314 - our own server's answer
    return answer.status, json.loads(answer.body)


def test_filing_without_any_provider_is_service_unavailable_and_reserves_nothing(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    title = factories.approved_title(runtime, who)
    item = factories.item(runtime, who, original_fen=100_00)
    status, body = _call(
        runtime,
        who,
        "ApplyInvoice",
        {
            "CustomerId": str(title.id),
            "ApplyUserNick": "n",
            "InvoiceAmount": "100",
            "InvoiceByAmount": "true",
            "SelectedIds.1": str(item.id),
        },
    )
    assert (status, body["Code"]) == (503, "ServiceUnavailable")
    assert items.get_item(runtime, OPERATOR, item.id).can_invoice_fen == 100_00


def test_unexpected_failure_is_an_internal_error_envelope(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    who = factories.customer(runtime)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database exploded")

    monkeypatch.setattr(titles, "account_titles", broken)
    status, body = _call(runtime, who, "QueryInvoicingCustomerList")
    assert (status, body["Code"]) == (500, "InternalError")
    assert "exploded" not in json.dumps(body)
    assert who.secret not in capsys.readouterr().out


@pytest.mark.parametrize(("skew", "ok"), [(timedelta(minutes=15), True), (timedelta(minutes=15, seconds=1), False)])
def test_clock_skew_boundary(runtime: Runtime, skew: timedelta, ok: bool) -> None:
    who = factories.customer(runtime)
    for now in (NOW + skew, NOW - skew):
        status, body = _call(runtime, who, "QueryCustomerAddressList", now=now)
        assert status == 200 if ok else (status, body["Code"]) == (400, "InvalidTimeStamp.Expired")


def test_security_tokens_are_refused(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    status, body = _call(runtime, who, "QueryCustomerAddressList", {"SecurityToken": "sts"})
    assert (status, body["Code"]) == (400, "InvalidSecurityToken.Malformed")


def test_xml_success_document(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    item = factories.item(runtime, who, original_fen=12_50, name="云服务器")
    status, root = _call(runtime, who, "QueryEvaluateList", {"Format": "xml"})
    assert (status, root.tag) == (200, "QueryEvaluateListResponse")
    evaluate = root.find("Data/EvaluateList/Evaluate")
    assert evaluate is not None
    assert (evaluate.findtext("Id"), evaluate.findtext("Name")) == (str(item.id), "云服务器")
    assert (evaluate.findtext("CanInvoiceAmount"), root.findtext("Data/TotalCount")) == ("1250", "1")


@pytest.mark.parametrize("key_id", ["\x00", "LTAI\x00x", "k" * 65])
def test_a_v3_credential_no_key_could_have_is_not_found_without_a_statement(runtime: Runtime, key_id: str) -> None:
    """Some HTTP servers let NUL through in header values; PostgreSQL would refuse to compare it."""
    headers = {
        "host": "127.0.0.1",
        "x-acs-action": "QueryInvoicingCustomerList",
        "x-acs-version": "2017-12-14",
        "x-acs-date": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": secrets.token_hex(16),
        "x-acs-content-sha256": signing.EMPTY_BODY_SHA256,
        "authorization": f"ACS3-HMAC-SHA256 Credential={key_id},SignedHeaders=host,Signature=00",
    }
    with all_statements(runtime.db) as seen:
        answer = gateway.handle(runtime, "POST", b"", headers, exchange=detached(routes.PROTOCOL), now=NOW)
    assert (answer.status, json.loads(answer.body)["Code"]) == (404, "InvalidAccessKeyId.NotFound")
    assert seen == []


def test_a_year_0001_filter_time_is_invalid_and_an_internal_error_never(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    status, body = _call(runtime, who, "QueryEvaluateList", {"StartBizTime": "0001-01-01 00:00:00"})
    assert (status, body["Code"]) == (400, "InvalidParameter")
    assert '"StartBizTime"' in body["Message"]
