"""The REST body limit, through the REST app itself: every route's body is bounded, a document upload by its
own limit; an oversize body is refused by its Content-Length unread, or at the chunk that passes the limit."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Message

from fapiao.protocols.rest.app import create_rest_app
from fapiao.protocols.rest.limits import MAX_QUERY_PARAMS, MULTIPART_OVERHEAD
from fapiao.runtime import Runtime
from fapiao.settings import Settings
from tests import factories

LIMIT = 4096
DOCUMENT_LIMIT = 3 * LIMIT
JPEG = b"\xff\xd8\xff\xe0"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", database_url=database_url, max_body_bytes=LIMIT, max_document_bytes=DOCUMENT_LIMIT
    )


@pytest.fixture
def app(runtime: Runtime) -> ASGIApp:
    return create_rest_app(runtime)


@pytest.fixture
def alice(runtime: Runtime) -> factories.Customer:
    return factories.customer(runtime, nick="alice")


class Exchange:
    """One request driven over ASGI: the messages the client sends, what the app read and answered."""

    def __init__(
        self, app: ASGIApp, method: str, path: str, headers: list[tuple[bytes, bytes]], query: bytes = b""
    ) -> None:
        self.app, self.method, self.path, self.headers, self.query = app, method, path, headers, query
        self.read = 0  # body messages the app took
        self.sent: list[Message] = []

    def run(self, chunks: list[bytes]) -> Exchange:
        incoming: list[Message] = [
            {"type": "http.request", "body": chunk, "more_body": n < len(chunks) - 1} for n, chunk in enumerate(chunks)
        ]
        scope: dict[str, Any] = {
            "type": "http",
            "http_version": "1.1",
            "method": self.method,
            "scheme": "http",
            "path": self.path,
            "raw_path": self.path.encode(),
            "root_path": "",
            "query_string": self.query,
            "headers": self.headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8080),
        }

        async def receive() -> Message:
            if not incoming:
                await asyncio.sleep(3600)  # a client that sends nothing more
            self.read += 1
            return incoming.pop(0)

        async def send(message: Message) -> None:
            self.sent.append(message)

        async def exchange() -> None:
            await self.app(scope, receive, send)

        asyncio.run(exchange())
        return self

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def json(self) -> Any:
        return json.loads(b"".join(m.get("body", b"") for m in self.sent[1:]))

    @property
    def request_id_header(self) -> bytes:
        value: bytes = dict(self.sent[0]["headers"])[b"x-request-id"]
        return value


def basic(who: factories.Customer) -> tuple[bytes, bytes]:
    return (b"authorization", b"Basic " + base64.b64encode(f"{who.key_id}:{who.secret}".encode()))


def json_headers(*extra: tuple[bytes, bytes]) -> list[tuple[bytes, bytes]]:
    return [(b"host", b"test"), (b"content-type", b"application/json"), *extra]


def assert_refused(exchange: Exchange, limit: int = LIMIT) -> None:
    assert exchange.status == 413
    assert exchange.json == {
        "error": {
            "code": "PayloadTooLarge",
            "message": f"the request body is larger than {limit} bytes",
            "field": None,
        },
        "request_id": exchange.request_id_header.decode(),
    }


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read_even_unauthenticated(
    app: ASGIApp,
) -> None:
    exchange = Exchange(app, "POST", "/api/v1/titles", json_headers((b"content-length", b"268435456")))
    assert_refused(exchange.run([b"{"]))
    assert exchange.read == 0


def test_a_streamed_body_is_refused_at_the_chunk_that_passes_the_limit(app: ASGIApp, alice: factories.Customer) -> None:
    chunks = [b"x" * 1000] * 10  # chunked: no Content-Length
    exchange = Exchange(app, "POST", "/api/v1/titles", json_headers(basic(alice))).run(chunks)
    assert_refused(exchange)
    assert exchange.read == 5  # 5000 bytes: the fifth chunk passes 4096, the rest is never taken


def test_a_body_of_exactly_the_limit_is_accepted(app: ASGIApp, alice: factories.Customer) -> None:
    document = json.dumps({"invoice_title": "示例科技有限公司", "register_no": "91350100M000100Y43"}).encode()
    body = document + b" " * (LIMIT - len(document))
    headers = json_headers(basic(alice), (b"content-length", str(LIMIT).encode()))
    exchange = Exchange(app, "POST", "/api/v1/titles", headers).run([body[:1000], body[1000:]])
    assert exchange.status == 201, exchange.json
    assert exchange.json["status"] == "applying"


def multipart(content: bytes) -> tuple[list[tuple[bytes, bytes]], bytes]:
    boundary = b"fapiao-test-boundary"
    body = (
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="kind"\r\n\r\ntaxation_license\r\n'
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n" + content + b"\r\n--" + boundary + b"--\r\n"
    )
    headers = [(b"host", b"test"), (b"content-type", b"multipart/form-data; boundary=" + boundary)]
    return headers, body


def test_a_document_upload_larger_than_the_json_limit_is_accepted_up_to_its_own(
    app: ASGIApp, alice: factories.Customer
) -> None:
    headers, body = multipart(JPEG + b"\x00" * (DOCUMENT_LIMIT - len(JPEG)))
    assert len(body) > LIMIT
    streamed = Exchange(app, "POST", "/api/v1/documents", [*headers, basic(alice)])
    assert streamed.run([body[i : i + 1000] for i in range(0, len(body), 1000)]).status == 201
    declared = Exchange(
        app, "POST", "/api/v1/documents", [*headers, basic(alice), (b"content-length", b"%d" % len(body))]
    )
    assert declared.run([body]).status == 201


def test_a_document_upload_over_its_own_limit_is_refused_unread(app: ASGIApp, alice: factories.Customer) -> None:
    limit = DOCUMENT_LIMIT + MULTIPART_OVERHEAD
    headers, _ = multipart(b"")
    exchange = Exchange(
        app, "POST", "/api/v1/documents", [*headers, basic(alice), (b"content-length", b"%d" % (limit + 1))]
    )
    assert_refused(exchange.run([b"--"]), limit)
    assert exchange.read == 0


def test_a_query_of_too_many_parameters_is_refused_before_it_is_parsed(app: ASGIApp, alice: factories.Customer) -> None:
    headers = [(b"host", b"test"), basic(alice)]
    within = b"&".join([b"page=1"] * MAX_QUERY_PARAMS)
    assert Exchange(app, "GET", "/api/v1/titles", headers, within).run([b""]).status == 200
    refused = Exchange(app, "GET", "/api/v1/titles", headers, within + b"&page=1").run([b""])
    assert refused.status == 400
    assert refused.json["error"] == {
        "code": "InvalidParameter",
        "message": f"more than {MAX_QUERY_PARAMS} query parameters",
        "field": None,
    }
