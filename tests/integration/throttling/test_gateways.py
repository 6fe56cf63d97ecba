"""Throttling through a real server, as each protocol's clients see it: the real Alibaba Cloud SDKs raise their
throttling exceptions with ``Throttling.User``, TOP answers code 7 with the rule and the seconds to wait, REST
429 with ``Retry-After``; an address past its budget of failed authentications is refused before anything is
verified. Windows are an hour long, so nothing here depends on timing."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from alibabacloud_bssopenapi20171214 import models as m17
from alibabacloud_tea_openapi.exceptions import ThrottlingException
from aliyunsdkcore.acs_exception.exceptions import ServerException as CoreServerException
from taobao_open.api.base import TopException

from tests import factories
from tests.integration.provider.support import (
    CONSUME,
    GET,
    App,
    new_app,
    new_application,
    new_merchant,
    sdk_get,
    signed,
)
from tests.parity.aliyun import clients
from tests.parity.aliyun.live import Keys
from tests.support.rpc import v1_query

from .conftest import Served, new_address

pytestmark = pytest.mark.slow

OWN_RATES = {
    "QueryInvoicingCustomerList": "2/hour",
    "alibaba.einvoice.invoiceapply.get": "2/hour",
    "rest:GET /api/v1/titles": "2/hour",
}
server_env = {
    "FAPIAO_RATE_LIMITING": "true",  # the sandbox profile would leave it off
    "FAPIAO_RATE_LIMIT_DEFAULT": "3/hour",
    "FAPIAO_RATE_LIMITS": json.dumps(OWN_RATES),
    "FAPIAO_RATE_LIMIT_FAILURES": "3/hour",
}
HOUR_MS = 3600 * 1000
TITLES = m17.QueryInvoicingCustomerListRequest
BAN = re.compile(r"This ban will last for (\d+) more seconds")


def _keys(served: Served) -> Keys:
    who = factories.customer(served.runtime)
    return Keys(who.key_id, who.secret)


# --- Alibaba Cloud RPC -------------------------------------------------------------------------------------------


def test_an_action_over_its_own_rate_is_throttling_user_for_every_sdk(served: Served) -> None:
    keys = _keys(served)
    client = clients.bss2017(served.endpoint, keys)
    for _ in range(2):
        assert client.query_invoicing_customer_list(TITLES()).body.code == "Success"

    with pytest.raises(ThrottlingException) as caught:  # the current SDK: the x-acs-retry-after header
        client.query_invoicing_customer_list(TITLES())
    refused = caught.value
    assert (refused.code, refused.status_code) == ("Throttling.User", 400)
    assert refused.data["Message"] == "Request was denied due to user flow control."
    assert 0 < refused.retry_after <= HOUR_MS

    with pytest.raises(CoreServerException) as core:  # the classic core SDK
        clients.core(served.endpoint, keys, "QueryInvoicingCustomerList")
    assert (core.value.get_error_code(), core.value.get_http_status()) == ("Throttling.User", 400)
    assert core.value.get_error_msg() == "Request was denied due to user flow control."

    other = clients.bss2017(served.endpoint, _keys(served))  # another caller has its own budget
    assert other.query_invoicing_customer_list(TITLES()).body.code == "Success"


def test_the_default_budget_is_the_callers_across_actions_and_protocols(served: Served) -> None:
    keys = _keys(served)
    titles_2023 = clients.bss2023(served.endpoint, keys)
    titles_2023.list_invoice_title()
    clients.bss2017(served.endpoint, keys).query_customer_address_list(m17.QueryCustomerAddressListRequest())
    assert httpx.get(f"{served.url}/api/v1/account", auth=(keys.key_id, keys.secret)).status_code == 200

    with pytest.raises(ThrottlingException) as caught:  # the fourth call of the key, whatever the action
        titles_2023.list_invoice_title()
    assert caught.value.code == "Throttling.User"
    rest = httpx.get(f"{served.url}/api/v1/account", auth=(keys.key_id, keys.secret))
    assert (rest.status_code, rest.json()["error"]["code"]) == (429, "TooManyRequests")

    # An action with a rate of its own neither counted against the default nor is refused by it.
    assert clients.bss2017(served.endpoint, keys).query_invoicing_customer_list(TITLES()).body.code == "Success"


# --- REST --------------------------------------------------------------------------------------------------------


def test_a_rest_route_over_its_own_rate_is_429_with_retry_after(served: Served) -> None:
    who = factories.customer(served.runtime)
    for _ in range(2):
        assert httpx.get(f"{served.url}/api/v1/titles", auth=who.basic).status_code == 200

    refused = httpx.get(f"{served.url}/api/v1/titles", auth=who.basic)

    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 3600
    body = refused.json()
    assert set(body) == {"error", "request_id"}
    assert body["error"]["code"] == "TooManyRequests"
    assert body["error"]["message"] == (
        f"too many requests to this operation from this caller; retry after {refused.headers['retry-after']} s"
    )
    assert body["error"]["field"] is None
    assert body["request_id"] == refused.headers["x-request-id"]
    # The route's own budget is not the caller's default: other routes still answer.
    assert httpx.get(f"{served.url}/api/v1/account", auth=who.basic).status_code == 200


def test_the_429_is_declared_in_the_openapi_document(served: Served) -> None:
    document = httpx.get(f"{served.url}/api/v1/openapi.json").json()
    assert "429" in document["paths"]["/api/v1/titles"]["get"]["responses"]
    assert "429" in document["paths"]["/api/v1/applications"]["post"]["responses"]


# --- TOP ---------------------------------------------------------------------------------------------------------


def _top_error(served: Served, params: dict[str, str], address: str | None = None) -> dict[str, Any]:
    headers = {"x-forwarded-for": address} if address else {}
    answer = httpx.post(f"{served.url}/router/rest", data=params, headers=headers, timeout=10)
    assert answer.status_code == 200
    error: dict[str, Any] = answer.json()["error_response"]
    return error


def _applied(answer: dict[str, Any]) -> str:
    apply_id: str = answer["alibaba_einvoice_invoiceapply_get_response"]["result"]["apply_id"]
    return apply_id


def test_a_top_method_over_its_own_rate_is_code_7_with_the_seconds_to_wait(served: Served) -> None:
    app = new_app(served.runtime)
    merchant = new_merchant(served.runtime, app)
    apply_id = new_application(served.runtime, merchant).apply_id
    for _ in range(2):
        assert _applied(sdk_get(served.server.port, app, apply_id)) == apply_id

    with pytest.raises(TopException) as caught:  # the official SDK
        sdk_get(served.server.port, app, apply_id)
    refused = caught.value
    assert (refused.errorcode, refused.message) == (7, "App Call Limited")
    assert refused.subcode == "accesscontrol.limited-by-app-api-access-count"
    ban = BAN.fullmatch(refused.submsg)
    assert ban is not None and 1 <= int(ban[1]) <= 3600

    error = _top_error(served, signed(app, GET, apply_id=apply_id))  # the wire answer
    assert (error["code"], error["msg"], error["sub_code"]) == (7, "App Call Limited", refused.subcode)
    assert error["request_id"]

    # The merchant's session makes another caller: the app acting for it has a budget of its own.
    assert _applied(sdk_get(served.server.port, app, apply_id, session=merchant.session)) == apply_id


def test_a_top_apps_default_budget_is_app_access_count(served: Served) -> None:
    app = new_app(served.runtime)
    for _ in range(3):
        assert (
            "tmc_messages_consume_response"
            in httpx.post(f"{served.url}/router/rest", data=signed(app, CONSUME), timeout=10).json()
        )

    error = _top_error(served, signed(app, CONSUME))

    assert (error["code"], error["sub_code"]) == (7, "accesscontrol.limited-by-app-access-count")
    assert BAN.fullmatch(error["sub_msg"])


# --- failed authentications, per source address ------------------------------------------------------------------


def _rpc(served: Served, keys: Keys, address: str) -> httpx.Response:
    return httpx.get(
        f"{served.url}/", params=v1_query(keys.key_id, keys.secret), headers={"x-forwarded-for": address}, timeout=10
    )


def test_bad_signatures_past_the_address_budget_are_refused_before_verification_rpc(
    served: Served, address: str
) -> None:
    keys = _keys(served)
    forged = Keys(keys.key_id, keys.secret + "x")
    for _ in range(4):  # the budget is 3: the fourth failure exceeds it, and is still answered for what it is
        answer = _rpc(served, forged, address)
        assert (answer.status_code, answer.json()["Code"]) == (400, "SignatureDoesNotMatch")

    refused = _rpc(served, keys, address)  # even a good signature: it is not looked at

    assert refused.status_code == 400
    assert refused.json()["Code"] == "Throttling"
    assert refused.json()["Message"] == "Request was denied due to request throttling."
    assert 0 < int(refused.headers["x-acs-retry-after"]) <= HOUR_MS
    stranger = _rpc(served, Keys("LTAI5tNoSuchKey000000000", "x"), address)
    assert stranger.json()["Code"] == "Throttling"  # no key lookup either (else InvalidAccessKeyId.NotFound)
    served_elsewhere = _rpc(served, keys, new_address())
    assert (served_elsewhere.status_code, served_elsewhere.json()["Code"]) == (200, "Success")


def test_bad_signatures_past_the_address_budget_are_refused_before_verification_top(
    served: Served, address: str
) -> None:
    app = new_app(served.runtime)
    forged = App(app.app_key, app.secret + "x", app.app_id)
    for _ in range(4):
        assert _top_error(served, signed(forged, CONSUME), address)["code"] == 25

    error = _top_error(served, signed(app, CONSUME), address)

    assert (error["code"], error["msg"]) == (7, "App Call Limited")
    assert error["sub_code"] == "accesscontrol.limited-by-ip-access-count"
    ban = BAN.fullmatch(error["sub_msg"])
    assert ban is not None and 1 <= int(ban[1]) <= 3600
    unknown = App("99999999", "x", 0)
    assert _top_error(served, signed(unknown, CONSUME), address)["code"] == 7  # not 29: no app lookup
    assert (
        "tmc_messages_consume_response"
        in httpx.post(
            f"{served.url}/router/rest", data=signed(app, CONSUME), headers={"x-forwarded-for": new_address()}
        ).json()
    )


def test_bad_passwords_past_the_address_budget_are_refused_rest(served: Served, address: str) -> None:
    who = factories.customer(served.runtime)
    headers = {"x-forwarded-for": address}
    for _ in range(4):
        answer = httpx.get(f"{served.url}/api/v1/account", auth=(who.key_id, "wrong"), headers=headers)
        assert answer.status_code == 401

    refused = httpx.get(f"{served.url}/api/v1/account", auth=who.basic, headers=headers)

    assert refused.status_code == 429
    retry_after = refused.headers["retry-after"]
    assert 1 <= int(retry_after) <= 3600
    assert refused.json()["error"] == {
        "code": "TooManyRequests",
        "message": f"too many failed authentications from this address; retry after {retry_after} s",
        "field": None,
    }
    other = httpx.get(f"{served.url}/api/v1/account", auth=who.basic, headers={"x-forwarded-for": new_address()})
    assert other.status_code == 200


def test_the_failure_budget_is_the_addresss_across_protocols(served: Served, address: str) -> None:
    who = factories.customer(served.runtime)
    forged = Keys(who.key_id, "wrong")
    for _ in range(4):
        assert _rpc(served, forged, address).status_code == 400

    rest = httpx.get(f"{served.url}/api/v1/account", auth=who.basic, headers={"x-forwarded-for": address})
    top = _top_error(served, signed(new_app(served.runtime), CONSUME), address)

    assert rest.status_code == 429
    assert (top["code"], top["sub_code"]) == (7, "accesscontrol.limited-by-ip-access-count")
