"""Envelopes against the seed's examples and the real bodies quoted in the reference.

The XML fixtures are the seed's ``响应示例``/``异常示例`` copied verbatim (test_fixtures_match_the_seed guards the
copy). The seed page shows no JSON text, so its JSON form is derived from its XML by TOP's documented rules:
same names, ``Number`` fields as JSON numbers (types from the seed's parameter table), lists with the item
layer. Real bodies from reference §3–§4 pin the byte layout.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fapiao.protocols.top import errors
from fapiao.protocols.top.envelope import (
    Format,
    ListOf,
    Value,
    list_layer_name,
    new_request_id,
    render_error,
    render_success,
    requested_format,
    response_root,
)
from fapiao.protocols.top.errors import Code, platform_error
from tests.support.paths import FIXTURES

from ._support import GET

SEED = Path("/work/shared/seeds/003_2aaf12ddd9abffb1.txt")
SEED_NUMBER_FIELDS = {"status", "item_type", "invoice_type", "total_count"}  # "Number" in the seed's table
SEED_LIST_FIELDS = {"invoice_item_list": "user_invoice_item_d_t_o"}
RID = "r4lu3uaf87g2"

SEED_FIELDS: dict[str, Value] = {
    "result": {
        "apply_id": "123456ABC",
        "invoice_amount": "250.00",
        "payee_register_no": "91009182039X",
        "company_name": "阿里巴巴",
        "bank": "招商银行余杭支行",
        "bank_account": "6226098873832274",
        "status": 1,
        "receiver_address": "杭州市余杭区文一西路969号",
        "receiver_name": "张三",
        "receiver_phone": "18588888888",
        "sender_name": "李四",
        "sender_phone": "18600000000",
        "sender_logistics_company": "菜鸟果果",
        "sender_logistics_no": "9180980123",
        "invoice_item_list": ListOf.of_type(
            "UserInvoiceItemDTO",
            [{"item_name": "税控服务", "item_type": 1, "amount": "4500.00", "bill_date": "2016-11-11"}],
        ),
        "invoice_type": 1,
        "invoice_payee_register_no": "87987203945ABC",
        "invoice_address": "浙江省杭州市文一西路969号",
        "invoice_phone": "0756-8862222",
    },
    "total_count": 1,
}

Tree = tuple[str, str, list["Tree"]]


def tree(element: ET.Element) -> Tree:
    """Tag, stripped text, children in order: whitespace between elements is layout, not content."""
    return (element.tag, (element.text or "").strip(), [tree(child) for child in element])


def without_request_id(element: ET.Element) -> ET.Element:
    last = element[-1]
    assert last.tag == "request_id"
    assert re.fullmatch(r"[0-9a-z]{12,13}", last.text or "")
    element.remove(last)
    return element


def parse_xml(data: bytes | str) -> ET.Element:
    return ET.fromstring(data)  # noqa: S314 - our own output and checked-in fixtures


def seed_xml(name: str) -> ET.Element:
    return parse_xml((FIXTURES / name).read_text(encoding="utf-8"))


def json_from_seed_xml(element: ET.Element, simplify: bool) -> Any:
    """The seed XML in TOP's JSON form, as ordered (key, value) pairs."""
    if element.tag in SEED_LIST_FIELDS:
        items = [json_from_seed_xml(child, simplify) for child in element]
        return items if simplify else [(SEED_LIST_FIELDS[element.tag], items)]
    if len(element):
        return [(child.tag, json_from_seed_xml(child, simplify)) for child in element]
    text = element.text or ""
    return int(text) if element.tag in SEED_NUMBER_FIELDS else text


def ordered(body: bytes) -> Any:
    """Parse JSON keeping key order, so comparisons check order too."""
    return json.loads(body, object_pairs_hook=list)


def test_fixtures_match_the_seed() -> None:
    if not SEED.exists():
        pytest.skip("seed text not available outside the authoring workspace")
    seed = SEED.read_text(encoding="utf-8")
    for name in ("seed_003_invoiceapply_get.xml", "seed_003_error.xml"):
        assert (FIXTURES / name).read_text(encoding="utf-8").strip() in seed


