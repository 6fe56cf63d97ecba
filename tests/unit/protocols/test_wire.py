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
    headers: tuple[tuple[bytes, bytes], ...] = (),
    incoming: list[Message] | None = None,
    client: tuple[str, int] | None = None,
) -> list[Message]:
    """Send ``chunks`` (or the ``incoming`` messages) as the request; ``incoming`` is left with what was not read."""
    scope: dict[str, Any] = {
        "type": "http",
        "method": method,
        "path": "/",
        "query_string": query,
        "headers": [(b"content-type", b"application/x-www-form-urlencoded"), *headers],
    }
    if client is not None:
        scope["client"] = client
    if incoming is None:
        incoming = [
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


def refuser(status: int = 400) -> Any:
    """A protocol's refusal: its own envelope, recognisable in the test."""

    def too_large(request: WireRequest) -> WireAnswer:
        return WireAnswer(status, "application/json", b'{"Code":"TooLarge","query":"%s"}' % request.query, {})

    return too_large


def test_a_streamed_body_over_the_limit_is_refused_in_the_protocols_words_and_never_reaches_the_gateway() -> None:
    recorder = Recorder()
    app = WireApp(recorder, execution=wire.INLINE, max_body_bytes=10, too_large=refuser(413))
    sent = call(app, chunks=(b"123456", b"78901", b"never read"), query=b"Format=JSON")
    assert (sent[0]["status"], sent[1]["body"]) == (413, b'{"Code":"TooLarge","query":"Format=JSON"}')
    assert recorder.requests == []


def test_a_declared_length_over_the_limit_is_refused_before_a_byte_of_the_body_is_read() -> None:
    recorder = Recorder()
    unread: list[Message] = [{"type": "http.request", "body": b"x" * 11, "more_body": False}]
    app = WireApp(recorder, execution=wire.INLINE, max_body_bytes=10, too_large=refuser())
    sent = call(app, headers=((b"content-length", b"268435456"),), incoming=unread)
    assert sent[0]["status"] == 400
    assert len(unread) == 1  # receive was never called
    assert recorder.requests == []


def test_a_body_of_exactly_the_limit_is_answered() -> None:
    recorder = Recorder()
    app = WireApp(recorder, execution=wire.INLINE, max_body_bytes=10, too_large=refuser())
    sent = call(app, chunks=(b"12345", b"67890"), headers=((b"content-length", b"10"),))
    assert sent[0]["status"] == 200
    assert [r.body for r in recorder.requests] == [b"1234567890"]


def test_a_client_gone_before_its_body_is_complete_gets_no_answer_and_its_request_is_not_run() -> None:
    recorder = Recorder()
    incoming: list[Message] = [
        {"type": "http.request", "body": b"Action=Apply", "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent = call(WireApp(recorder, execution=wire.INLINE), incoming=incoming)
    assert sent == []
    assert recorder.requests == []


def test_an_inline_gateway_answers_an_outsized_request_on_a_thread_so_parsing_it_never_stalls_the_loop() -> None:
    recorder = Recorder()
    app = WireApp(recorder, execution=wire.INLINE)
    call(app, chunks=(b"a=1",))
    call(app, chunks=(b"x" * (wire.INLINE_MAX_BYTES + 1),))
    call(app, method="GET", query=b"x" * (wire.INLINE_MAX_BYTES + 1))
    loop_thread = threading.current_thread().name
    assert recorder.threads[0] == loop_thread
    assert [name.startswith("fapiao-wire") for name in recorder.threads[1:]] == [True, True]


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
