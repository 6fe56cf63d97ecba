from __future__ import annotations

import pytest

from fapiao.protocols.top.errors import TopError
from fapiao.protocols.top.request import MAX_PARAMS, ParsedRequest, UploadedFile, parse_request

FORM = "application/x-www-form-urlencoded"


def parse_error(verb: str, query: str, content_type: str | None, body: bytes) -> TopError:
    with pytest.raises(TopError) as caught:
        parse_request(verb, query, content_type, body)
    return caught.value


def test_query_and_body_are_merged() -> None:
    parsed = parse_request("POST", "method=a.b&v=2.0", f"{FORM};charset=UTF-8", b"apply_id=1&ex_info=")
    assert parsed == ParsedRequest({"method": "a.b", "v": "2.0", "apply_id": "1", "ex_info": ""})


def test_get_reads_only_the_query() -> None:
    assert parse_request("GET", b"a=1", FORM, b"b=2").params == {"a": "1"}


def test_body_wins_over_query_and_later_over_earlier() -> None:
    parsed = parse_request("POST", "format=xml&x=1&x=2", FORM, b"format=json")
    assert parsed.params == {"format": "json", "x": "2"}


@pytest.mark.parametrize(
    "body",
    [
        b"t=2026-11-21+12%3A19%3A18&m=%E5%8F%91%E7%A5%A8",  # taobaopy: + for space
        b"t=2026-11-21%2012:19:18&m=\xe5\x8f\x91\xe7\xa5\xa8",  # %20 and raw UTF-8 bytes
    ],
)
def test_decoding_without_charset_is_utf8(body: bytes) -> None:
    assert parse_request("POST", "", FORM, body).params == {"t": "2026-11-21 12:19:18", "m": "发票"}


@pytest.mark.parametrize("charset", ["GBK", "gbk", "CP936", "GB2312", "gb2312"])
def test_gbk_is_accepted_under_its_names(charset: str) -> None:
    body = "m=发票".encode("gbk")
    assert parse_request("POST", "", f"{FORM}; charset={charset}", body).params == {"m": "发票"}
    assert parse_request("POST", "", f"{FORM}; charset=UTF_8", "m=发票".encode()).params == {"m": "发票"}


def test_declared_charset_is_honoured() -> None:
    body = "m=发票".encode("gbk")
    assert parse_request("POST", "", f"{FORM}; charset=GBK", body).params == {"m": "发票"}


def test_query_is_utf8_as_bytes_or_str() -> None:
    raw = b"m=%E5%8F%91%E7%A5%A8&n=\xe7\xa5\xa8&flag"
    expected = {"m": "发票", "n": "票", "flag": ""}
    assert parse_request("GET", raw, None, b"").params == expected
    assert parse_request("GET", raw.decode("latin-1"), None, b"").params == expected
    assert parse_request("GET", "m=发票&n=票&flag", None, b"").params == expected


def test_other_bodies_are_ignored() -> None:
    assert parse_request("POST", "a=1", "application/json", b'{"b": 2}').params == {"a": "1"}


OFFICIAL_SDK_MULTIPART = (
    b"--PYTHON_SDK_BOUNDARY\r\n"
    b'Content-Disposition: form-data; name="apply_id"\r\n'
    b"Content-Type: text/plain; charset=UTF-8\r\n\r\n"
    b"\xe7\xa5\xa8A1\r\n"
    b"--PYTHON_SDK_BOUNDARY\r\n"
    b'Content-Disposition: file; name="image"; filename="a.png"\r\n'
    b"Content-Type: image/png\r\n"
    b"Content-Transfer-Encoding: binary\r\n\r\n"
    b"\x89PNG\r\n\r\n"
    b"--PYTHON_SDK_BOUNDARY--\r\n"
)


def test_multipart_official_sdk_spelling() -> None:
    parsed = parse_request(
        "POST", "method=a.b", "multipart/form-data; boundary=PYTHON_SDK_BOUNDARY", OFFICIAL_SDK_MULTIPART
    )
    assert parsed.params == {"method": "a.b", "apply_id": "票A1"}
    assert parsed.files == {"image": UploadedFile("a.png", "image/png", b"\x89PNG\r\n")}