def test_seed_xml_example() -> None:
    rendered = render_success(GET, SEED_FIELDS, fmt=Format.XML, simplify=False, request_id=RID)
    assert rendered.media_type == "text/xml;charset=UTF-8"
    assert rendered.body.startswith(
        b'<?xml version="1.0" encoding="utf-8" ?><alibaba_einvoice_invoiceapply_get_response><result>'
    )
    ours = without_request_id(parse_xml(rendered.body))
    assert tree(ours) == tree(seed_xml("seed_003_invoiceapply_get.xml"))


@pytest.mark.parametrize("simplify", [False, True])
def test_seed_json_example(simplify: bool) -> None:
    rendered = render_success(GET, SEED_FIELDS, fmt=Format.JSON, simplify=simplify, request_id=RID)
    assert rendered.media_type == "application/json;charset=UTF-8"
    body = json_from_seed_xml(seed_xml("seed_003_invoiceapply_get.xml"), simplify)
    inner = [*body, ("request_id", RID)]
    assert ordered(rendered.body) == (inner if simplify else [(response_root(GET), inner)])


def test_simplified_list_has_no_item_layer() -> None:
    rendered = render_success(GET, SEED_FIELDS, fmt=Format.JSON, simplify=True, request_id=RID)
    items = json.loads(rendered.body)["result"]["invoice_item_list"]
    assert items == [{"item_name": "税控服务", "item_type": 1, "amount": "4500.00", "bill_date": "2016-11-11"}]


def test_seed_error_example() -> None:
    error = platform_error(Code.DOC_REMOTE_SERVICE_ERROR, sub_code="isv.invalid-parameter", sub_msg="非法参数")
    rendered = render_error(error, fmt=Format.XML, request_id=RID)
    ours = without_request_id(parse_xml(rendered.body))
    assert tree(ours) == tree(seed_xml("seed_003_error.xml"))


def test_real_success_body_byte_for_byte() -> None:
    fields: dict[str, Value] = {"result": {"err_code": "0", "model": "100663458616^1101070900185", "success": True}}
    rendered = render_success("alibaba.aliqin.fc.sms.num.send", fields, fmt=Format.JSON, simplify=False, request_id=RID)
    assert rendered.body == (
        b'{"alibaba_aliqin_fc_sms_num_send_response":{"result":{"err_code":"0",'
        b'"model":"100663458616^1101070900185","success":true},"request_id":"r4lu3uaf87g2"}}'
    )


@pytest.mark.parametrize(
    ("error", "request_id", "expected"),
    [
        (
            errors.business_error("isv.MOBILE_NUMBER_ILLEGAL", "号码格式错误"),
            "ishfhkt4jeym",
            '{"error_response":{"code":15,"msg":"Remote service error","sub_code":"isv.MOBILE_NUMBER_ILLEGAL",'
            '"sub_msg":"号码格式错误","request_id":"ishfhkt4jeym"}}',
        ),
        (
            errors.missing_parameter("phone_no_b"),
            "zt9pqaglr3tk",
            '{"error_response":{"code":40,"msg":"Missing required arguments:phone_no_b","request_id":"zt9pqaglr3tk"}}',
        ),
        (
            platform_error(Code.INVALID_SIGNATURE),
            "4jkl5mhpc274",
            '{"error_response":{"code":25,"msg":"Invalid signature","request_id":"4jkl5mhpc274"}}',
        ),
        (
            errors.invalid_app_key(),
            "157dldoj7tr3e",
            '{"error_response":{"code":29,"msg":"Invalid app Key","sub_code":"isv.appkey-not-exists",'
            '"request_id":"157dldoj7tr3e"}}',
        ),
        (
            errors.missing_method(),
            "14ibtxvb4vqjh",
            '{"error_response":{"code":21,"msg":"Missing method","sub_msg":"http传入的参数加入method字段",'
            '"request_id":"14ibtxvb4vqjh"}}',
        ),
    ],
)
def test_real_error_bodies_byte_for_byte(error: errors.TopError, request_id: str, expected: str) -> None:
    assert render_error(error, fmt=Format.JSON, request_id=request_id).body == expected.encode("utf-8")


