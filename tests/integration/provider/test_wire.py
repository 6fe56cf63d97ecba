"""Hand-built ``/router/rest`` requests against a running server: the wire forms no Python client sends
(hmac-sha256, GET, XML, simplify, multipart), and the negative matrix — each refusal with TOP's exact code,
always HTTP 200 with a request_id, and nothing changed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from fapiao.applications import service as applications
from fapiao.domain.applications import ApplicationStatus
from fapiao.protocols.access import detached
from fapiao.protocols.top.routes import PROTOCOL, handle
from fapiao.runtime import build_runtime
from fapiao.settings import Settings
from fapiao.usecases.actor import OPERATOR

from .conftest import Stack
from .support import (
    CONFIRM,
    CONSUME,
    GET,
    UPDATE,
    App,
    Merchant,
    call,
    call_json,
    compute_sign_for,
    error_of,
    gmt8_now,
    new_app,
    new_application,
    new_merchant,
    signed,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app(stack: Stack) -> App:
    return new_app(stack.runtime)


@pytest.fixture(scope="module")
def merchant(stack: Stack, app: App) -> Merchant:
    return new_merchant(stack.runtime, app)


@pytest.fixture
def apply_id(stack: Stack, merchant: Merchant) -> str:
    return new_application(stack.runtime, merchant).apply_id


def xml(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8" ?>')
    return ET.fromstring(response.content)  # noqa: S314 - our own server's output


def test_hmac_sha256_get_in_xml(stack: Stack, app: App, apply_id: str) -> None:
    params = signed(app, GET, sign_method="hmac-sha256", fmt="xml", apply_id=apply_id)
    root = xml(call(stack.url, params, get=True))
    assert root.tag == "alibaba_einvoice_invoiceapply_get_response"
    assert [child.tag for child in root] == ["result", "total_count", "request_id"]
    assert root.findtext("result/apply_id") == apply_id and root.findtext("result/status") == "1"
    assert root.findtext("result/invoice_item_list/user_invoice_item_d_t_o/amount") == "250.00"


def test_format_defaults_to_xml_and_simplify_flattens_json(stack: Stack, app: App, apply_id: str) -> None:
    no_format = {k: v for k, v in signed(app, GET, apply_id=apply_id).items() if k not in ("format", "sign")}
    assert xml(call(stack.url, compute_sign_for(app, no_format))).tag == "alibaba_einvoice_invoiceapply_get_response"
    simple = call_json(stack.url, signed(app, GET, sign_method="hmac", simplify="true", apply_id=apply_id))
    assert set(simple) == {"result", "total_count", "request_id"}
    assert simple["result"]["invoice_item_list"][0]["item_name"].startswith("云服务器")
    error = call_json(stack.url, signed(app, GET, simplify="true", apply_id="nope"))
    assert error["error_response"]["code"] == 15  # errors keep their root


def test_multipart_and_split_parameters(stack: Stack, app: App, apply_id: str) -> None:
    params = signed(app, GET, apply_id=apply_id)
    common = {k: v for k, v in params.items() if k != "apply_id"}
    response = httpx.post(
        stack.url + "/router/rest", params=common, data={"apply_id": apply_id}, files={"x": ("f.bin", b"\x00")}
    )
    body = response.json()
    assert body["alibaba_einvoice_invoiceapply_get_response"]["result"]["apply_id"] == apply_id


def test_xml_errors_and_other_verbs(stack: Stack, app: App) -> None:
    root = xml(call(stack.url, signed(app, GET, fmt="xml", apply_id="no-such")))
    assert root.tag == "error_response" and root.findtext("code") == "15" and root.findtext("request_id")
    put = httpx.put(stack.url + "/router/rest", params={"format": "json"})
    assert put.status_code == 200 and put.json()["error_response"]["code"] == 9


def _signature_and_clock_cases(app: App) -> list[tuple[str, dict[str, str], int]]:
    good = signed(app, GET, apply_id="x")
    wrong_secret = signed(App(app.app_key, "wrong", app.app_id), GET, apply_id="x")
    tampered = {**good, "apply_id": "y"}
    epoch_ms = str(int((datetime.now(UTC) - timedelta(minutes=11)).timestamp() * 1000))
    return [
        ("missing method", {k: v for k, v in good.items() if k != "method"}, 21),
        ("unknown method", signed(app, "taobao.item.get"), 22),
        ("missing app_key", {k: v for k, v in good.items() if k != "app_key"}, 28),
        ("unknown app_key", {**good, "app_key": "99999999"}, 29),
        ("missing sign", {k: v for k, v in good.items() if k != "sign"}, 24),
        ("wrong secret", wrong_secret, 25),
        ("tampered parameter", tampered, 25),
        ("unknown sign_method", {**good, "sign_method": "sha1"}, 25),
        ("missing timestamp", signed(app, GET, apply_id="x", timestamp=None), 30),
        ("unparsable timestamp", signed(app, GET, apply_id="x", timestamp="2026/11/21 12:00"), 31),
        ("stale timestamp", signed(app, GET, apply_id="x", timestamp=gmt8_now(timedelta(minutes=-11))), 31),
        ("future timestamp", signed(app, GET, apply_id="x", timestamp=gmt8_now(timedelta(minutes=11))), 31),
        ("UTC wall clock", signed(app, GET, apply_id="x", timestamp=_utc_wall_clock()), 31),
        ("stale epoch ms", signed(app, GET, apply_id="x", timestamp=epoch_ms), 31),
        ("missing v", signed(app, GET, apply_id="x", v=None), 32),
        ("malformed v", signed(app, GET, apply_id="x", v="two"), 33),
        ("unsupported v", signed(app, GET, apply_id="x", v="3.0"), 34),
        ("unknown format", signed(app, GET, apply_id="x", format="yaml"), 23),
        ("unknown session", signed(app, GET, apply_id="x", session="nope"), 27),
    ]


def _utc_wall_clock() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")  # what taobaopy sends on a UTC host


def test_signature_timestamp_and_common_parameter_matrix(stack: Stack, app: App) -> None:
    outcomes = {name: error_of(stack.url, params)["code"] for name, params, _ in _signature_and_clock_cases(app)}
    assert outcomes == {name: code for name, _, code in _signature_and_clock_cases(app)}


def test_sessions_act_for_their_merchant_only(stack: Stack, app: App, merchant: Merchant, apply_id: str) -> None:
    other_merchant = new_merchant(stack.runtime, app)
    other_app = new_app(stack.runtime)
    elsewhere = new_application(stack.runtime, new_merchant(stack.runtime, other_app))

    assert call_json(stack.url, signed(app, GET, apply_id=apply_id, session=merchant.session))
    foreign = error_of(stack.url, signed(app, GET, apply_id=apply_id, session=other_merchant.session))
    assert (foreign["code"], foreign["sub_code"]) == (15, "isv.apply-not-exists")
    moved = error_of(stack.url, signed(app, UPDATE, apply_id=apply_id, status="2", session=other_merchant.session))
    assert (moved["code"], moved["sub_code"]) == (15, "isv.apply-not-exists")
    borrowed = error_of(stack.url, signed(other_app, GET, apply_id=apply_id, session=merchant.session))
    assert (borrowed["code"], borrowed["sub_code"]) == (27, "invalid-sessionkey")
    routed_elsewhere = error_of(stack.url, signed(app, GET, apply_id=elsewhere.apply_id))
    assert (routed_elsewhere["code"], routed_elsewhere["sub_code"]) == (15, "isv.apply-not-exists")
    assert applications.get_for_customer(stack.runtime, OPERATOR, apply_id).status is ApplicationStatus.PENDING


def test_argument_and_transition_errors_change_nothing(stack: Stack, app: App, apply_id: str) -> None:
    def update(**params: str) -> dict[str, object]:
        return error_of(stack.url, signed(app, UPDATE, **params))

    missing = update(status="2")
    assert (missing["code"], missing["msg"]) == (40, "Missing required arguments:apply_id")
    assert update(apply_id=apply_id)["msg"] == "Missing required arguments:status"
    assert update(apply_id=apply_id, status="5")["msg"] == "Invalid arguments:status"
    assert update(apply_id=apply_id, status="two")["msg"] == "Invalid arguments:status"
    assert update(apply_id=apply_id, status="2", ex_info="{not json")["msg"] == "Invalid arguments:ex_info"
    assert update(apply_id=apply_id, status="4", ex_info="{}")["sub_code"] == "isv.illegal-status-transition"
    assert update(apply_id=apply_id, status="0", ex_info='{"invoice_no": 1}')["code"] == 15
    assert update(apply_id=apply_id, status="3")["sub_code"] == "isv.missing-parameter:ex_info"
    assert update(apply_id="no-such-apply", status="2")["sub_code"] == "isv.apply-not-exists"
    assert error_of(stack.url, signed(app, GET))["msg"] == "Missing required arguments:apply_id"
    assert error_of(stack.url, signed(app, GET, apply_id="a" * 65))["msg"] == "Invalid arguments:apply_id"
    view = applications.get_for_customer(stack.runtime, OPERATOR, apply_id)
    assert view.status is ApplicationStatus.PENDING and len(view.history) == 1 and not view.provider_message

    ok = call_json(stack.url, signed(app, UPDATE, sign_method="hmac", apply_id=apply_id, status="2", ex_info=""))
    assert ok["alibaba_einvoice_invoiceapply_update_response"]["result"] is True
    no_logistics = update(apply_id=apply_id, status="4", ex_info='{"logistics_company": "顺丰"}')
    assert (no_logistics["code"], no_logistics["sub_code"]) == (15, "isv.missing-parameter:ex_info")
    rejected = call_json(
        stack.url, signed(app, UPDATE, apply_id=apply_id, status="3", ex_info='{"message": "抬头有误"}')
    )
    assert "error_response" not in rejected
    assert update(apply_id=apply_id, status="2")["sub_code"] == "isv.illegal-status-transition"
    view = applications.get_for_customer(stack.runtime, OPERATOR, apply_id)
    assert (view.status, view.provider_message) == (ApplicationStatus.REJECTED, "抬头有误")


def test_tmc_argument_errors(stack: Stack, app: App) -> None:
    assert error_of(stack.url, signed(app, CONSUME, quantity="9"))["msg"] == "Invalid arguments:quantity"
    assert error_of(stack.url, signed(app, CONSUME, quantity="201"))["msg"] == "Invalid arguments:quantity"
    assert error_of(stack.url, signed(app, CONFIRM))["msg"] == "Missing required arguments:s_message_ids"
    assert error_of(stack.url, signed(app, CONFIRM, s_message_ids="1,x"))["msg"] == "Invalid arguments:s_message_ids"
    too_many = ",".join(str(i) for i in range(1, 202))
    assert error_of(stack.url, signed(app, CONFIRM, s_message_ids=too_many))["msg"] == "Invalid arguments:s_message_ids"


def test_a_failing_store_answers_an_error_response_not_a_500(tmp_path: object) -> None:
    """A server whose store is unusable (never migrated) still answers TOP's envelope, code 10."""
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    rt = build_runtime(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'empty.sqlite3'}"))
    try:
        rendered = handle(
            rt, "GET", b"method=" + GET.encode() + b"&app_key=1&format=json", None, b"", exchange=detached(PROTOCOL)
        )
    finally:
        rt.close()
    assert rendered.body.startswith(b'{"error_response":{"code":10,')
    assert b"request_id" in rendered.body and b"Traceback" not in rendered.body
