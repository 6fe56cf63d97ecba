"""A throwaway HTTP server on 127.0.0.1 that records what the real SDKs send and answers through the wire layer."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fapiao.protocols.aliyun import envelope, errors, signing
from fapiao.protocols.aliyun.envelope import Rendered
from fapiao.protocols.aliyun.request import RpcRequest, parse_request

from .live import live  # noqa: F401  (the shared real server of the live_* modules)

PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")
SECRETS = {"testAKID": "testSecret"}


@dataclass(frozen=True)
class Captured:
    """One request exactly as it arrived."""

    method: str
    path: str
    query: bytes
    headers: list[tuple[str, str]]
    body: bytes

    def parse(self) -> RpcRequest:
        return parse_request(self.method, self.query, self.headers, self.body, path=self.path)


Responder = Callable[[Captured], Rendered]


def gateway_responder(data: Mapping[str, object] | None = None, secrets: Mapping[str, str] = SECRETS) -> Responder:
    """A minimal gateway: authenticate with the wire layer, then answer ``data`` or the error it raised."""

    def respond(captured: Captured) -> Rendered:
        request_id = envelope.new_request_id()
        try:
            req = captured.parse()
            creds = signing.credentials(req)
            secret = secrets.get(creds.access_key_id)
            if secret is None:
                raise errors.access_key_not_found()
            verdict = signing.verify(req, secret)
            if not verdict.ok:
                raise errors.signature_does_not_match(verdict.string_to_sign)
            action = req.route()[1]
            return envelope.render_success(data or {}, action=action, request_id=request_id, fmt=req.format)
        except errors.RpcError as error:
            return envelope.render_error(error, request_id=request_id)

    return respond


def fixed_responder(rendered: Rendered) -> Responder:
    return lambda _captured: rendered


@dataclass
class CaptureServer:
    endpoint: str
    requests: list[Captured] = field(default_factory=list)
    responder: Responder = field(default_factory=gateway_responder)

    @property
    def last(self) -> Captured:
        assert self.requests, "the SDK sent nothing"
        return self.requests[-1]


def _handler(server: CaptureServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path, _, query = self.path.partition("?")
            captured = Captured(self.command, path, query.encode("latin-1"), list(self.headers.items()), body)
            server.requests.append(captured)
            answer = server.responder(captured)
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer.body)

        do_GET = do_POST = do_PUT = _handle

        def log_message(self, format: str, *args: object) -> None:
            """Keep test output quiet."""

    return Handler


@pytest.fixture(scope="module")
def _capture_server() -> Iterator[CaptureServer]:
    server = CaptureServer(endpoint="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    server.endpoint = f"127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def capture(_capture_server: CaptureServer, monkeypatch: pytest.MonkeyPatch) -> CaptureServer:
    """A clean capture server; proxy variables cleared because both SDKs proxy loopback despite NO_PROXY."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    _capture_server.requests.clear()
    _capture_server.responder = gateway_responder()
    return _capture_server