def test_real_xml_error_body_byte_for_byte() -> None:
    rendered = render_error(errors.invalid_app_key(), fmt=Format.XML, request_id="14sqam8deckzh")
    assert rendered.body == (
        b'<?xml version="1.0" encoding="utf-8" ?><error_response><code>29</code><msg>Invalid app Key</msg>'
        b"<sub_code>isv.appkey-not-exists</sub_code><request_id>14sqam8deckzh</request_id></error_response>"
    )


def test_update_response_booleans() -> None:
    fields: dict[str, Value] = {"result": True, "total_count": 1}
    method = "alibaba.einvoice.invoiceapply.update"
    as_json = render_success(method, fields, fmt=Format.JSON, simplify=False, request_id=RID)
    as_xml = render_success(method, fields, fmt=Format.XML, simplify=False, request_id=RID)
    assert as_json.body == (
        b'{"alibaba_einvoice_invoiceapply_update_response":{"result":true,"total_count":1,"request_id":"r4lu3uaf87g2"}}'
    )
    assert as_xml.body == (
        b'<?xml version="1.0" encoding="utf-8" ?><alibaba_einvoice_invoiceapply_update_response>'
        b"<result>true</result><total_count>1</total_count><request_id>r4lu3uaf87g2</request_id>"
        b"</alibaba_einvoice_invoiceapply_update_response>"
    )


TMC_CONTENT = '{"apply_id":"123456ABC","company_name":"阿里巴巴","payee_register_no":"91009182039X"}'
TMC_FIELDS: dict[str, Value] = {
    "messages": ListOf.of_type(
        "TmcMessage",
        [
            {
                "user_id": 12345,
                "user_nick": "helloworld",
                "content": TMC_CONTENT,
                "id": 123456789,
                "pub_time": datetime(2026, 11, 21, 4, 0, 0, tzinfo=UTC),
                "pub_app_key": "45671234",
                "topic": "alibaba_invoice_InvoiceApply",
            }
        ],
    )
}


def test_tmc_consume_json_matches_reference_example() -> None:
    rendered = render_success(
        "taobao.tmc.messages.consume", TMC_FIELDS, fmt=Format.JSON, simplify=False, request_id=RID
    )
    message = (
        '{"user_id":12345,"user_nick":"helloworld","content":"{\\"apply_id\\":\\"123456ABC\\",'
        '\\"company_name\\":\\"阿里巴巴\\",\\"payee_register_no\\":\\"91009182039X\\"}","id":123456789,'
        '"pub_time":"2026-11-21 12:00:00","pub_app_key":"45671234","topic":"alibaba_invoice_InvoiceApply"}'
    )
    assert rendered.body.decode("utf-8") == (
        '{"tmc_messages_consume_response":{"messages":{"tmc_message":[' + message + ']},"request_id":"' + RID + '"}}'
    )
    simplified = render_success(
        "taobao.tmc.messages.consume", TMC_FIELDS, fmt=Format.JSON, simplify=True, request_id=RID
    )
    assert simplified.body.decode("utf-8") == '{"messages":[' + message + '],"request_id":"' + RID + '"}'


def test_tmc_consume_xml_escapes_the_json_content() -> None:
    rendered = render_success(
        "taobao.tmc.messages.consume", TMC_FIELDS, fmt=Format.XML, simplify=False, request_id=RID
    ).body.decode("utf-8")
    assert "<tmc_messages_consume_response><messages><tmc_message><user_id>12345</user_id>" in rendered
    assert "<content>{&quot;apply_id&quot;:&quot;123456ABC&quot;," in rendered
    assert "<pub_time>2026-11-21 12:00:00</pub_time>" in rendered
    parsed = parse_xml(rendered)
    assert parsed.findtext("messages/tmc_message/content") == TMC_CONTENT


