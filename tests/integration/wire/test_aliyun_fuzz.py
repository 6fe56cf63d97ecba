"""The Alibaba Cloud RPC gateway under hostile input, against a real server on both stores.

hypothesis builds requests from the catalog's parameter names and random ones, with values that broke the
gateway before (integers beyond 64 bits, NUL, deep JSON, year-0001 times, odd Unicode, repeated names), sent
unsigned, with a wrong secret and properly signed (v1 HMAC-SHA1 and v3 ACS3-HMAC-SHA256) with the customer's
own key. Every answer must be the protocol's: never a 5xx, every error a well-formed envelope with a code the
gateway knows, and nothing in the server's log that says something broke.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fapiao.protocols.aliyun import faults, signing
from fapiao.protocols.aliyun.catalog import Kind, Operation, Param
from fapiao.protocols.aliyun.errors import Code
from fapiao.protocols.aliyun.headers import HeaderMap
from fapiao.protocols.aliyun.operations import CATALOG
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

ENVELOPE_KEYS = {"RequestId", "HostId", "Code", "Message", "Recommend"}
# Every code the gateway itself answers, and the ones business failures map onto (``faults``); never a 5xx one.
KNOWN_CODES = {c.value for c in Code} - {Code.INTERNAL_ERROR, Code.SERVICE_UNAVAILABLE} | {
    faults.code_for(reason) for reason in faults._CODES
}
OPERATIONS = CATALOG.ordered()
_BIG = tuple(str(n) for n in HUGE_INTS)
_DEEP = tuple(nested_json(n, kind=k) for n in (33, 2000) for k in ("[", "{"))
# Per wire kind: values a client would send (so requests reach the use cases) and values that broke a parser.
KIND_VALUES: dict[Kind, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Kind.INTEGER: (("1", "2", "3", "0", "20", "100", "25000"), (*_BIG, " 1", "1.0", "-0", "１２", "²", "9" * 30)),
    Kind.STRING: (("备注", "a@b.com", "ALIYUN", "2026-10", "token-1"), ("\x00", "a\x00b", "\ufeff", "a" * 5000)),
    Kind.ID_STRING: (("1", "2", "3"), (*_BIG, "0" * 30, "-1", "１")),
    Kind.BOOLEAN: (("true", "false", "True"), ("yes", "1", "\x00")),
    Kind.TIME: (("2024-01-01 00:00:00", "2030-12-31 23:59:59"), BAD_TIMES),
    Kind.AMOUNT: (("12.50", "0.01", "1"), ("1e400", "NaN", "-0.00", "0.001", "99999999999999999999.99", "１.５")),
    Kind.JSON_INTEGERS: (
        ("[202401,202402]", "[1]", "[]", "[1,2,3]"),
        (*_DEEP, json.dumps(list(HUGE_INTS)), "[true]", "[1.5]", "[1e400]", '["１"]', "[" + "9" * 5000 + "]", "{}"),
    ),
    Kind.JSON_STRINGS: (('["ALIYUN"]', '["a@b.com"]', "[]"), (*_DEEP, '["a\\u0000"]', "[1.5]", "[null]", '"x"')),
    Kind.JSON_ID_STRINGS: (('["1"]', '["2","3"]'), (*_DEEP, json.dumps([str(n) for n in HUGE_INTS]), '["\\u0000"]')),
    Kind.JSON_OBJECTS: (
        ('[{"EcId":"ec1","AccountIds":[]}]', "[]"),
        (*_DEEP, '[{"EcId":"\\u0000","AccountIds":[99999999999999999999]}]', '[{"EcId":1}]', "[[]]"),
    ),
}
LONG = 1000  # characters of a value that travels in the body, never in the query
HTTP_REFUSAL = Answer(400, "text/plain; charset=utf-8", b"Invalid HTTP request received.")
_CONTROL = {chr(c) for c in range(32)} - {"\t"} | {"\x7f"}


def _invalid_header(request: Request) -> bool:
    values = [request.key_id, *(v for _, v in request.headers)] if request.scheme == "v3" else []
    return any(_CONTROL.intersection(value) for value in values)


@dataclass(frozen=True)
class Request:
    scheme: str  # "none", "v1", "v3"
    secret: str | None  # None: a key that does not sign as it should
    key_id: str
    version: str
    action: str
    query: list[tuple[str, str]]
    form: list[tuple[str, str]]
    headers: list[tuple[str, str]]


def _scalar(kind: Kind, ids: tuple[str, ...], *, hostile: bool) -> st.SearchStrategy[str]:
    """A value of one wire kind: a plausible one, or one of the values that broke a parser of that kind."""
    plausible, bad = KIND_VALUES[kind]
    if not hostile:
        return st.sampled_from(plausible + (ids if kind in (Kind.INTEGER, Kind.ID_STRING) else ()))
    return weighted((2, st.sampled_from(bad)), (1, adversarial(ids)))


@st.composite
def param_pairs(draw: st.DrawFn, param: Param, ids: tuple[str, ...], *, hostile: bool) -> list[tuple[str, str]]:
    """The wire pairs of one parameter: a flattened list's ``Name.1``… keys (good and bad), else one pair."""
    if param.kind in (Kind.FLAT_STRINGS, Kind.FLAT_INTEGERS):
        item = Kind.STRING if param.kind is Kind.FLAT_STRINGS else Kind.INTEGER
        values = draw(st.lists(_scalar(item, ids, hostile=False), min_size=1, max_size=3))
        indexes = [str(i) for i in range(1, len(values) + 1)]
        if hostile:
            if draw(st.booleans()):
                values[-1] = draw(_scalar(item, ids, hostile=True))
            else:
                indexes[-1] = draw(st.sampled_from(["0", "01", "1.Key", "99999999999", "", "１"]))
        return [(f"{param.name}.{index}", value) for index, value in zip(indexes, values, strict=True)]
    if param.choices and not hostile:  # an enum: one of its wire values, so the request gets past it
        return [(param.name, str(draw(st.sampled_from(param.choices))))]
    return [(param.name, draw(_scalar(param.kind, ids, hostile=hostile)))]