def test_multipart_form_data_file_and_part_charset() -> None:
    body = (
        b'--xyz\r\nContent-Disposition: form-data; name="m"\r\nContent-Type: text/plain; charset=gbk\r\n\r\n'
        + "发票".encode("gbk")
        + b'\r\n--xyz\r\nContent-Disposition: form-data; name="empty"\r\n\r\n'
        + b'\r\n--xyz\r\nContent-Disposition: form-data; name="f"; filename="f"\r\n\r\nxx\r\n--xyz--\r\n'
    )
    parsed = parse_request("POST", "", 'multipart/form-data; boundary="xyz"', body)
    assert parsed.params == {"m": "发票", "empty": ""}
    assert parsed.files == {"f": UploadedFile("f", "", b"xx")}


@pytest.mark.parametrize("verb", ["PUT", "post", "DELETE"])
def test_only_upper_case_get_and_post(verb: str) -> None:
    error = parse_error(verb, "", None, b"")
    assert (error.code, error.msg) == (9, "Http action not allowed")


@pytest.mark.parametrize(
    ("query", "content_type", "body", "reason"),
    [
        ("m=%FF", None, b"", "not valid utf-8"),
        ("", FORM, b"m=%FF", "not valid utf-8"),
        ("", f"{FORM}; charset=klingon", b"m=1", "unknown charset"),
        ("", f"{FORM}; charset=rot13", b"m=1", "unknown charset"),
        ("", f"{FORM}; charset=punycode", b"m=1", "unknown charset"),
        ("", f"{FORM}; charset=idna", b"m=1", "unknown charset"),
        ("", f"{FORM}; charset=unicode_escape", b"m=%5Cud800%5Cx00", "unknown charset"),
        ("", f"{FORM}; charset=utf-16", b"m=1", "unknown charset"),
        ("", f"{FORM}; charset=latin-1", b"m=1", "unknown charset"),
        ("", "multipart/form-data; boundary=PYTHON_SDK_BOUNDARY; charset=rot13", OFFICIAL_SDK_MULTIPART, "unknown"),
        ("", "multipart/form-data", OFFICIAL_SDK_MULTIPART, "without a boundary"),
        ("", "multipart/form-data; boundary=PYTHON_SDK_BOUNDARY", OFFICIAL_SDK_MULTIPART[:90], "truncated"),
        ("", "multipart/form-data; boundary=PYTHON_SDK_BOUNDARY", b"garbage\r\n\r\n", "malformed"),
        (
            "",
            "multipart/form-data; boundary=b",
            b'--b\r\nContent-Disposition: form-data; name="m"\r\n\r\n\xff\r\n--b--\r\n',
            "not valid utf-8",
        ),
    ],
)
def test_undecodable_requests_answer_43(query: str, content_type: str | None, body: bytes, reason: str) -> None:
    error = parse_error("POST", query, content_type, body)
    assert (error.code, error.msg) == (43, "Parameter error")
    assert reason in (error.sub_msg or "")


def pairs(count: int, prefix: str = "p") -> str:
    return "&".join(f"{prefix}{n}=1" for n in range(count))


def test_up_to_max_params_in_query_and_body_together_are_read() -> None:
    half = MAX_PARAMS // 2
    parsed = parse_request("POST", pairs(half, "q"), FORM, pairs(MAX_PARAMS - half).encode())
    assert len(parsed.params) == MAX_PARAMS


@pytest.mark.parametrize(
    ("query", "content_type", "body"),
    [
        (pairs(MAX_PARAMS + 1), None, b""),
        (pairs(MAX_PARAMS // 2, "q"), FORM, pairs(MAX_PARAMS // 2 + 1).encode()),
        ("", FORM, pairs(1_000_000).encode()),  # the probe's body: refused after a scan, not a million decodes
        (
            "",
            "multipart/form-data; boundary=b",
            b"".join(
                b'--b\r\nContent-Disposition: form-data; name="p%d"\r\n\r\n1\r\n' % n for n in range(MAX_PARAMS + 1)
            )
            + b"--b--\r\n",
        ),
    ],
    ids=["query", "query-and-body", "a-million", "multipart"],
)
def test_more_than_max_params_answer_43_before_they_are_decoded(
    query: str, content_type: str | None, body: bytes
) -> None:
    error = parse_error("POST", query, content_type, body)
    assert (error.code, error.msg, error.sub_msg) == (43, "Parameter error", f"more than {MAX_PARAMS} parameters")
