"""The two real TOP clients, unmodified, against a running ``fapiao serve``: py-taobao-open (md5, epoch-ms
timestamps, common parameters in the query) and taobaopy (hmac, everything in the body, local time)."""

from __future__ import annotations

import json

import httpx
import pytest
from taobao_open.api.base import TopException
from taobaopy.taobao import TaoBaoAPIError

from fapiao.applications import service as applications
from fapiao.domain.applications import ApplicationStatus
from fapiao.usecases.actor import OPERATOR
from tests.integration.provider.conftest import Stack
from tests.integration.provider.support import (
    App,
    new_app,
    new_application,
    new_merchant,
    sdk_get,
    sdk_update,
    taobaopy_client,
)

pytestmark = pytest.mark.slow


def test_py_taobao_open_reads_and_moves_an_application(stack: Stack) -> None:
    app = new_app(stack.runtime)
    merchant = new_merchant(stack.runtime, app)
    filed = new_application(stack.runtime, merchant)
    port = stack.server.port

    got = sdk_get(port, app, filed.apply_id, merchant.session)
    result = got["alibaba_einvoice_invoiceapply_get_response"]["result"]
    assert (result["apply_id"], result["status"], result["invoice_amount"]) == (filed.apply_id, 1, "250.00")
    line = result["invoice_item_list"]["user_invoice_item_d_t_o"][0]
    assert (line["item_type"], line["amount"]) == (2, "250.00")

    updated = sdk_update(port, app, filed.apply_id, 2, {"message": "同意开票"}, merchant.session)
    assert updated["alibaba_einvoice_invoiceapply_update_response"]["result"] is True
    sdk_update(port, app, filed.apply_id, 4, {"logistics_no": 9180980123, "logistics_company": "顺丰"})
    shipped = sdk_get(port, app, filed.apply_id)["alibaba_einvoice_invoiceapply_get_response"]["result"]
    assert (shipped["status"], shipped["sender_logistics_company"], shipped["sender_logistics_no"]) == (
        4,
        "顺丰",
        "9180980123",
    )


def test_py_taobao_open_sees_platform_errors(stack: Stack) -> None:
    app = new_app(stack.runtime)
    filed = new_application(stack.runtime, new_merchant(stack.runtime, app))
    port = stack.server.port
    with pytest.raises(TopException) as wrong_secret:
        sdk_get(port, App(app.app_key, "not-the-secret", app.app_id), filed.apply_id)
    assert wrong_secret.value.errorcode == 25
    with pytest.raises(TopException) as missing:
        sdk_update(port, app, filed.apply_id, 9)
    assert (missing.value.errorcode, missing.value.message) == (41, "Invalid arguments:status")
    with pytest.raises(TopException) as illegal:
        sdk_update(port, app, filed.apply_id, 0, {"invoice_no": "1"})
    assert (illegal.value.errorcode, illegal.value.subcode) == (15, "isv.illegal-status-transition")


@pytest.mark.usefixtures("shanghai_clock")
def test_taobaopy_consumes_reads_updates_and_confirms(stack: Stack) -> None:
    app = new_app(stack.runtime)
    merchant = new_merchant(stack.runtime, app)
    filed = new_application(stack.runtime, merchant, paper=False)
    client = taobaopy_client(stack.url, app, merchant.session)

    consumed = client.tmc_messages_consume(quantity=10)["tmc_messages_consume_response"]
    [message] = consumed["messages"]["tmc_message"]
    assert message["topic"] == "alibaba_invoice_InvoiceApply" and message["pub_app_key"] == app.app_key
    assert json.loads(message["content"]) == {
        "apply_id": filed.apply_id,
        "company_name": filed.company_name,
        "payee_register_no": filed.payee_register_no,
    }
    assert (message["user_id"], message["user_nick"]) == (merchant.customer.user_id, filed.user_nick)

    got = client.alibaba__einvoice_invoiceapply_get(apply_id=message_apply_id(message))
    assert got["alibaba_einvoice_invoiceapply_get_response"]["result"]["status"] == 1
    client.alibaba__einvoice_invoiceapply_update(apply_id=filed.apply_id, status=2, ex_info="")  # empty, signed
    done = client.alibaba__einvoice_invoiceapply_update(
        apply_id=filed.apply_id, status=0, ex_info='{"invoice_code": 66666666, "invoice_no": 88888}'
    )
    assert done == {
        "alibaba_einvoice_invoiceapply_update_response": {
            "result": True,
            "total_count": 1,
            "request_id": done_request_id(done),
        }
    }
    confirmed = client.tmc_messages_confirm(s_message_ids=str(message["id"]))
    assert confirmed["tmc_messages_confirm_response"]["is_success"] is True
    assert "messages" not in client.tmc_messages_consume(quantity=10)["tmc_messages_consume_response"]
    view = applications.get_for_customer(stack.runtime, OPERATOR, filed.apply_id)
    assert (view.status, view.invoice_code, view.invoice_no) == (ApplicationStatus.COMPLETED, "66666666", "88888")

    simplified = client.alibaba__einvoice_invoiceapply_get(apply_id=filed.apply_id, simplify=True)
    assert simplified["result"]["status"] == 0 and isinstance(simplified["result"]["invoice_item_list"], list)


