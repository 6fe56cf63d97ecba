"""The stores' rules (``usecases.spec``) hold whichever protocol fills a command: a NUL in a text is refused as
that protocol's parameter error, names the wire parameter, and changes nothing, on SQLite (which would keep it)
as on PostgreSQL (which would fail on it)."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fapiao.applications import service as applications
from fapiao.domain.applications import ApplicationStatus
from fapiao.items import service as items
from fapiao.protocols.access import detached
from fapiao.protocols.aliyun import gateway, signing
from fapiao.protocols.aliyun import routes as aliyun_routes
from fapiao.protocols.top import routes
from fapiao.runtime import Runtime
from fapiao.usecases.actor import OPERATOR
from fapiao.usecases.pagination import PageRequest
from tests import factories
from tests.integration.provider.support import GET, UPDATE, new_app, new_application, new_merchant, signed

NUL = "a\x00b"
FORM = "application/x-www-form-urlencoded"


def _rpc(rt: Runtime, who: factories.Customer, action: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
    now = datetime.now(UTC)
    query = {
        "Action": action,
        "Version": "2017-12-14",
        "AccessKeyId": who.key_id,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": secrets.token_hex(16),
        "Timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        **params,
    }
    query["Signature"] = signing.v1_signature(signing.v1_string_to_sign("POST", query), who.secret)
    answer = gateway.handle(rt, "POST", urlencode(query), {}, exchange=detached(aliyun_routes.PROTOCOL), now=now)
    return answer.status, json.loads(answer.body)


def test_alibaba_refuses_it_as_an_invalid_parameter_and_files_nothing(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    factories.provider_app(runtime)
    title = factories.approved_title(runtime, who)
    item = factories.item(runtime, who, original_fen=100_00)
    filing = {"CustomerId": str(title.id), "ApplyUserNick": "n", "InvoiceAmount": "10000"}
    filing["SelectedIds.1"] = str(item.id)
    status, body = _rpc(runtime, who, "ApplyInvoice", {**filing, "UserRemark": NUL})
    assert (status, body["Code"]) == (400, "InvalidParameter")
    assert "UserRemark" in body["Message"]
    assert items.get_item(runtime, OPERATOR, item.id).can_invoice_fen == 100_00
    assert applications.list_applications(runtime, OPERATOR, PageRequest(), user_id=who.user_id).total == 0


def test_top_refuses_it_as_an_invalid_parameter_and_changes_nothing(runtime: Runtime) -> None:
    app = new_app(runtime)
    merchant = new_merchant(runtime, app)
    apply_id = new_application(runtime, merchant).apply_id
    ex_info = json.dumps({"message": NUL})  # the JSON escape \u0000, as a client library writes it
    params = signed(app, UPDATE, apply_id=apply_id, status="2", ex_info=ex_info, session=merchant.session)
    rendered = routes.handle(runtime, "POST", b"", FORM, urlencode(params).encode(), exchange=detached(routes.PROTOCOL))
    error = json.loads(rendered.body)["error_response"]
    # The gateway refuses it as a declared parameter, before the command is built.
    assert (error["code"], error["msg"]) == (41, "Invalid arguments:ex_info"), error
    assert applications.get_for_customer(runtime, OPERATOR, apply_id).status is ApplicationStatus.PENDING


def test_top_refuses_it_in_a_read_too(runtime: Runtime) -> None:
    app = new_app(runtime)
    merchant = new_merchant(runtime, app)
    params = signed(app, GET, apply_id=NUL, session=merchant.session)
    rendered = routes.handle(runtime, "POST", b"", FORM, urlencode(params).encode(), exchange=detached(routes.PROTOCOL))
    error = json.loads(rendered.body)["error_response"]
    assert (error["code"], error["msg"]) == (41, "Invalid arguments:apply_id"), error
