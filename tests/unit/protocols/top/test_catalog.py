"""The method catalog's parameter checks (40/41) and the wire codes of the domain values."""

from __future__ import annotations

import pytest

from fapiao.domain.applications import ApplicationStatus, ItemType
from fapiao.domain.errors import IllegalTransition, MissingValue, NotFound
from fapiao.domain.titles import InvoiceKind
from fapiao.protocols.top.catalog import CATALOG, SESSION_RULES, business_error_for
from fapiao.protocols.top.checks import SessionRule
from fapiao.protocols.top.errors import TopError
from fapiao.protocols.top.mapping import INVOICE_TYPE_CODES, ITEM_TYPE_CODES, STATUS_BY_CODE, STATUS_CODES
from fapiao.protocols.top.params import parse_params

UPDATE = CATALOG["alibaba.einvoice.invoiceapply.update"].params
CONFIRM = CATALOG["taobao.tmc.messages.confirm"].params


def refusal(params: dict[str, str], declared: tuple[object, ...] = UPDATE) -> tuple[int, str]:
    with pytest.raises(TopError) as caught:
        parse_params(declared, params)  # type: ignore[arg-type]
    return caught.value.code, caught.value.msg


def test_wire_codes_are_the_documented_numbers() -> None:
    assert {s.value: c for s, c in STATUS_CODES.items()} == {
        "pending": 1,
        "invoicing": 2,
        "rejected": 3,
        "sent": 4,
        "completed": 0,
    }
    assert all(STATUS_BY_CODE[code] is status for status, code in STATUS_CODES.items())
    assert set(STATUS_CODES) == set(ApplicationStatus)
    assert INVOICE_TYPE_CODES == {InvoiceKind.PLAIN: 1, InvoiceKind.SPECIAL: 2}
    assert ITEM_TYPE_CODES == {ItemType.TAX_CONTROL_UNIT: 1, ItemType.DAILY_BILL: 2}


def test_update_arguments() -> None:
    assert parse_params(UPDATE, {"apply_id": "A1", "status": "4", "ex_info": "", "extra": "ignored"}) == {
        "apply_id": "A1",
        "status": 4,
        "ex_info": None,
    }
    assert refusal({"status": "2"}) == (40, "Missing required arguments:apply_id")
    assert refusal({"apply_id": "", "status": "2"}) == (40, "Missing required arguments:apply_id")
    assert refusal({"apply_id": "A1"}) == (40, "Missing required arguments:status")
    for bad in ("5", "-1", "1.0", "two", "99999999999999999999"):
        assert refusal({"apply_id": "A1", "status": bad}) == (41, "Invalid arguments:status")
    assert refusal({"apply_id": "A" * 65, "status": "2"}) == (41, "Invalid arguments:apply_id")


def test_confirm_arguments() -> None:
    assert parse_params(CONFIRM, {"s_message_ids": "1, 2"})["s_message_ids"] == ("1", "2")
    assert refusal({}, CONFIRM) == (40, "Missing required arguments:s_message_ids")
    assert refusal({"s_message_ids": "1,,2"}, CONFIRM) == (41, "Invalid arguments:s_message_ids")
    too_many = ",".join(map(str, range(201)))
    assert refusal({"s_message_ids": too_many}, CONFIRM) == (41, "Invalid arguments:s_message_ids")


def test_sessions_are_optional_everywhere_and_business_errors_are_isv() -> None:
    assert set(SESSION_RULES.values()) == {SessionRule.OPTIONAL}
    update = CATALOG["alibaba.einvoice.invoiceapply.update"]
    assert business_error_for(NotFound("x"), update.wire_field).sub_code == "isv.apply-not-exists"
    assert business_error_for(IllegalTransition("x"), update.wire_field).sub_code == "isv.illegal-status-transition"
    missing = business_error_for(MissingValue("reason needed", field="details"), update.wire_field)
    assert (missing.code, missing.msg, missing.sub_code, missing.sub_msg) == (
        15,
        "Remote service error",
        "isv.missing-parameter:ex_info",
        "reason needed",
    )
