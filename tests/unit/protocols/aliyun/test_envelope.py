"""Byte-exact success and error documents, JSON and XML."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from fapiao.protocols.aliyun import envelope, errors
from fapiao.protocols.aliyun.envelope import Format

RID = "BBEF51A3-E933-4F40-A534-C673CBDB9C80"


def test_request_id_shape() -> None:
    ids = {envelope.new_request_id() for _ in range(50)}
    assert len(ids) == 50
    for rid in ids:
        assert re.fullmatch(r"[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}", rid)


def test_format_parse_is_case_insensitive_and_defaults_to_json() -> None:
    assert Format.parse("xml") is Format.XML
    assert Format.parse("XML") is Format.XML
    assert Format.parse("json") is Format.JSON
    assert Format.parse(None) is Format.JSON
    assert Format.parse("yaml") is Format.JSON


def test_success_json_bytes() -> None:
    data = {
        "Code": "Success",
        "Message": "Successful!",
        "Success": True,
        "Data": {"CustomerInvoiceList": {"CustomerInvoice": [{"Id": 1001, "InvoiceTitle": "示例科技有限公司"}]}},
    }
    out = envelope.render_success(data, action="QueryInvoicingCustomerList", request_id=RID)
    assert out.status == 200
    assert out.content_type == "application/json;charset=utf-8"
    assert (
        out.body
        == (
            '{"RequestId":"BBEF51A3-E933-4F40-A534-C673CBDB9C80","Code":"Success","Message":"Successful!",'
            '"Success":true,"Data":{"CustomerInvoiceList":{"CustomerInvoice":[{"Id":1001,'
            '"InvoiceTitle":"示例科技有限公司"}]}}}'
        ).encode()
    )


def test_success_document_request_id_is_ours() -> None:
    assert envelope.success_document({"RequestId": "theirs", "A": 1}, RID) == {"RequestId": RID, "A": 1}


def test_success_xml_wraps_lists_by_repeating_elements() -> None:
    data = {
        "Success": True,
        "Data": {"CustomerInvoiceList": {"CustomerInvoice": [{"Id": 1, "Bank": "招商&银行"}, {"Id": 2}]}},
        "Skipped": None,
    }
    out = envelope.render_success(data, action="QueryInvoicingCustomerList", request_id=RID, fmt=Format.XML)
    assert out.content_type == "text/xml;charset=utf-8"
    assert out.body.decode() == (
        "<?xml version='1.0' encoding='UTF-8'?><QueryInvoicingCustomerListResponse>"
        f"<RequestId>{RID}</RequestId><Success>true</Success><Data><CustomerInvoiceList>"
        "<CustomerInvoice><Id>1</Id><Bank>招商&amp;银行</Bank></CustomerInvoice>"
        "<CustomerInvoice><Id>2</Id></CustomerInvoice>"
        "</CustomerInvoiceList></Data></QueryInvoicingCustomerListResponse>"
    )


def test_success_xml_top_level_array_repeats_data() -> None:
    out = envelope.to_xml({"Data": [{"Id": "1"}, {"Id": "2"}], "Metadata": {}}, "ListInvoiceTitleResponse")
    assert out.decode().endswith(
        "<ListInvoiceTitleResponse><Data><Id>1</Id></Data><Data><Id>2</Id></Data>"
        "<Metadata /></ListInvoiceTitleResponse>"
    )


def test_error_json_document() -> None:
    out = envelope.render_error(errors.invalid_parameter("PageSize"), request_id=RID)
    assert out.status == 400
    assert out.headers == {}
    assert json.loads(out.body) == {
        "RequestId": RID,
        "HostId": "business.aliyuncs.com",
        "Code": "InvalidParameter",
        "Message": 'The specified parameter "PageSize" is not valid.',
        "Recommend": f"https://api.aliyun.com/troubleshoot?q=InvalidParameter&product=BssOpenApi&requestId={RID}",
    }
    assert list(json.loads(out.body)) == ["RequestId", "HostId", "Code", "Message", "Recommend"]


def test_error_with_ram_detail_and_throttling_header() -> None:
    ram = envelope.render_error(errors.forbidden_ram("bss:ApplyInvoice"), request_id=RID, host_id="127.0.0.1:8080")
    doc = json.loads(ram.body)
    assert doc["HostId"] == "127.0.0.1:8080"
    assert doc["AccessDeniedDetail"]["AuthAction"] == "bss:ApplyInvoice"
    throttled = envelope.render_error(errors.throttling_user(retry_after_ms=200), request_id=RID)
    assert throttled.headers == {"x-acs-retry-after": "200"}


def test_error_xml_document() -> None:
    error = errors.RpcError("X", 'a<b & "c"', 500, recommend="https://example.test/r")
    out = envelope.render_error(error, request_id=RID, fmt=Format.XML)
    assert out.status == 500
    assert out.body.decode() == (
        f"<?xml version='1.0' encoding='UTF-8'?><Error><RequestId>{RID}</RequestId>"
        '<HostId>business.aliyuncs.com</HostId><Code>X</Code><Message>a&lt;b &amp; "c"</Message>'
        "<Recommend>https://example.test/r</Recommend></Error>"
    )


@pytest.mark.parametrize("bad", [1.5, Decimal("1.50"), {"nested": [0.1]}])
def test_floats_and_decimals_are_refused(bad: object) -> None:
    with pytest.raises(TypeError, match="int cents or a decimal string"):
        envelope.to_json({"Amount": bad})
    with pytest.raises(TypeError, match="int cents or a decimal string"):
        envelope.to_xml({"Amount": bad}, "R")


def test_xml_rejects_unusable_element_names() -> None:
    with pytest.raises(ValueError, match="XML element name"):
        envelope.to_xml({"bad name": 1}, "R")
