"""The TOP gateway (``/router/rest``) under hostile input, against a real server on both stores.

hypothesis builds requests from the catalog's methods and parameters and random ones, with values that broke
the gateway before (message ids beyond int64, deep JSON in ``ex_info``, NUL in ``app_key``, ``session`` and
text, ``charset=punycode`` and other codecs, odd Unicode, repeated names), sent as GET, form and multipart
POST, unsigned, with a wrong secret and properly signed with the app's secret (md5, hmac, hmac-sha256). Every
answer must be TOP's: HTTP 200, a well-formed envelope, never code 10 or an ``isp.*`` sub_code (both say the
server broke, and clients retry them), and nothing in the server's log that says something broke.
"""

from __future__ import annotations

import json
import secrets
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fapiao.protocols.top.catalog import APIS
from fapiao.protocols.top.errors import Code
from fapiao.protocols.top.params import Kind, Param
from fapiao.protocols.top.signing import SignMethod, compute_sign
from tests.integration.provider.support import gmt8_now
from tests.integration.wire.conftest import World
from tests.support.wire_fuzz import (
    BAD_TIMES,
    FUZZ,
    HUGE_INTS,
    Answer,
    adversarial,
    nested_json,
    note,
    texts,
    weighted,
    with_nul,
)

pytestmark = pytest.mark.slow

# Codes that say the server, not the caller, failed: never an answer to bad input.
SERVER_CODES = {Code.SERVICE_CURRENTLY_UNAVAILABLE}
KNOWN_CODES = {int(code) for code in Code} - SERVER_CODES
METHODS = [api.name for api in APIS]
CHARSETS = ("utf-8", "UTF-8", "utf8", "GBK", "gb2312", "punycode", "utf-16", "unicode_escape", "idna", "rot13", "")
LONG = 1000  # characters of a value that travels in the body, never in the query

_BIG = tuple(str(n) for n in HUGE_INTS)
_DEEP = tuple(nested_json(n, kind=k) for n in (33, 1900) for k in ("[", "{"))
EX_INFO = (
    ('{"message":"不符"}', '{"logistics_company":"SF","logistics_no":"1"}', '{"invoice_no":"1","invoice_code":2}', ""),
    (*_DEEP, '{"message":"a\\u0000b"}', '{"message":NaN}', '{"message":1e400}', '{"message":' + "9" * 5000 + "}"),
)


@dataclass(frozen=True)
class Request:
    http_method: str  # GET, POST
    body_kind: str  # "form", "multipart", "none"
    charset: str
    query: list[tuple[str, str]]
    body: list[tuple[str, str]]


