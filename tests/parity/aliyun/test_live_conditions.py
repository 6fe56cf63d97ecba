"""RAM policy conditions through a real server and the real SDKs: ``acs:SourceIp``, ``acs:SecureTransport`` and
``acs:CurrentTime`` decide with the gateway's own ``Forbidden.RAM``, a forwarded address counts only from a
trusted proxy, and the REST API reads the same conditions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from alibabacloud_bssopenapi20171214 import models as m17
from alibabacloud_tea_openapi.exceptions import ClientException

from fapiao.protocols.aliyun import errors
from tests.support.rpc import v1_query
from tests.support.server import ServerProcess

from . import clients
from .live import Keys, Live, allow, deny

pytestmark = pytest.mark.slow

TITLES = m17.QueryInvoicingCustomerListRequest
PERMISSION = "bss:QueryCustomerInvoiceInfo"  # of QueryInvoicingCustomerList


def when(condition: dict[str, Any], statement: dict[str, Any] | None = None) -> dict[str, Any]:
    return {**(statement or allow(PERMISSION)), "Condition": condition}


def from_net(block: str) -> dict[str, Any]:
    return {"IpAddress": {"acs:SourceIp": block}}


def _titles(live: Live, keys: Keys, *, v1: bool = False) -> Any:
    return clients.bss2017(live.endpoint, keys, v1=v1).query_invoicing_customer_list(TITLES())


def _refused(call: Callable[[], Any]) -> Any:
    with pytest.raises(ClientException) as caught:
        call()
    return caught.value


@pytest.mark.parametrize("v1", [False, True], ids=["v3", "v1"])
def test_source_ip_outside_the_block_is_forbidden_and_inside_it_allowed(live: Live, v1: bool) -> None:
    who = live.customer()
    elsewhere = live.ram_user(who, when(from_net("203.0.113.0/24")))
    exc = _refused(lambda: _titles(live, elsewhere, v1=v1))
    assert (exc.code, exc.status_code) == ("Forbidden.RAM", 403)
    assert errors.FORBIDDEN_RAM_MESSAGE in exc.message  # the gateway's words for any denied action
    detail = exc.access_denied_detail
    assert (detail["AuthAction"], detail["NoPermissionType"]) == (PERMISSION, "ImplicitDeny")
    assert detail["AuthPrincipalOwnerId"] == str(who.user_id)
    loopback = live.ram_user(who, when(from_net("127.0.0.0/8")))
    assert _titles(live, loopback, v1=v1).status_code == 200


def test_a_conditional_deny_applies_only_from_its_block(live: Live) -> None:
    who = live.customer()
    blocked_here = live.ram_user(who, allow("bss:*"), when(from_net("127.0.0.0/8"), deny(PERMISSION)))
    exc = _refused(lambda: _titles(live, blocked_here))
    assert (exc.code, exc.access_denied_detail["NoPermissionType"]) == ("Forbidden.RAM", "ExplicitDeny")
    blocked_elsewhere = live.ram_user(who, allow("bss:*"), when(from_net("203.0.113.0/24"), deny(PERMISSION)))
    assert _titles(live, blocked_elsewhere).status_code == 200


def test_secure_transport_and_current_time(live: Live) -> None:
    who = live.customer()
    https_only = live.ram_user(who, when({"Bool": {"acs:SecureTransport": "true"}}))
    assert _refused(lambda: _titles(live, https_only)).code == "Forbidden.RAM"  # the SDK speaks plain HTTP here
    plain_ok = live.ram_user(who, when({"Bool": {"acs:SecureTransport": "false"}}))
    assert _titles(live, plain_ok).status_code == 200
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    expired = live.ram_user(who, when({"DateLessThan": {"acs:CurrentTime": past}}))
    assert _refused(lambda: _titles(live, expired)).code == "Forbidden.RAM"
    started = live.ram_user(who, when({"DateGreaterThan": {"acs:CurrentTime": past}}))
    assert _titles(live, started).status_code == 200


def test_a_forwarded_address_counts_only_from_a_trusted_proxy(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    who = live.customer()
    keys = live.ram_user(who, when({**from_net("203.0.113.0/24"), "Bool": {"acs:SecureTransport": "true"}}))
    claimed = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    spoofed = httpx.get(live.server.url + "/", params=v1_query(keys.key_id, keys.secret), headers=claimed)
    assert (spoofed.status_code, spoofed.json()["Code"]) == (403, "Forbidden.RAM")
    monkeypatch.setenv("FAPIAO_TRUSTED_PROXIES", "127.0.0.1")
    behind_proxy = ServerProcess(live.server.settings)
    behind_proxy.start()
    try:
        forwarded = httpx.get(behind_proxy.url + "/", params=v1_query(keys.key_id, keys.secret), headers=claimed)
        assert forwarded.status_code == 200, forwarded.text
        elsewhere = {"X-Forwarded-For": "198.51.100.9", "X-Forwarded-Proto": "https"}
        refused = httpx.get(behind_proxy.url + "/", params=v1_query(keys.key_id, keys.secret), headers=elsewhere)
        assert (refused.status_code, refused.json()["Code"]) == (403, "Forbidden.RAM")
    finally:
        behind_proxy.stop()


def test_rest_reads_the_same_conditions(live: Live) -> None:
    who = live.customer()
    elsewhere = live.ram_user(who, when(from_net("203.0.113.0/24"), allow("fapiao:ListTitles")))
    refused = httpx.get(live.server.url + "/api/v1/titles", auth=(elsewhere.key_id, elsewhere.secret))
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "Forbidden")
    here = live.ram_user(who, when(from_net("127.0.0.0/8"), allow("fapiao:ListTitles")))
    assert httpx.get(live.server.url + "/api/v1/titles", auth=(here.key_id, here.secret)).status_code == 200
