"""The method catalog's parameter checks (40/41) and the wire codes of the domain values."""

from __future__ import annotations

from pathlib import Path

import pytest

from fapiao.applications.commands import UpdateApplicationStatus
from fapiao.domain.applications import ApplicationStatus, ExInfo, ItemType
from fapiao.domain.errors import IllegalTransition, MissingValue, NotFound
from fapiao.domain.titles import InvoiceKind
from fapiao.protocols.top import reference
from fapiao.protocols.top.catalog import CATALOG, SESSION_RULES, business_error_for
from fapiao.protocols.top.checks import SessionRule
from fapiao.protocols.top.errors import TopError
from fapiao.protocols.top.mapping import INVOICE_TYPE_CODES, ITEM_TYPE_CODES, STATUS_BY_CODE, STATUS_CODES
from fapiao.protocols.top.params import parse_params
from fapiao.tmc.commands import MAX_MESSAGE_ID, ConfirmMessages, ConsumeMessages
from fapiao.usecases.spec import fields_of

ROOT = Path(__file__).resolve().parents[4]

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


def test_arguments_become_the_command_with_its_defaults() -> None:
    update = CATALOG["alibaba.einvoice.invoiceapply.update"]
    args = parse_params(update.params, {"apply_id": "A1", "status": "3", "ex_info": '{"message": "不符", "x": 1}'})
    assert update.command_of(args) == UpdateApplicationStatus("A1", ApplicationStatus.REJECTED, ExInfo(message="不符"))
    assert update.command_of(parse_params(update.params, {"apply_id": "A1", "status": "0"})).details == ExInfo()
    with pytest.raises(TopError) as not_an_object:
        update.command_of(parse_params(update.params, {"apply_id": "A1", "status": "2", "ex_info": "[1]"}))
    assert (not_an_object.value.code, not_an_object.value.msg) == (41, "Invalid arguments:ex_info")
    consume = CATALOG["taobao.tmc.messages.consume"]
    assert consume.command_of(parse_params(consume.params, {})) == ConsumeMessages()
    confirm = CATALOG["taobao.tmc.messages.confirm"]
    args = parse_params(CONFIRM, {"s_message_ids": "1,2", "f_message_ids": "3", "group_name": "g"})
    assert confirm.command_of(args) == ConfirmMessages((1, 2), (3,), "g")


def test_message_ids_beyond_int64_are_invalid_arguments() -> None:
    confirm = CATALOG["taobao.tmc.messages.confirm"]
    largest = parse_params(CONFIRM, {"s_message_ids": str(MAX_MESSAGE_ID)})
    assert confirm.command_of(largest).message_ids == (MAX_MESSAGE_ID,)
    for name in ("s_message_ids", "f_message_ids"):
        for bad in (str(MAX_MESSAGE_ID + 1), "9" * 19, "9" * 5000, "-1", "0", "1e3"):
            args = parse_params(CONFIRM, {"s_message_ids": "1", name: bad})
            with pytest.raises(TopError) as caught:
                confirm.command_of(args)
            assert (caught.value.code, caught.value.msg) == (41, f"Invalid arguments:{name}")


def test_limits_and_wire_names_come_from_the_command_declarations() -> None:
    for api in CATALOG.values():
        fields = fields_of(api.command)
        for param in api.params:
            assert param.field is not None and param.field in fields, (api.name, param.name)
            if fields[param.field].max_length is not None:
                assert param.max_length == fields[param.field].max_length
        assert dict(api.fields) == {p.field: p.name for p in api.params}
        assert api.permission and api.session
    confirm = CATALOG["taobao.tmc.messages.confirm"]
    assert (confirm.wire_field("message_ids"), confirm.wire_field("failed_ids")) == ("s_message_ids", "f_message_ids")
    assert CATALOG["alibaba.einvoice.invoiceapply.update"].wire_field("details") == "ex_info"
    assert CATALOG["taobao.tmc.messages.consume"].params[1].maximum == 200


def test_the_reference_page_is_current() -> None:
    committed = (ROOT / reference.DOCS_PATH).read_text(encoding="utf-8")
    assert committed == reference.render(), "run `fapiao docs top` and commit docs/top-api.md"
    assert "GMT+8" in committed and "| 2 invoicing | 0 completed | electronic |" in committed


@pytest.mark.parametrize(
    ("params", "declared", "name"),
    [
        ({"apply_id": "A\x001", "status": "2"}, UPDATE, "apply_id"),
        ({"s_message_ids": "1,\x002"}, CONFIRM, "s_message_ids"),
        ({"s_message_ids": "1", "group_name": "\x00"}, CONFIRM, "group_name"),
    ],
)
def test_text_with_nul_is_invalid_arguments(params: dict[str, str], declared: tuple[object, ...], name: str) -> None:
    assert refusal(params, declared) == (41, f"Invalid arguments:{name}")


@pytest.mark.parametrize(
    "ex_info",
    ["[" * 1999 + "]" * 1999, '{"a":' * 800 + "1" + "}" * 800, '{"message": "a\\u0000b"}', '{"message": NaN}'],
)
def test_ex_info_too_deep_with_nul_or_not_json_is_invalid_arguments(ex_info: str) -> None:
    update = CATALOG["alibaba.einvoice.invoiceapply.update"]
    with pytest.raises(TopError) as caught:
        update.command_of(parse_params(update.params, {"apply_id": "A1", "status": "3", "ex_info": ex_info}))
    assert (caught.value.code, caught.value.msg) == (41, "Invalid arguments:ex_info")


@pytest.mark.parametrize("ids", ["9999999999999999999", "9223372036854775808", "0", "１２", "²"])
def test_message_ids_beyond_int64_or_not_ascii_digits_are_invalid_arguments(ids: str) -> None:
    confirm = CATALOG["taobao.tmc.messages.confirm"]
    with pytest.raises(TopError) as caught:
        confirm.command_of(parse_params(confirm.params, {"s_message_ids": ids}))
    assert (caught.value.code, caught.value.msg) == (41, "Invalid arguments:s_message_ids")
