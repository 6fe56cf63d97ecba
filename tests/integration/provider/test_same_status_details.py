"""``invoiceapply.update`` repeating the current status, through the real py-taobao-open client: a plain retry
changes nothing; changed ``ex_info`` (a corrected waybill, a corrected invoice number) is applied and recorded,
never dropped while the answer says ``true``; money is settled once."""

from __future__ import annotations

import pytest

from fapiao.applications import service as applications
from fapiao.applications.views import ApplicationView
from fapiao.items import service as items
from fapiao.usecases.actor import OPERATOR

from .conftest import Stack
from .support import new_app, new_application, new_merchant, sdk_get, sdk_update

pytestmark = pytest.mark.slow


def _stored(stack: Stack, apply_id: str) -> ApplicationView:
    return applications.get_for_customer(stack.runtime, OPERATOR, apply_id)


def test_repeating_a_status_with_changed_ex_info_applies_it(stack: Stack) -> None:
    app = new_app(stack.runtime)
    merchant = new_merchant(stack.runtime, app)
    filed = new_application(stack.runtime, merchant)  # paper: it is sent before it is completed
    port, apply_id = stack.server.port, filed.apply_id

    def update(status: int, ex_info: dict[str, object] | None = None) -> object:
        answer = sdk_update(port, app, apply_id, status, ex_info, merchant.session)
        return answer["alibaba_einvoice_invoiceapply_update_response"]["result"]

    assert update(2, {"message": "同意开票"}) is True
    assert update(4, {"logistics_no": "SF1000", "logistics_company": "顺丰"}) is True
    moved = len(_stored(stack, apply_id).history)

    # a retry, with the same details or none: nothing new
    assert update(4, {"logistics_no": "SF1000", "logistics_company": "顺丰"}) is True
    assert update(4) is True
    assert len(_stored(stack, apply_id).history) == moved

    # a corrected waybill: applied, what the provider and the customer read, and in the history
    assert update(4, {"logistics_no": "SF2000"}) is True
    shipped = sdk_get(port, app, apply_id, merchant.session)["alibaba_einvoice_invoiceapply_get_response"]["result"]
    assert (shipped["status"], shipped["sender_logistics_no"], shipped["sender_logistics_company"]) == (
        4,
        "SF2000",
        "顺丰",
    )
    corrected = _stored(stack, apply_id)
    assert corrected.sender_logistics_no == "SF2000" and len(corrected.history) == moved + 1

    # completed, then a corrected invoice number: applied, and the items are invoiced once, not twice
    assert update(0, {"invoice_code": "044001", "invoice_no": "88888"}) is True
    (line,) = corrected.lines
    assert line.item_id is not None
    invoiced = items.get_item(stack.runtime, OPERATOR, line.item_id).invoiced_fen
    assert invoiced == corrected.amount_fen
    assert update(0, {"invoice_no": "88889"}) is True
    assert _stored(stack, apply_id).invoice_no == "88889"
    assert items.get_item(stack.runtime, OPERATOR, line.item_id).invoiced_fen == invoiced