@st.composite
def api_params(draw: st.DrawFn, world: World, op: Operation) -> list[tuple[str, str]]:
    """Some of the action's parameters with plausible values but (mostly) one hostile, so that the hostile
    value is the one the gateway has to deal with; now and then a random name or a repeated one."""
    required = [param for param in op.params if param.required]
    optional = [param for param in op.params if not param.required]
    chosen = required + (draw(st.lists(st.sampled_from(optional), unique=True)) if optional else [])
    target = draw(st.integers(0, len(chosen)))  # len(chosen): none hostile
    pairs = [
        pair for i, param in enumerate(chosen) for pair in draw(param_pairs(param, world.ids, hostile=i == target))
    ]
    if draw(st.integers(0, 19)) == 0:
        pairs.append((draw(texts.filter(bool) | st.sampled_from(["Format", "Signature"])), draw(adversarial())))
    if pairs and draw(st.integers(0, 19)) == 0:
        pairs.append(draw(st.sampled_from(pairs)))
    return draw(st.permutations(pairs))


@st.composite
def rpc_requests(draw: st.DrawFn, world: World, *, signed: bool) -> Request:
    op = draw(st.sampled_from(OPERATIONS))
    version, action = op.version, op.action
    if draw(st.integers(0, 9)) == 0:
        version = draw(st.sampled_from([version, "2017-12-14", "2023-09-30", "", "\x00", "0001-01-01"]))
        action = draw(st.sampled_from([action, "", "X\x00", "ApplyInvoice", "CreateInvoice"]))
    params = draw(api_params(world, op))
    split = draw(st.integers(0, len(params)))
    # Long values go in the body: a request line beyond the HTTP server's limit never reaches a gateway.
    params = [p for p in params if len(p[1]) <= LONG] + [p for p in params if len(p[1]) > LONG]
    split = min(split, sum(len(v) <= LONG for _, v in params))
    scheme = draw(st.sampled_from(["v1", "v3"] if signed else ["none", "v1", "v3"]))
    secret = world.secret if signed else draw(st.sampled_from([None, "not-the-secret"]))
    key_id = world.key_id if signed else draw(st.sampled_from([world.key_id, "\x00", f"{world.key_id}\x00", "k" * 300]))
    if draw(st.integers(0, 9)) == 0:
        key_id = draw(st.sampled_from(["\x00", "A\x00B", world.key_id + "\x00", "k" * 300]))
    timestamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if draw(st.integers(0, 19)) == 0:
        timestamp = draw(st.sampled_from(BAD_TIMES))
    nonce = secrets.token_hex(16)
    if draw(st.integers(0, 19)) == 0:
        nonce = draw(st.one_of(with_nul, st.sampled_from(["\x00", "n" * 500, " ", "%00"])))
    fmt = draw(st.sampled_from(["json"] * 6 + ["XML", "JSON", "xml", "\x00", "yaml"]))
    if scheme == "v3":
        query, form = params[:split], params[split:]
        headers = [
            ("host", world.host),
            ("x-acs-action", action),
            ("x-acs-version", version),
            ("x-acs-date", timestamp),
            ("x-acs-signature-nonce", nonce),
        ]
        if draw(st.booleans()):
            query.append(("Format", fmt))
        return Request(scheme, secret, key_id, version, action, query, form, headers)
    common = [("Action", action), ("Version", version), ("Format", fmt)]
    if scheme == "v1":
        common += [
            ("AccessKeyId", key_id),
            ("SignatureMethod", draw(st.sampled_from(["HMAC-SHA1"] * 9 + ["HMAC-SHA256"]))),
            ("SignatureVersion", "1.0"),
            ("SignatureNonce", nonce),
            ("Timestamp", timestamp),
        ]
    everything = common + params
    cut = min(draw(st.integers(0, len(everything))), sum(len(v) <= LONG for _, v in everything))
    return Request(scheme, secret, key_id, version, action, everything[:cut], everything[cut:], [])