def _values(param: Param, world: World) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Plausible values of a parameter (so requests reach the use cases) and the ones that broke its kind."""
    if param.name == "ex_info":
        return EX_INFO
    if param.kind is Kind.NUMBER:
        return ("0", "1", "2", "3", "4", "10", "100", "200"), (*_BIG, " 1", "１", "²", "9" * 30, "-0", "\x00")
    if param.kind is Kind.STRING_LIST:
        hostile = (*_BIG, "1,,2", "１", "²", "1,\x002", ",".join(_BIG), ",".join(["1"] * 201), "-1", "0")
        return ("1", "1,2", "2, 3"), hostile
    return ("default", *world.ids), ("\x00", "a\x00b", "\ufeff", "a" * 5000, "𠀀" * 70)


def _api_value(param: Param, world: World, *, hostile: bool) -> st.SearchStrategy[str]:
    plausible, bad = _values(param, world)
    if not hostile:
        return st.sampled_from(plausible)
    return weighted((2, st.sampled_from(bad)), (1, adversarial(world.ids)))


@st.composite
def top_requests(draw: st.DrawFn, world: World, *, signed: bool) -> Request:
    api = draw(st.sampled_from(APIS))
    method = api.name
    if draw(st.integers(0, 14)) == 0:
        method = draw(st.sampled_from(["", "\x00", "taobao.tmc.messages", *METHODS]) | texts)
    required = [param for param in api.params if param.required]
    optional = [p for p in api.params if not p.required]
    chosen = required + (draw(st.lists(st.sampled_from(optional), unique=True)) if optional else [])
    target = draw(st.integers(0, len(chosen)))  # one hostile value (or none) among plausible ones
    business = [(p.name, draw(_api_value(p, world, hostile=i == target))) for i, p in enumerate(chosen)]
    if draw(st.integers(0, 19)) == 0:
        business.append((draw(texts.filter(bool)), draw(adversarial())))
    sign_method = draw(st.sampled_from(["md5", "hmac", "hmac-sha256"] * 6 + ["", "sha1", "\x00"]))
    system = {
        "method": method,
        "app_key": world.app_key,
        "timestamp": draw(st.sampled_from([gmt8_now(), str(time.time_ns() // 1_000_000)])),
        "v": "2.0",
        "format": draw(st.sampled_from(["json"] * 12 + ["xml", "xml", "JSON", "", "yaml", "\x00"])),
        "sign_method": sign_method,
    }
    if draw(st.integers(0, 9)) == 0:
        system["app_key"] = draw(st.sampled_from(["\x00", f"{world.app_key}\x00", "1" * 100, "", "%00"]) | with_nul)
    if draw(st.integers(0, 19)) == 0:
        system["timestamp"] = draw(st.sampled_from(BAD_TIMES))
    if draw(st.integers(0, 14)) == 0:
        system["v"] = draw(st.sampled_from(["", "2", "3.0", "\x00", "2.0.0"]))
    if draw(st.booleans()):
        system["session"] = world.session
        if draw(st.integers(0, 5)) == 0:
            system["session"] = draw(st.sampled_from(["\x00", f"{world.session}\x00", "s" * 300]) | with_nul)
    if draw(st.integers(0, 5)) == 0:
        system["simplify"] = draw(st.sampled_from(["true", "True", "false", "\x00"]))
    merged = dict(system) | dict(business)
    secret = world.app_secret if signed else draw(st.sampled_from(["", "not-the-secret"]))
    if secret and sign_method in set(SignMethod):
        merged_sign = compute_sign(merged, secret, SignMethod(sign_method))
    else:
        merged_sign = draw(st.sampled_from(["", "00", "A" * 32]))
    system_pairs = [*system.items(), ("sign", merged_sign)]
    transport = draw(st.sampled_from(["get", "form", "form", "form-all", "multipart"]))
    charset = (
        draw(weighted((3, st.sampled_from(CHARSETS[:5])), (1, st.sampled_from(CHARSETS)))) if transport != "get" else ""
    )
    if draw(st.integers(0, 9)) == 0 and business:  # the same name twice: the later one is what counts
        business.insert(0, (business[-1][0], draw(adversarial())))
    if transport == "get" and all(len(v) <= LONG for _, v in [*system_pairs, *business]):
        return Request("GET", "none", "", [*system_pairs, *business], [])
    if transport in ("form-all", "get"):  # a long value never travels in a request line
        return Request("POST", "form", charset, [], [*system_pairs, *business])
    kind = "multipart" if transport == "multipart" else "form"
    short = [p for p in system_pairs if len(p[1]) <= LONG]
    return Request("POST", kind, charset, short, [p for p in system_pairs if len(p[1]) > LONG] + business)


def _encode(pairs: list[tuple[str, str]], charset: str = "utf-8") -> str:
    return "&".join(f"{quote(k, safe='~', encoding=charset)}={quote(v, safe='~', encoding=charset)}" for k, v in pairs)


def _codec(charset: str) -> str:
    """How the client encodes the body: in the declared charset when that is a text codec of the values."""
    name = charset.lower().replace("_", "-")
    return "gbk" if name in ("gbk", "gb2312") else "utf-8"


def send(world: World, request: Request) -> Answer:
    target = "/router/rest" + ("?" + _encode(request.query) if request.query else "")
    if request.body_kind == "none":
        return world.client.send(request.http_method, target)
    codec = _codec(request.charset)
    try:
        [(k.encode(codec), v.encode(codec)) for k, v in request.body]
    except UnicodeEncodeError:
        codec = "utf-8"  # GBK cannot carry every character: a client would fall back to UTF-8 and say so
        request = Request(request.http_method, request.body_kind, "utf-8", request.query, request.body)
    suffix = f"; charset={request.charset}" if request.charset else ""
    if request.body_kind == "form":
        body = _encode(request.body, codec).encode("ascii")
        headers = [("Content-Type", f"application/x-www-form-urlencoded{suffix}")]
        return world.client.send("POST", target, headers, body)
    boundary = secrets.token_hex(8)
    parts = [
        b"--"
        + boundary.encode()
        + b'\r\nContent-Disposition: form-data; name="'
        + k.encode(codec)
        + b'"\r\n\r\n'
        + v.encode(codec)
        + b"\r\n"
        for k, v in request.body
    ]
    body = b"".join(parts) + b"--" + boundary.encode() + b"--\r\n"
    headers = [("Content-Type", f"multipart/form-data; boundary={boundary}{suffix}")]
    return world.client.send("POST", target, headers, body)


def check(answer: Answer) -> None:
    assert answer.status == 200, (answer.status, answer.body[:2000])
    if answer.content_type.startswith("text/xml"):
        root = ET.fromstring(answer.body)  # noqa: S314 - our own server's output
        document: dict[str, Any] = {root.tag: {child.tag: child.text for child in root}}
    else:
        assert answer.content_type.startswith("application/json"), (answer.content_type, answer.body[:2000])
        document = json.loads(answer.body)
    error = document.get("error_response")
    if error is None:
        note("success")
        assert len(document) == 1 or "request_id" in document, document  # one root, or simplified
        return
    code = int(error["code"])
    assert code in KNOWN_CODES, error
    assert error["msg"] and error["request_id"], error
    assert not (error.get("sub_code") or "").startswith("isp."), error
    note(f"{code} {error['msg']} {error.get('sub_code') or ''} {str(error.get('sub_msg') or '')[:50]}")


def _fuzz(world: World, request: Request) -> None:
    answer = send(world, request)
    logged = world.log.new()  # read now: structlog flushes each entry before the answer is sent
    check(answer)
    world.log.assert_clean(logged)


def test_unsigned_and_badly_signed_requests_get_protocol_errors(world: World) -> None:
    @FUZZ
    @given(st.data())
    def run(data: st.DataObject) -> None:
        _fuzz(world, data.draw(top_requests(world, signed=False)))

    run()


def test_signed_requests_with_hostile_parameters_get_protocol_errors(world: World) -> None:
    @FUZZ
    @given(st.data())
    def run(data: st.DataObject) -> None:
        _fuzz(world, data.draw(top_requests(world, signed=True)))

    run()


def _signed(
    world: World, api_name: str, business: list[tuple[str, str]], *, transport: str, charset: str = "", **system: str
) -> Request:
    """A request signed with the app's secret (``sign_method`` from ``system``, md5 by default)."""
    common = {
        "method": api_name,
        "app_key": world.app_key,
        "timestamp": gmt8_now(),
        "v": "2.0",
        "format": "json",
        "sign_method": "md5",
    } | system
    merged = common | dict(business)
    sign_method = common["sign_method"]
    sign = compute_sign(merged, world.app_secret, SignMethod(sign_method)) if sign_method in set(SignMethod) else "0"
    pairs = [*common.items(), ("sign", sign)]
    if transport == "get" and all(len(v) <= LONG for _, v in [*pairs, *business]):
        return Request("GET", "none", "", [*pairs, *business], [])
    kind = "multipart" if transport == "multipart" else "form"
    return Request("POST", kind, charset, [p for p in pairs if len(p[1]) <= LONG], business)


