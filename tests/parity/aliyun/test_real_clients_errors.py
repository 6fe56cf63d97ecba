"""Our rendered envelopes, read by the real SDKs: which exception each raises and what it exposes."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException
from aliyunsdkcore.acs_exception.exceptions import ServerException as CoreServerException
from Tea.exceptions import TeaException

from fapiao.protocols.aliyun import envelope, errors
from fapiao.protocols.aliyun.errors import RpcError

from . import sdk
from .conftest import CaptureServer, fixed_responder, gateway_responder

RID = "BBEF51A3-E933-4F40-A534-C673CBDB9C80"

TEA_CALLS: dict[str, Callable[[str], Any]] = {
    "v3-sync": lambda ep: sdk.bss2017(ep).apply_invoice(sdk.apply_invoice_request()),
    "v1-sync": lambda ep: sdk.bss2017(ep, v1=True).apply_invoice(sdk.apply_invoice_request()),
    "v3-async": lambda ep: asyncio.run(sdk.bss2017(ep).apply_invoice_async(sdk.apply_invoice_request())),
    "2023-v3": lambda ep: sdk.bss2023(ep).list_invoice_title(),
    "generic-v1": lambda ep: sdk.generic_call(ep, v1=True),
}

TEA_ERRORS: list[tuple[RpcError, type[Exception]]] = [
    (errors.invalid_parameter("CustomerId"), ClientException),
    (errors.access_key_not_found(), ClientException),
    (errors.action_not_found(), ClientException),
    (errors.unsupported_http_method(), ClientException),
    (errors.internal_error(), ServerException),
    (errors.service_unavailable(), ServerException),
    (errors.throttling_user(retry_after_ms=1500), ThrottlingException),
]


def _answer(capture: CaptureServer, error: RpcError) -> None:
    capture.responder = fixed_responder(envelope.render_error(error, request_id=RID))


@pytest.mark.parametrize("call", list(TEA_CALLS))
@pytest.mark.parametrize(("error", "expected"), TEA_ERRORS, ids=lambda v: getattr(v, "code", ""))
def test_tea_exception_class_by_status(
    capture: CaptureServer, call: str, error: RpcError, expected: type[Exception]
) -> None:
    _answer(capture, error)
    with pytest.raises(expected) as caught:
        TEA_CALLS[call](capture.endpoint)
    exc: Any = caught.value
    assert type(exc) is expected
    assert isinstance(exc, TeaException)
    assert (exc.code, exc.status_code, exc.request_id) == (error.code, error.status, RID)
    assert exc.message == f"code: {error.status}, {error.message} request id: {RID}"
    assert exc.data["HostId"] == "business.aliyuncs.com"
    if expected is ThrottlingException:
        assert exc.retry_after == 1500
    assert len(capture.requests) == 1, "no retry by default"


def test_tea_forbidden_ram_exposes_access_denied_detail(capture: CaptureServer) -> None:
    _answer(capture, errors.forbidden_ram("bss:ApplyInvoice"))
    with pytest.raises(ClientException) as caught:
        TEA_CALLS["v3-sync"](capture.endpoint)
    exc: Any = caught.value
    assert exc.status_code == 403
    assert exc.access_denied_detail["AuthAction"] == "bss:ApplyInvoice"


@pytest.mark.parametrize("call", ["v3-sync", "v1-sync", "2023-v3"])
def test_tea_wrong_secret_is_signature_does_not_match(capture: CaptureServer, call: str) -> None:
    capture.responder = gateway_responder(secrets={sdk.AK: "otherSecret"})
    with pytest.raises(ClientException) as caught:
        TEA_CALLS[call](capture.endpoint)
    exc: Any = caught.value
    assert (exc.code, exc.status_code) == ("SignatureDoesNotMatch", 400)
    assert "server string to sign is:" in exc.message


def test_tea_unknown_key_is_404(capture: CaptureServer) -> None:
    capture.responder = gateway_responder(secrets={})
    with pytest.raises(ClientException) as caught:
        TEA_CALLS["v3-sync"](capture.endpoint)
    exc: Any = caught.value
    assert (exc.code, exc.status_code) == ("InvalidAccessKeyId.NotFound", 404)


@pytest.mark.parametrize(
    "error",
    [
        errors.invalid_parameter("CustomerId"),
        errors.access_key_not_found(),
        errors.internal_error(),
        errors.throttling_user(retry_after_ms=10),
    ],
    ids=lambda e: e.code,
)
def test_core_raises_server_exception_for_every_error(capture: CaptureServer, error: RpcError) -> None:
    _answer(capture, error)
    with pytest.raises(CoreServerException) as caught:
        sdk.core_request(capture.endpoint, "ApplyInvoice", method="POST")
    exc = caught.value
    assert (exc.get_error_code(), exc.get_error_msg()) == (error.code, error.message)
    assert (exc.get_http_status(), exc.get_request_id()) == (error.status, RID)
    assert len(capture.requests) == 1


def test_core_common_request_keeps_signature_does_not_match(capture: CaptureServer) -> None:
    capture.responder = gateway_responder(secrets={sdk.AK: "otherSecret"})
    with pytest.raises(CoreServerException) as caught:
        sdk.core_request(capture.endpoint, "ApplyInvoice", method="POST", query={"CustomerId": "22"})
    assert caught.value.get_error_code() == "SignatureDoesNotMatch"
    assert caught.value.get_http_status() == 400


def test_success_documents_parse_into_the_2017_models(capture: CaptureServer) -> None:
    invoice = {"Id": 1001, "UserId": 1234567890123456, "InvoiceTitle": "示例科技有限公司", "Type": 1}
    capture.responder = gateway_responder(
        {
            "Code": "Success",
            "Message": "Successful!",
            "Success": True,
            "Data": {"CustomerInvoiceList": {"CustomerInvoice": [invoice]}},
        }
    )
    response = sdk.bss2017(capture.endpoint).query_invoicing_customer_list(sdk.query_invoicing_customer_list_request())
    assert response.status_code == 200
    item = response.body.data.customer_invoice_list.customer_invoice[0]
    assert (item.id, item.user_id, item.invoice_title, item.type) == (1001, 1234567890123456, "示例科技有限公司", 1)
    assert re.fullmatch(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}", response.body.request_id)


def test_success_documents_parse_into_the_2023_models(capture: CaptureServer) -> None:
    capture.responder = gateway_responder({"Metadata": {}, "Data": [{"Id": "1001", "AccountId": 7}]})
    response = sdk.bss2023(capture.endpoint, v1=True).list_invoice_title()
    assert [(t.id, t.account_id) for t in response.body.data] == [("1001", 7)]