@pytest.mark.usefixtures("shanghai_clock")
def test_taobaopy_sees_session_and_business_errors(stack: Stack) -> None:
    app = new_app(stack.runtime)
    alice = new_merchant(stack.runtime, app)
    bob = new_merchant(stack.runtime, app)
    alices = new_application(stack.runtime, alice)
    with pytest.raises(TaoBaoAPIError) as foreign:
        taobaopy_client(stack.url, app, bob.session).alibaba__einvoice_invoiceapply_get(apply_id=alices.apply_id)
    assert (foreign.value.code, foreign.value.sub_code) == (15, "isv.apply-not-exists")
    with pytest.raises(TaoBaoAPIError) as invalid:
        taobaopy_client(stack.url, app, "no-such-session").alibaba__einvoice_invoiceapply_get(apply_id=alices.apply_id)
    assert (invalid.value.code, invalid.value.sub_code) == (27, "invalid-sessionkey")
    with pytest.raises(TaoBaoAPIError) as missing:
        taobaopy_client(stack.url, app).alibaba__einvoice_invoiceapply_get()
    assert (missing.value.code, missing.value.msg) == (40, "Missing required arguments:apply_id")
    with pytest.raises(TaoBaoAPIError) as reason:
        taobaopy_client(stack.url, app).alibaba__einvoice_invoiceapply_update(apply_id=alices.apply_id, status=3)
    assert (reason.value.code, reason.value.sub_code) == (15, "isv.missing-parameter:ex_info")
    assert applications.get_for_customer(stack.runtime, OPERATOR, alices.apply_id).status is ApplicationStatus.PENDING


@pytest.mark.usefixtures("shanghai_clock")
def test_full_flow_customer_files_provider_processes_customer_sees_completed(stack: Stack) -> None:
    """File (REST) → consume → get → update 2, 4, 0 (both clients) → the customer sees it (REST and CLI)."""
    from tests import factories

    app = new_app(stack.runtime)
    merchant = new_merchant(stack.runtime, app)
    who = merchant.customer
    title = factories.approved_title(stack.runtime, who)
    item = factories.item(stack.runtime, who, original_fen=4500_00)
    address = factories.address(stack.runtime, who)
    with httpx.Client(base_url=stack.url + "/api/v1", auth=who.basic, timeout=10) as api:
        filed = api.post(
            "/applications",
            json={"title_id": title.id, "item_ids": [item.id], "amount_fen": 250_00, "address_id": address.id},
        )
        assert filed.status_code == 201, filed.text
        apply_id = filed.json()["apply_id"]

        client = taobaopy_client(stack.url, app)
        [message] = client.tmc_messages_consume()["tmc_messages_consume_response"]["messages"]["tmc_message"]
        assert message_apply_id(message) == apply_id
        port = stack.server.port
        got = sdk_get(port, app, apply_id, merchant.session)["alibaba_einvoice_invoiceapply_get_response"]
        assert (got["result"]["invoice_amount"], got["result"]["receiver_name"]) == ("250.00", "张三")
        client.alibaba__einvoice_invoiceapply_update(apply_id=apply_id, status=2, ex_info='{"message": "同意开票"}')
        assert api.get(f"/applications/{apply_id}").json()["status"] == "invoicing"
        sdk_update(
            port, app, apply_id, 4, {"logistics_no": "SF123", "logistics_company": "顺丰", "contact_name": "李四"}
        )
        client.alibaba__einvoice_invoiceapply_update(
            apply_id=apply_id, status=0, ex_info='{"invoice_code": "033001900111", "invoice_no": "12345678"}'
        )
        client.tmc_messages_confirm(s_message_ids=str(message["id"]))

        seen = api.get(f"/applications/{apply_id}").json()
        assert seen["status"] == "completed" and seen["invoice_no"] == "12345678"
        assert seen["sender_logistics_no"] == "SF123"
        assert [(h["from_status"], h["to_status"]) for h in seen["history"]] == [
            (None, "pending"),
            ("pending", "invoicing"),
            ("invoicing", "sent"),
            ("sent", "completed"),
        ]
        assert seen["history"][2]["actor"] == f"provider:{app.app_key}"
        listed = api.get("/applications", params={"status": "completed"}).json()
        assert [a["apply_id"] for a in listed["items"]] == [apply_id]
    shown = stack.cli.json("applications", "show", apply_id)
    assert shown["status"] == "completed" and len(shown["history"]) == 4
    final = sdk_get(port, app, apply_id)["alibaba_einvoice_invoiceapply_get_response"]["result"]
    assert (final["status"], final["sender_name"]) == (0, "李四")


def message_apply_id(message: dict[str, object]) -> str:
    content = json.loads(str(message["content"]))
    return str(content["apply_id"])


def done_request_id(response: dict[str, dict[str, object]]) -> object:
    request_id = response["alibaba_einvoice_invoiceapply_update_response"]["request_id"]
    assert isinstance(request_id, str) and request_id
    return request_id