def _sweep(world: World) -> list[tuple[str, Request]]:
    transports = ("form", "get", "multipart")
    cases: list[tuple[str, Request]] = []
    for api in APIS:
        for param in api.params:
            required = [
                (p.name, _values(p, world)[0][-1 if p.name == "apply_id" else 0]) for p in api.params if p.required
            ]
            for n, value in enumerate(_values(param, world)[1]):
                business = [pair for pair in required if pair[0] != param.name] + [(param.name, value)]
                transport = transports[n % 3]
                cases.append(
                    (
                        f"{api.name} {param.name}={value[:40]!r} {transport}",
                        _signed(world, api.name, business, transport=transport),
                    )
                )
    get = APIS[0].name
    apply_id = [("apply_id", world.ids[3])]
    for charset in CHARSETS:
        for transport in ("form", "multipart"):
            cases.append(
                (f"charset={charset} {transport}", _signed(world, get, apply_id, transport=transport, charset=charset))
            )
    hostile_system = {
        "app_key": ("\x00", f"{world.app_key}\x00", "1" * 100, "%00", "𠀀"),
        "session": ("\x00", f"{world.session}\x00", "s" * 300, "𠀀"),
        "timestamp": BAD_TIMES,
        "format": ("yaml", "\x00", "XML"),
        "v": ("2", "3.0", "\x00", "2.0.0", "９.０"),
        "sign_method": ("sha1", "\x00", "MD5"),
        "simplify": ("\x00", "True"),
        "method": ("\x00", "taobao.tmc", "a" * 5000),
    }
    for name, values in hostile_system.items():
        for n, value in enumerate(values):
            transport = ("form", "get")[n % 2]
            cases.append(
                (
                    f"{name}={value[:40]!r} {transport}",
                    _signed(world, get, apply_id, transport=transport, **{name: value}),
                )
            )
    return cases


def test_every_parameter_and_charset_refuses_each_hostile_value(world: World) -> None:
    """The systematic half: each API parameter gets every known-bad value of its kind in a signed request whose
    other required parameters are plausible, and each system parameter and declared charset its known-bad
    values, over form, GET and multipart."""
    failures = []
    for label, request in _sweep(world):
        try:
            _fuzz(world, request)
        except AssertionError as failure:
            failures.append(f"{label}: {str(failure)[:300]}")
    assert not failures, "\n".join(failures)