def _encode(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in pairs)


def send(world: World, request: Request) -> Answer:
    form_body = _encode(request.form).encode()
    form_headers = [("content-type", "application/x-www-form-urlencoded")] if request.form else []
    if request.scheme == "v3":
        # CR and LF cannot travel inside a header value (http.client refuses them: header injection).
        headers = [(k, v.replace("\r", "").replace("\n", "")) for k, v in request.headers]
        headers += [("x-acs-content-sha256", hashlib.sha256(form_body).hexdigest()), *form_headers]
        names = tuple(sorted(k for k, _ in headers))
        canonical = signing.v3_canonical_request(
            "POST", "/", dict(request.query), HeaderMap(headers), names, dict(headers)["x-acs-content-sha256"]
        )
        signature = signing.v3_signature(signing.v3_string_to_sign(canonical), request.secret or "x")
        listed = ";".join(names)
        authorization = f"ACS3-HMAC-SHA256 Credential={request.key_id},SignedHeaders={listed},Signature={signature}"
        target = "/?" + _encode(request.query) if request.query else "/"
        return world.client.send("POST", target, [*headers, ("authorization", authorization)], form_body)
    query = list(request.query)
    if request.scheme == "v1":
        signed = dict(query) | dict(request.form)
        signature = signing.v1_signature(signing.v1_string_to_sign("POST", signed), request.secret or "x")
        query.append(("Signature", signature))
    return world.client.send("POST", "/?" + _encode(query), form_headers, form_body)


def check(answer: Answer, request: Request) -> None:
    assert answer.status < 500, answer.body[:2000]
    if answer.status == 200:
        note("200")
        return
    if answer == HTTP_REFUSAL and _invalid_header(request):
        return  # uvicorn refuses header bytes HTTP forbids before any gateway runs
    if answer.content_type.startswith("text/xml"):
        root = ET.fromstring(answer.body)  # noqa: S314 - our own server's output
        assert root.tag == "Error", answer.body
        document: dict[str, Any] = {child.tag: child.text for child in root}
    else:
        assert answer.content_type.startswith("application/json"), (answer.status, answer.content_type, answer.body)
        document = json.loads(answer.body)
    assert set(document) >= ENVELOPE_KEYS, document
    assert document["Code"] in KNOWN_CODES, document
    note(f"{answer.status} {document['Code']} {str(document['Message'])[:70]}")


def _fuzz(world: World, request: Request) -> None:
    answer = send(world, request)
    logged = world.log.new()  # read now: structlog flushes each entry before the answer is sent
    check(answer, request)
    world.log.assert_clean(logged)


def test_unsigned_and_badly_signed_requests_get_protocol_errors(world: World) -> None:
    @FUZZ
    @given(st.data())
    def run(data: st.DataObject) -> None:
        _fuzz(world, data.draw(rpc_requests(world, signed=False)))

    run()


def test_signed_requests_with_hostile_parameters_get_protocol_errors(world: World) -> None:
    @FUZZ
    @given(st.data())
    def run(data: st.DataObject) -> None:
        _fuzz(world, data.draw(rpc_requests(world, signed=True)))

    run()