def test_xml_escaping_and_illegal_characters() -> None:
    fields: dict[str, Value] = {"result": {"message": 'a<b & "c" > d\x00\x1f\''}}
    body = render_success(GET, fields, fmt=Format.XML, simplify=False, request_id=RID).body
    assert b"<message>a&lt;b &amp; &quot;c&quot; &gt; d'</message>" in body
    assert parse_xml(body).findtext("result/message") == 'a<b & "c" > d\''


def test_scalar_lists_and_empty_lists() -> None:
    fields: dict[str, Value] = {"uid_succ": ListOf.of_type("String[]", ["5b71", "6c82"]), "none": ListOf("x", [])}
    as_json = render_success(GET, fields, fmt=Format.JSON, simplify=False, request_id=RID).body
    assert b'"uid_succ":{"string":["5b71","6c82"]},"none":{"x":[]}' in as_json
    as_xml = render_success(GET, fields, fmt=Format.XML, simplify=False, request_id=RID).body
    assert b"<uid_succ><string>5b71</string><string>6c82</string></uid_succ><none></none>" in as_xml


def test_none_fields_are_omitted() -> None:
    fields: dict[str, Value] = {"result": {"apply_id": "A1", "bank": None}, "total_count": None}
    as_json = render_success(GET, fields, fmt=Format.JSON, simplify=True, request_id=RID).body
    as_xml = render_success(GET, fields, fmt=Format.XML, simplify=False, request_id=RID).body
    assert as_json == b'{"result":{"apply_id":"A1"},"request_id":"r4lu3uaf87g2"}'
    assert b"bank" not in as_xml
    assert b"total_count" not in as_xml


@pytest.mark.parametrize("value", [250.0, Decimal("250.00")])
def test_amounts_must_be_strings(value: object) -> None:
    fields = {"result": {"invoice_amount": value}}
    for fmt in Format:
        with pytest.raises(TypeError, match="strings"):
            render_success(GET, fields, fmt=fmt, simplify=False, request_id=RID)  # type: ignore[arg-type]


def test_nested_lists_are_refused() -> None:
    fields: dict[str, Value] = {"x": ListOf("a", [ListOf("b", [])])}
    with pytest.raises(TypeError, match="nested"):
        render_success(GET, fields, fmt=Format.JSON, simplify=False, request_id=RID)


def test_simplify_does_not_change_errors() -> None:
    # render_error has no simplify switch: an error body is the same whatever the request asked for.
    body = render_error(errors.invalid_session(), fmt=Format.JSON, request_id=RID).body
    assert json.loads(body) == {
        "error_response": {
            "code": 27,
            "msg": "Invalid session",
            "sub_code": "invalid-sessionkey",
            "request_id": RID,
        }
    }


@pytest.mark.parametrize(
    ("type_name", "layer"),
    [
        ("UserInvoiceItemDTO", "user_invoice_item_d_t_o"),
        ("TmcMessage", "tmc_message"),
        ("InvoiceCreateSimpleResultDto", "invoice_create_simple_result_dto"),
        ("String[]", "string"),
        ("Number[]", "number"),
    ],
)
def test_list_layer_names(type_name: str, layer: str) -> None:
    assert list_layer_name(type_name) == layer


@pytest.mark.parametrize(
    ("method", "root"),
    [
        ("taobao.user.seller.get", "user_seller_get_response"),
        ("taobao.tmc.messages.consume", "tmc_messages_consume_response"),
        ("alibaba.einvoice.invoiceapply.get", "alibaba_einvoice_invoiceapply_get_response"),
    ],
)
def test_response_root(method: str, root: str) -> None:
    assert response_root(method) == root


def test_request_ids_look_like_tops() -> None:
    ids = {new_request_id() for _ in range(500)}
    assert len(ids) == 500
    assert all(re.fullmatch(r"[0-9a-z]{12,13}", rid) for rid in ids)


@pytest.mark.parametrize(
    ("params", "fmt"),
    [
        ({}, Format.XML),
        ({"format": "json"}, Format.JSON),
        ({"format": "JSON"}, Format.JSON),
        ({"format": "x"}, Format.XML),
    ],
)
def test_requested_format_for_errors(params: dict[str, str], fmt: Format) -> None:
    assert requested_format(params) is fmt
