"""The real TOP clients against a throwaway loopback server: what they send, and that this layer accepts it.

Each test records the raw HTTP request (method, path, query, headers, body), then runs it through
``parse_request`` → ``verify_sign`` / ``check_common`` offline. The server answers with envelopes rendered by
this layer, so the clients' own response parsing and exceptions are exercised too (see NOTES.md).
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import taobao_open
from taobao_open.api.base import FileItem, RestApi, TopException
from taobaopy.taobao import TaoBaoAPIClient, TaoBaoAPIError

from fapiao.protocols.top import errors
from fapiao.protocols.top.checks import CheckedRequest, SessionRule, check_common
from fapiao.protocols.top.envelope import Format, Rendered, render_error, render_success, requested_format
from fapiao.protocols.top.errors import Code, TopError, platform_error
from fapiao.protocols.top.request import ParsedRequest, parse_request
from fapiao.protocols.top.signing import SignMethod, verify_sign
from tests.support.top_requests import InvoiceApplyGet, InvoiceApplyUpdate
from tests.unit.protocols.top._support import APP_KEY, GET, SECRET, SESSION, UPDATE

EX_INFO = '{"message": "发票已寄出", "logistics_no": "SF123", "logistics_company": "顺丰"}'
METHODS = {GET: SessionRule.REQUIRED, UPDATE: SessionRule.OPTIONAL, "x.upload": SessionRule.OPTIONAL}
Reply = Callable[[ParsedRequest], Rendered]


@dataclass(frozen=True)
class Captured:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def parsed(self) -> ParsedRequest:
        return parse_request(self.method, self.query, self.headers.get("content-type"), self.body)


def update_ok(parsed: ParsedRequest) -> Rendered:
    params = parsed.params
    fields = {"result": True, "total_count": 1}
    return render_success(
        params["method"],
        fields,
        fmt=requested_format(params),
        simplify=params.get("simplify") == "true",
        request_id="r4lu3uaf87g2",
    )


@dataclass
class Capture:
    port: int
    requests: list[Captured] = field(default_factory=list)
    reply: Reply = update_ok

    @property
    def only(self) -> Captured:
        assert len(self.requests) == 1
        return self.requests[0]


@pytest.fixture
def capture() -> Iterator[Capture]:
    state = Capture(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            path, _, query = self.path.partition("?")
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            captured = Captured(self.command, path, query, headers, body)
            state.requests.append(captured)
            rendered = state.reply(captured.parsed())
            self.send_response(200)
            self.send_header("Content-Type", rendered.media_type)
            self.send_header("Content-Length", str(len(rendered.body)))
            self.end_headers()
            self.wfile.write(rendered.body)

        do_GET = do_POST

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def local_tz(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """taobaopy formats ``datetime.now()``: pin the process's local zone (POSIX names need no tzdata)."""

    def set_tz(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_tz
    monkeypatch.undo()
    time.tzset()


def app_secret(app_key: str) -> str | None:
    return SECRET if app_key == APP_KEY else None


def session_lookup(app_key: str, token: str) -> object | None:
    return "merchant-1" if token == SESSION else None


def check(parsed: ParsedRequest, secret: str = SECRET) -> CheckedRequest:
    return check_common(
        parsed.params,
        datetime.now(UTC),
        lambda key: secret if key == APP_KEY else None,
        session_lookup,
        METHODS,
    )


def assert_signature_is_tied_to_the_secret(parsed: ParsedRequest, method: SignMethod) -> None:
    assert verify_sign(parsed.params, SECRET, method)
    assert not verify_sign(parsed.params, "wrong-secret", method)
    with pytest.raises(TopError) as caught:
        check(parsed, secret="wrong-secret")
    assert caught.value.code == Code.INVALID_SIGNATURE


# --- py-taobao-open (official SDK shape) ------------------------------------------------------------------


class Upload(RestApi):  # type: ignore[misc]
    """A made-up API with a byte[] parameter, to see the official SDK's multipart form."""

    def __init__(self, domain: str, port: int) -> None:
        RestApi.__init__(self, domain, port)
        self.apply_id: str | None = None
        self.image: FileItem | None = None

    def getapiname(self) -> str:
        return "x.upload"

    def getMultipartParas(self) -> list[str]:
        return ["image"]


def official(request: RestApi) -> RestApi:
    request.set_app_info(taobao_open.appinfo(APP_KEY, SECRET))
    return request


def test_py_taobao_open_get_md5_common_params_in_query(capture: Capture) -> None:
    request = official(InvoiceApplyGet("127.0.0.1", capture.port))
    request.apply_id = "123456ABC"
    response = request.getResponse(SESSION)

    sent = capture.only
    assert (sent.method, sent.path) == ("POST", "/router/rest")
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded;charset=UTF-8"
    query = {k: v[0] for k, v in parse_qs(sent.query).items()}
    assert set(query) == {
        "format",
        "app_key",
        "sign_method",
        "v",
        "timestamp",
        "partner_id",
        "method",
        "session",
        "sign",
    }
    assert query["timestamp"].isdigit()
    assert len(query["timestamp"]) == 13  # epoch milliseconds
    assert (query["sign_method"], query["format"], query["partner_id"]) == ("md5", "json", "tbk-sdk-python-20220112")
    assert sent.body == b"apply_id=123456ABC"

    parsed = sent.parsed()
    assert parsed.params == {**query, "apply_id": "123456ABC"}
    assert_signature_is_tied_to_the_secret(parsed, SignMethod.MD5)
    checked = check(parsed)
    assert (checked.sign_method, checked.format, checked.simplify) == (SignMethod.MD5, Format.JSON, False)
    assert (checked.session_info, checked.api_params) == ("merchant-1", {"apply_id": "123456ABC"})
    # The client returns the parsed JSON including the root.
    assert response == {
        "alibaba_einvoice_invoiceapply_get_response": {"result": True, "total_count": 1, "request_id": "r4lu3uaf87g2"}
    }


def test_py_taobao_open_update_chinese_json_and_number(capture: Capture) -> None:
    request = official(InvoiceApplyUpdate("127.0.0.1", capture.port))
    request.apply_id, request.status, request.ex_info = "123456ABC", 4, EX_INFO
    request.getResponse(SESSION)

    parsed = capture.only.parsed()
    assert (parsed.params["status"], parsed.params["ex_info"]) == ("4", EX_INFO)
    assert_signature_is_tied_to_the_secret(parsed, SignMethod.MD5)
    assert check(parsed).api_params == {"apply_id": "123456ABC", "status": "4", "ex_info": EX_INFO}


def test_py_taobao_open_multipart_file_is_not_signed(capture: Capture) -> None:
    request = official(Upload("127.0.0.1", capture.port))
    request.apply_id = "A1"
    request.image = FileItem("a.png", io.BytesIO(b"\x89PNG"))
    request.getResponse()

    sent = capture.only
    assert sent.headers["content-type"] == "multipart/form-data; boundary=PYTHON_SDK_BOUNDARY"
    assert b'Content-Disposition: file; name="image"; filename="a.png"' in sent.body
    parsed = sent.parsed()
    assert parsed.params["apply_id"] == "A1"
    assert parsed.files["image"].content == b"b'\\x89PNG'"  # the SDK writes repr() of the bytes
    assert_signature_is_tied_to_the_secret(parsed, SignMethod.MD5)
    check(parsed)


def test_py_taobao_open_raises_top_exception_on_error_response(capture: Capture) -> None:
    capture.reply = lambda parsed: render_error(
        errors.business_error("isv.invalid-parameter", "非法参数"), fmt=Format.JSON, request_id="zt9pqaglr3tk"
    )
    request = official(InvoiceApplyGet("127.0.0.1", capture.port))
    request.apply_id = "nope"
    with pytest.raises(TopException) as caught:
        request.getResponse(SESSION)
    error = caught.value
    assert (error.errorcode, error.message, error.subcode, error.submsg) == (
        15,
        "Remote service error",
        "isv.invalid-parameter",
        "非法参数",
    )


# --- taobaopy ---------------------------------------------------------------------------------------------


def taobaopy_client(port: int, secret: str = SECRET) -> TaoBaoAPIClient:
    client = TaoBaoAPIClient(APP_KEY, secret, domain=f"http://127.0.0.1:{port}", retry_count=1)
    client.set_access_token(SESSION)
    return client


def test_taobaopy_get_hmac_everything_in_body(capture: Capture, local_tz: Callable[[str], None]) -> None:
    local_tz("CST-8")  # = Asia/Shanghai: taobaopy sends local time, TOP expects GMT+8
    response = taobaopy_client(capture.port).alibaba__einvoice_invoiceapply_get(apply_id="123456ABC")

    sent = capture.only
    assert (sent.method, sent.path, sent.query) == ("POST", "/router/rest", "")
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"  # no charset
    parsed = sent.parsed()
    assert set(parsed.params) == {
        "apply_id",
        "method",
        "session",
        "app_key",
        "sign_method",
        "format",
        "v",
        "timestamp",
        "sign",
    }
    assert (parsed.params["method"], parsed.params["sign_method"]) == (GET, "hmac")
    assert b"timestamp=20" in sent.body
    assert b"+" in sent.body  # 'yyyy-MM-dd HH:mm:ss' with the space form-encoded
    assert_signature_is_tied_to_the_secret(parsed, SignMethod.HMAC)
    checked = check(parsed)
    assert (checked.sign_method, checked.session) == (SignMethod.HMAC, SESSION)
    assert response == {
        "alibaba_einvoice_invoiceapply_get_response": {"result": True, "total_count": 1, "request_id": "r4lu3uaf87g2"}
    }


def test_taobaopy_update_signs_empty_values_and_simplify(capture: Capture, local_tz: Callable[[str], None]) -> None:
    local_tz("CST-8")
    response = taobaopy_client(capture.port).alibaba__einvoice_invoiceapply_update(
        apply_id="A1", status=0, ex_info="", simplify=True
    )

    parsed = capture.only.parsed()
    assert b"ex_info=&" in capture.only.body
    assert (parsed.params["ex_info"], parsed.params["status"], parsed.params["simplify"]) == ("", "0", "true")
    assert_signature_is_tied_to_the_secret(parsed, SignMethod.HMAC)
    without_empty = {k: v for k, v in parsed.params.items() if k != "ex_info"}
    assert not verify_sign(without_empty, SECRET, SignMethod.HMAC)  # skipping empty values would reject it
    assert check(parsed).simplify is True
    assert response == {"result": True, "total_count": 1, "request_id": "r4lu3uaf87g2"}  # no root


def test_taobaopy_multipart_file_is_not_signed(capture: Capture, local_tz: Callable[[str], None]) -> None:
    local_tz("CST-8")
    taobaopy_client(capture.port).alibaba__einvoice_invoiceapply_update(apply_id="A1", image=io.BytesIO(b"xx"))

    parsed = capture.only.parsed()
    assert capture.only.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert parsed.files["image"].content == b"xx"
    assert "image" not in parsed.params
    assert_signature_is_tied_to_the_secret(parsed, SignMethod.HMAC)
    check(parsed)


def test_taobaopy_on_a_utc_host_is_eight_hours_off(capture: Capture, local_tz: Callable[[str], None]) -> None:
    local_tz("UTC0")

    def reply(parsed: ParsedRequest) -> Rendered:
        try:
            check(parsed)
        except TopError as error:
            return render_error(error, fmt=requested_format(parsed.params), request_id="ze1z2cy8hpd1")
        raise AssertionError("a UTC wall-clock timestamp was accepted as GMT+8")

    capture.reply = reply
    with pytest.raises(TaoBaoAPIError) as caught:
        taobaopy_client(capture.port).alibaba__einvoice_invoiceapply_get(apply_id="123456ABC")
    error = caught.value
    assert (error.code, error.msg, error.sub_code, error.request_id) == (31, "Invalid timestamp", "", "ze1z2cy8hpd1")
    assert error.sub_msg.startswith("timestamp is 28")  # ~28800 s
    assert error.request["sign_method"] == "hmac"  # the exception keeps the signed request


def test_taobaopy_raises_on_error_response(capture: Capture) -> None:
    capture.reply = lambda parsed: render_error(
        platform_error(Code.INVALID_SIGNATURE), fmt=Format.JSON, request_id="4jkl5mhpc274"
    )
    with pytest.raises(TaoBaoAPIError) as caught:
        taobaopy_client(capture.port, secret="wrong").tmc_messages_consume(quantity=100)
    error = caught.value
    assert (error.code, error.msg, error.sub_code, error.sub_msg) == (25, "Invalid signature", "", "")
    assert capture.only.parsed().params["method"] == "taobao.tmc.messages.consume"
    assert error.request["quantity"] == "100"
