"""The plain ASGI shell of the wire gateways: body assembly, methods, size limit, headers, threads."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from starlette.types import Message

from fapiao.protocols import wire
from fapiao.protocols.wire import WireAnswer, WireApp, WireRequest


class Recorder:
    """An answerer that remembers what it was asked and on which thread."""

    def __init__(self, answer: WireAnswer | None = None) -> None:
        self.requests: list[WireRequest] = []
        self.threads: list[str] = []
        self.answer = answer or WireAnswer(200, "application/json;charset=utf-8", b'{"ok":true}', {})

    def __call__(self, request: WireRequest) -> WireAnswer:
        self.requests.append(request)
        self.threads.append(threading.current_thread().name)
        return self.answer


def call(
    app: WireApp,
    method: str = "POST",
    chunks: tuple[bytes, ...] = (b"",),
    query: bytes = b"",
    client: tuple[str, int] | None = None,
) -> list[Message]:
    scope: dict[str, Any] = {
        "type": "http",
        "method": method,
        "path": "/",
        "query_string": query,
        "headers": [(b"content-type", b"application/x-www-form-urlencoded")],
    }
    if client is not None:
        scope["client"] = client
    incoming: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": n < len(chunks) - 1} for n, chunk in enumerate(chunks)
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def headers_of(sent: list[Message]) -> dict[bytes, list[bytes]]:
    found: dict[bytes, list[bytes]] = {}
    for name, value in sent[0]["headers"]:
        found.setdefault(name, []).append(value)
    return found


@pytest.mark.parametrize("inline", [True, False])
def test_a_request_in_chunks_reaches_the_answerer_whole_and_its_answer_is_sent(inline: bool) -> None:
    recorder = Recorder()
    app = WireApp(recorder, execution=wire.INLINE if inline else wire.threaded())
    sent = call(app, chunks=(b"Action=Query", b"&Version=2017"), query=b"a=1")
    assert [(r.method, r.query, r.body) for r in recorder.requests] == [("POST", b"a=1", b"Action=Query&Version=2017")]
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b'{"ok":true}'
    headers = headers_of(sent)
    assert headers[b"content-type"] == [b"application/json;charset=utf-8"]
    assert headers[b"content-length"] == [b"11"]
    assert len(headers[b"x-request-id"]) == 1


def test_inline_answers_run_on_the_event_loop_thread_and_the_others_on_the_gateway_pool() -> None:
    inline, threaded = Recorder(), Recorder()
    call(WireApp(inline, execution=wire.INLINE))
    call(WireApp(threaded, execution=wire.threaded()))
    assert inline.threads == [threading.current_thread().name]  # asyncio.run drives the loop on this thread
    assert threaded.threads[0].startswith("fapiao-wire")


def test_a_method_the_gateway_does_not_serve_is_405_and_never_reaches_it() -> None:
    recorder = Recorder()
    sent = call(WireApp(recorder, methods=("GET", "POST"), execution=wire.INLINE), method="DELETE")
    assert sent[0]["status"] == 405
    assert headers_of(sent)[b"allow"] == [b"GET, POST"]
    assert recorder.requests == []


def test_a_body_over_the_limit_is_413_and_never_reaches_the_gateway(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wire, "MAX_BODY_BYTES", 10)
    recorder = Recorder()
    sent = call(WireApp(recorder, execution=wire.INLINE), chunks=(b"123456", b"78901"))
    assert sent[0]["status"] == 413
    assert recorder.requests == []


def test_the_answers_own_headers_are_sent_once_and_cannot_override_the_framing() -> None:
    answer = WireAnswer(
        400, "text/xml;charset=utf-8", b"<Error/>", {"X-Acs-Request-Id": "R1", "Content-Type": "text/plain"}
    )
    sent = call(WireApp(Recorder(answer), execution=wire.INLINE))
    headers = headers_of(sent)
    assert sent[0]["status"] == 400
    assert headers[b"x-acs-request-id"] == [b"R1"]
    assert headers[b"content-type"] == [b"text/xml;charset=utf-8"]


def test_the_request_carries_the_client_address_when_the_server_knows_it() -> None:
    recorder = Recorder()
    app = WireApp(recorder, execution=wire.INLINE)
    call(app, client=("203.0.113.5", 50123))
    call(app)  # e.g. a unix socket: no address
    assert [request.client for request in recorder.requests] == ["203.0.113.5", None]