def _plausible(param: Param, ids: tuple[str, ...]) -> list[tuple[str, str]]:
    if param.kind in (Kind.FLAT_STRINGS, Kind.FLAT_INTEGERS):
        return [(f"{param.name}.1", ids[-1] if param.kind is Kind.FLAT_INTEGERS else "ALIYUN")]
    plausible = tuple(map(str, param.choices)) or KIND_VALUES[param.kind][0]
    return [(param.name, plausible[0])]


def _hostile_values(param: Param) -> list[tuple[str, str]]:
    if param.kind in (Kind.FLAT_STRINGS, Kind.FLAT_INTEGERS):
        item = Kind.STRING if param.kind is Kind.FLAT_STRINGS else Kind.INTEGER
        keys = [(f"{param.name}.{index}", "1") for index in ("0", "01", "1.Key", "99999999999", "１")]
        return [(f"{param.name}.1", value) for value in KIND_VALUES[item][1]] + keys
    return [(param.name, value) for value in KIND_VALUES[param.kind][1]]


def test_every_parameter_of_every_action_refuses_each_hostile_value_of_its_kind(world: World) -> None:
    """The systematic half: each parameter gets every known-bad value of its kind in a request signed with
    a valid key (v1 and v3 in turn) whose other required parameters are plausible, so the bad value is the
    one the gateway must deal with."""
    failures = []
    for op in OPERATIONS:
        required = [pair for param in op.params if param.required for pair in _plausible(param, world.ids)]
        for param in op.params:
            for n, (name, value) in enumerate(_hostile_values(param)):
                params = [pair for pair in required if not pair[0].startswith(param.name)] + [(name, value)]
                short = [pair for pair in params if len(pair[1]) <= LONG]
                long = [pair for pair in params if len(pair[1]) > LONG]
                timestamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                nonce = secrets.token_hex(16)
                if n % 2:
                    headers = [
                        ("host", world.host),
                        ("x-acs-action", op.action),
                        ("x-acs-version", op.version),
                        ("x-acs-date", timestamp),
                        ("x-acs-signature-nonce", nonce),
                    ]
                    request = Request("v3", world.secret, world.key_id, op.version, op.action, short, long, headers)
                else:
                    common = [
                        ("Action", op.action),
                        ("Version", op.version),
                        ("Format", "json"),
                        ("AccessKeyId", world.key_id),
                        ("SignatureMethod", "HMAC-SHA1"),
                        ("SignatureVersion", "1.0"),
                        ("SignatureNonce", nonce),
                        ("Timestamp", timestamp),
                    ]
                    request = Request("v1", world.secret, world.key_id, op.version, op.action, common + short, long, [])
                try:
                    _fuzz(world, request)
                except AssertionError as failure:
                    failures.append(f"{op.action} {name}={value[:60]!r}: {str(failure)[:300]}")
    assert not failures, "\n".join(failures)


def test_each_hostile_common_parameter_is_refused_in_the_protocols_words(world: World) -> None:
    """Key id, nonce, timestamp, format, action and version with the values that broke them, in a v1 request
    signed with the key's secret (a NUL key id reaches the credential lookup without any credentials)."""
    hostile = {
        "AccessKeyId": ("\x00", f"{world.key_id}\x00", "A\x00B", "k" * 300, "𠀀", "%00"),
        "SignatureNonce": ("\x00", "n\x001", "\n", "n" * 500, "𠀀"),
        "Timestamp": BAD_TIMES,
        "Format": ("\x00", "yaml", "XML"),
        "Action": ("\x00", "A" * 5000),
        "Version": ("\x00", "0001-01-01"),
        "SignatureMethod": ("\x00", "HMAC-SHA256"),
    }
    failures = []
    for name, values in hostile.items():
        for value in values:
            common = {
                "Action": "QueryInvoicingCustomerList",
                "Version": "2017-12-14",
                "Format": "json",
                "AccessKeyId": world.key_id,
                "SignatureMethod": "HMAC-SHA1",
                "SignatureVersion": "1.0",
                "SignatureNonce": secrets.token_hex(16),
                "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            } | {name: value}
            pairs = list(common.items())
            short, long = [p for p in pairs if len(p[1]) <= LONG], [p for p in pairs if len(p[1]) > LONG]
            request = Request("v1", world.secret, common["AccessKeyId"], "", "", short, long, [])
            try:
                _fuzz(world, request)
            except AssertionError as failure:
                failures.append(f"{name}={value[:40]!r}: {str(failure)[:300]}")
    assert not failures, "\n".join(failures)
