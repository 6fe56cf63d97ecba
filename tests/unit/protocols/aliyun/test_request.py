"""Parsing of raw requests as each transport encodes them (reference aliyun-rpc.md §1.3–1.4)."""

from __future__ import annotations

import pytest

from fapiao.protocols.aliyun.envelope import Format
from fapiao.protocols.aliyun.errors import Code, RpcError
from fapiao.protocols.aliyun.headers import HeaderMap
from fapiao.protocols.aliyun.request import MAX_FIELDS, decode_form, parse_request
from fapiao.protocols.aliyun.signing import Scheme

V3_AUTH = "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=00"


@pytest.mark.parametrize(
    "raw",
    [
        b"UserRemark=a+b%2A~%2F%E5%A4%87%E6%B3%A8",  # requests: space as +
        b"UserRemark=a%20b%2A%7E%2F%E5%A4%87%E6%B3%A8",  # core: space as %20
        b"UserRemark=a+b*~/%E5%A4%87%E6%B3%A8",  # aiohttp: * and / literal
        "UserRemark=a+b*~/备注".encode(),  # raw UTF-8 bytes
    ],
)
def test_every_transport_encoding_decodes_to_the_same_value(raw: bytes) -> None:
    assert decode_form(raw) == {"UserRemark": "a b*~/备注"}


def test_decode_form_keeps_blank_values_and_skips_empty_pieces() -> None:
    assert decode_form("SignatureType=&&a=1&flag") == {"SignatureType": "", "a": "1", "flag": ""}
    assert decode_form(b"") == {}


def test_decode_form_rejects_repeated_names_and_bad_utf8() -> None:
    with pytest.raises(RpcError) as caught:
        decode_form("a=1&a=2")
    assert (caught.value.code, caught.value.message) == (
        Code.INVALID_PARAMETER,
        'The specified parameter "a" is not valid.',
    )
    with pytest.raises(RpcError) as caught:
        decode_form("Name=%FF")
    assert '"Name"' in caught.value.message
    with pytest.raises(RpcError):
        decode_form(b"Name=\xff")


def test_decode_form_reads_up_to_max_fields_and_refuses_more_before_decoding() -> None:
    fields = "&".join(f"p{n}=1" for n in range(MAX_FIELDS))
    assert len(decode_form(fields + "&&")) == MAX_FIELDS  # empty pieces are skipped, not counted
    for too_many in (fields + "&x=1", "&" * 1_000_000 + "x=1", "a=1&" * 500_000):
        with pytest.raises(RpcError) as caught:
            decode_form(too_many)
        assert caught.value.message == 'The specified parameter "QueryString" is not valid.'


def test_v1_request_takes_action_version_and_format_from_params() -> None:
    req = parse_request(
        "post",
        b"Action=ApplyInvoice&Version=2017-12-14&Format=xml&Signature=s",
        {"x-acs-action": "Other", "x-acs-version": "2023-09-30"},
    )
    assert (req.method, req.scheme, req.action, req.version) == ("POST", Scheme.V1, "ApplyInvoice", "2017-12-14")
    assert req.format is Format.XML
    assert req.route() == ("2017-12-14", "ApplyInvoice")


def test_v3_request_takes_action_version_from_headers_only() -> None:
    req = parse_request(
        "POST",
        b"Action=Evil&Version=1999-01-01&OwnerId=1",
        {"Authorization": V3_AUTH, "X-Acs-Action": "ListInvoiceTitle", "x-acs-version": "2023-09-30"},
    )
    assert req.scheme is Scheme.V3
    assert req.route() == ("2023-09-30", "ListInvoiceTitle")
    assert req.format is Format.JSON
    assert req.query == {"Action": "Evil", "Version": "1999-01-01", "OwnerId": "1"}


def test_v3_without_action_header_names_the_header() -> None:
    req = parse_request("POST", b"Action=ApplyInvoice", {"Authorization": V3_AUTH, "x-acs-version": "2017-12-14"})
    with pytest.raises(RpcError) as caught:
        req.route()
    assert '"x-acs-action"' in caught.value.message


def test_unsigned_request_still_routes_for_error_reporting() -> None:
    req = parse_request("GET", b"Action=ApplyInvoice", {})
    assert req.scheme is None
    with pytest.raises(RpcError) as caught:
        req.route()
    assert (caught.value.code, caught.value.message.split('"')[1]) == (Code.MISSING_PARAMETER, "Version")


def test_only_get_and_post_are_routable() -> None:
    with pytest.raises(RpcError) as caught:
        parse_request("PUT", b"Action=A&Version=V", {}).route()
    assert (caught.value.code, caught.value.status) == (Code.UNSUPPORTED_HTTP_METHOD, 403)


def test_form_body_merges_and_replaces_query_value() -> None:
    req = parse_request(
        "POST",
        b"CustomerId=22&UserRemark=from-query",
        {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
        b"UserRemark=from+body&InvoiceAmount=1000",
    )
    assert req.content_type == "application/x-www-form-urlencoded"
    assert req.form == {"UserRemark": "from body", "InvoiceAmount": "1000"}
    assert req.params == {"CustomerId": "22", "UserRemark": "from body", "InvoiceAmount": "1000"}


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/octet-stream", b""),  # async tea: empty octet-stream body
        ("application/json; charset=utf-8", b'{"CustomerId": 23}'),
        ("application/x-www-form-urlencoded", b""),
        (None, b"CustomerId=23"),
    ],
)
def test_non_form_bodies_are_not_parameters(content_type: str | None, body: bytes) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    req = parse_request("POST", b"CustomerId=22", headers, body)
    assert req.params == {"CustomerId": "22"}
    assert req.form == {}
    assert req.body == body


def test_explicit_content_type_argument_wins_over_header() -> None:
    req = parse_request(
        "POST", b"", {"content-type": "text/plain"}, b"a=1", content_type=" Application/X-WWW-Form-Urlencoded"
    )
    assert req.params == {"a": "1"}


def test_headers_accept_asgi_byte_pairs_and_keep_repeats() -> None:
    req = parse_request("GET", b"", [(b"X-Acs-Test", b"http"), (b"x-acs-test", b"https"), (b"Host", b"h")])
    assert req.headers.get_all("X-ACS-TEST") == ["http", "https"]
    assert req.headers.get("host") == "h"
    assert "HOST" in req.headers
    assert "missing" not in req.headers
    assert len(HeaderMap(req.headers)) == 3


def test_parsed_request_is_read_only() -> None:
    req = parse_request("GET", b"a=1", {})
    with pytest.raises(TypeError):
        req.params["a"] = "2"  # type: ignore[index]
