"""Authentication, replay, routing and RAM failures through a real server: each real client raises its own
exception with the gateway's code and status, and nothing changes."""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from alibabacloud_bssopenapi20171214 import models as m17
from alibabacloud_tea_openapi.exceptions import ClientException
from aliyunsdkcore.acs_exception.exceptions import ServerException as CoreServerException

from fapiao.protocols.aliyun import signing
from fapiao.protocols.aliyun.headers import HeaderMap
from tests.support.rpc import v1_query
from tests.support.server import ServerProcess

from . import clients
from .live import Keys, Live, allow, deny

pytestmark = pytest.mark.slow

TITLES = m17.QueryInvoicingCustomerListRequest


def _tea_error(call: Callable[[], Any]) -> Any:
    with pytest.raises(ClientException) as caught:
        call()
    return caught.value


@pytest.mark.parametrize("v1", [False, True], ids=["v3", "v1"])
def test_unknown_key(live: Live, v1: bool) -> None:
    stranger = Keys("LTAI5tNoSuchKey000000000", "secret")
    exc = _tea_error(lambda: clients.bss2017(live.endpoint, stranger, v1=v1).query_invoicing_customer_list(TITLES()))
    assert (exc.code, exc.status_code) == ("InvalidAccessKeyId.NotFound", 404)


def test_unknown_key_core(live: Live) -> None:
    with pytest.raises(CoreServerException) as caught:
        clients.core(live.endpoint, Keys("LTAI5tNoSuchKey000000000", "x"), "QueryInvoicingCustomerList")
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == ("InvalidAccessKeyId.NotFound", 404)


WRONG_SECRET_CALLS: dict[str, Callable[[Live, Keys], Any]] = {
    "v3": lambda lv, k: clients.bss2017(lv.endpoint, k).query_invoicing_customer_list(TITLES()),
    "v1": lambda lv, k: clients.bss2017(lv.endpoint, k, v1=True).query_invoicing_customer_list(TITLES()),
    "2023-v3": lambda lv, k: clients.bss2023(lv.endpoint, k).list_invoice_title(),
    "call-api-v3-body": lambda lv, k: clients.call_api(lv.endpoint, k, "ApplyInvoice", body={"CustomerId": "1"}),
}


@pytest.mark.parametrize("call", list(WRONG_SECRET_CALLS))
def test_wrong_secret_is_signature_does_not_match(live: Live, call: str) -> None:
    wrong = Keys(live.root.key_id, live.root.secret + "x")
    exc = _tea_error(lambda: WRONG_SECRET_CALLS[call](live, wrong))
    assert (exc.code, exc.status_code) == ("SignatureDoesNotMatch", 400)
    string_to_sign = exc.data["Message"].split("server string to sign is:", 1)[1]
    assert string_to_sign.startswith(("ACS3-HMAC-SHA256\n", "POST&%2F&"))


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_wrong_secret_core(live: Live, method: str) -> None:
    with pytest.raises(CoreServerException) as caught:
        clients.core(live.endpoint, Keys(live.root.key_id, "nope"), "QueryInvoicingCustomerList", method=method)
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == ("SignatureDoesNotMatch", 400)
    assert caught.value.get_error_msg().split(":", 1)[1].startswith(f"{method}&%2F&AccessKeyId%3D")


def test_tampered_parameter_fails_v1(live: Live) -> None:
    query = v1_query(live.root.key_id, live.root.secret, OwnerId="1")
    query["OwnerId"] = "2"
    answer = httpx.get(live.server.url + "/", params=query)
    assert (answer.status_code, answer.json()["Code"]) == (400, "SignatureDoesNotMatch")


def _v3_headers(keys: Keys, host: str, body: bytes, *, signed: tuple[str, ...] | None = None) -> dict[str, str]:
    headers = {
        "host": host,
        "x-acs-action": "QueryInvoicingCustomerList",
        "x-acs-version": "2017-12-14",
        "x-acs-date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": secrets.token_hex(16),
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
        "content-type": "application/x-www-form-urlencoded",
    }
    names = signed or tuple(sorted(headers))
    canonical = signing.v3_canonical_request(
        "POST", "/", {}, HeaderMap(headers), names, headers["x-acs-content-sha256"]
    )
    signature = signing.v3_signature(signing.v3_string_to_sign(canonical), keys.secret)
    headers["authorization"] = (
        f"ACS3-HMAC-SHA256 Credential={keys.key_id},SignedHeaders={';'.join(names)},Signature={signature}"
    )
    return headers


def test_v3_body_must_match_its_content_hash(live: Live) -> None:
    host = live.endpoint
    good = httpx.post(live.server.url + "/", content=b"OwnerId=1", headers=_v3_headers(live.root, host, b"OwnerId=1"))
    assert good.status_code == 200, good.text
    tampered = httpx.post(
        live.server.url + "/", content=b"OwnerId=2", headers=_v3_headers(live.root, host, b"OwnerId=1")
    )
    assert (tampered.status_code, tampered.json()["Code"]) == (400, "SignatureDoesNotMatch")


def test_v3_without_the_required_signed_headers_is_incomplete(live: Live) -> None:
    headers = _v3_headers(live.root, live.endpoint, b"", signed=("host", "x-acs-action", "x-acs-version"))
    answer = httpx.post(live.server.url + "/", headers=headers)
    assert (answer.status_code, answer.json()["Code"]) == (400, "IncompleteSignature")
    assert "server string to sign is:ACS3-HMAC-SHA256\n" in answer.json()["Message"]
    headers = _v3_headers(live.root, live.endpoint, b"")
    headers["authorization"] = headers["authorization"].split(",Signature=")[0]
    answer = httpx.post(live.server.url + "/", headers=headers)
    assert (answer.status_code, answer.json()["Code"]) == (400, "IncompleteSignature")


@pytest.mark.parametrize("minutes", [-16, 16])
def test_timestamp_outside_fifteen_minutes(live: Live, minutes: int) -> None:
    when = (datetime.now(UTC) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = httpx.get(live.server.url + "/", params=v1_query(live.root.key_id, live.root.secret, Timestamp=when))
    assert (answer.status_code, answer.json()["Code"]) == (400, "InvalidTimeStamp.Expired")


def test_replayed_nonce_is_refused_by_every_server_process(live: Live) -> None:
    query = v1_query(live.root.key_id, live.root.secret)
    assert httpx.get(live.server.url + "/", params=query).status_code == 200
    replay = httpx.get(live.server.url + "/", params=query)
    assert (replay.status_code, replay.json()["Code"]) == (400, "SignatureNonceUsed")
    second = ServerProcess(live.server.settings)
    second.start()
    try:
        fresh = v1_query(live.root.key_id, live.root.secret)
        assert httpx.get(second.url + "/", params=fresh).status_code == 200
        answer = httpx.get(live.server.url + "/", params=fresh)
        assert (answer.status_code, answer.json()["Code"]) == (400, "SignatureNonceUsed")
        other = httpx.get(second.url + "/", params=query)
        assert other.json()["Code"] == "SignatureNonceUsed"
    finally:
        second.stop()


def test_unknown_action_and_version(live: Live) -> None:
    exc = _tea_error(lambda: clients.call_api(live.endpoint, live.root, "QueryCustomerInvoiceInfo"))
    assert (exc.code, exc.status_code) == ("InvalidAction.NotFound", 404)
    exc = _tea_error(lambda: clients.call_api(live.endpoint, live.root, "ListInvoiceTitle", version="2099-01-01"))
    assert (exc.code, exc.status_code) == ("InvalidVersion", 400)
    with pytest.raises(CoreServerException) as caught:
        clients.core(live.endpoint, live.root, "NoSuchAction")
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == ("InvalidAction.NotFound", 404)


def test_errors_in_xml_when_asked(live: Live) -> None:
    body = clients.core(live.endpoint, live.root, "NoSuchAction", xml=True)
    assert body.startswith(b"<?xml") and b"<Error>" in body and b"<Code>InvalidAction.NotFound</Code>" in body


def test_garbage_is_an_error_envelope_never_a_500(live: Live) -> None:
    answer = httpx.get(live.server.url + "/?Action=%FF&Version=2017-12-14")
    assert (answer.status_code, answer.json()["Code"]) == (400, "InvalidParameter")
    unsigned = httpx.post(live.server.url + "/?Action=QueryInvoicingCustomerList&Version=2017-12-14")
    assert (unsigned.status_code, unsigned.json()["Code"]) == (400, "MissingParameter")
    assert set(unsigned.json()) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
    assert unsigned.headers["content-type"] == "application/json;charset=utf-8"


# --- RAM -----------------------------------------------------------------------------------------------------


def test_demo_ram_user_may_only_read_titles(live: Live) -> None:
    body = clients.bss2017(live.endpoint, live.ram).query_invoicing_customer_list(TITLES()).body
    assert body.data.customer_invoice_list.customer_invoice[0].id == live.demo["title_id"]
    for call in (
        lambda: clients.bss2017(live.endpoint, live.ram).query_evaluate_list(m17.QueryEvaluateListRequest()),
        lambda: clients.bss2017(live.endpoint, live.ram, v1=True).apply_invoice(m17.ApplyInvoiceRequest()),
        lambda: clients.bss2023(live.endpoint, live.ram).list_invoice_title(),
    ):
        exc = _tea_error(call)
        assert (exc.code, exc.status_code) == ("Forbidden.RAM", 403)
        assert exc.access_denied_detail["NoPermissionType"] == "ImplicitDeny"
    exc = _tea_error(lambda: clients.bss2017(live.endpoint, live.ram).apply_invoice(m17.ApplyInvoiceRequest()))
    assert exc.access_denied_detail["AuthAction"] == "bss:ApplyInvoice"


@pytest.mark.parametrize(
    ("statements", "allowed", "denied"),
    [
        ([allow("*")], ["QueryCustomerAddressList", "QueryEvaluateList"], []),
        ([allow("bss:Query*")], ["QueryInvoicingCustomerList", "QueryEvaluateList"], ["ListInvoiceTitle"]),
        ([allow("bss:*"), deny("bss:QueryEvaluateList")], ["QueryCustomerAddressList"], ["QueryEvaluateList"]),
        ([allow("bss:DescribeQueryInvoice")], ["ListInvoiceTitle"], ["QueryInvoicingCustomerList"]),
    ],
)
def test_ram_policies(live: Live, statements: list[dict[str, Any]], allowed: list[str], denied: list[str]) -> None:
    who = live.customer()
    keys = live.ram_user(who, *statements)
    explicit = any(s["Effect"] == "Deny" for s in statements)
    for action in allowed + denied:
        version = "2023-09-30" if action == "ListInvoiceTitle" else "2017-12-14"
        if action in allowed:
            assert clients.call_api(live.endpoint, keys, action, version=version)["statusCode"] == 200
            continue
        exc = _tea_error(functools.partial(clients.call_api, live.endpoint, keys, action, version=version))
        assert (exc.code, exc.status_code) == ("Forbidden.RAM", 403)
        assert exc.access_denied_detail["NoPermissionType"] == ("ExplicitDeny" if explicit else "ImplicitDeny")
        assert exc.access_denied_detail["AuthAction"].startswith("bss:")
