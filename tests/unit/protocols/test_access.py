"""The front door of every request (``protocols.access``): one id, the client's when usable, in the answer's
header and the request's log context, and one access line; the wire gateways' shell sends the same id."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

import pytest
import structlog
from starlette.types import Message, Receive, Scope, Send

from fapiao.protocols import access, wire
from fapiao.protocols.access import AccessLog, Protocol
from fapiao.protocols.wire import WireAnswer, WireApp, WireRequest

FRESH = Protocol("test", lambda: "FRESH-ID")


def scope_of(path: str = "/api/v1/titles/7", *headers: tuple[bytes, bytes], method: str = "GET") -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "headers": list(headers), "client": ("10.0.0.7", 5)}


def run(app: Any, scope: dict[str, Any], protocol: Protocol = FRESH, *, sets_id: bool = False) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(access.serve(app, scope, receive, send, protocol, sets_id=sets_id))
    return sent


def answering(status: int, then: Any = None) -> Any:
    """A plain ASGI app that runs ``then(scope)`` and answers ``status`` without a request id of its own."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if then is not None:
            then(scope)
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"x"})

    return app


def access_lines(output: str) -> list[dict[str, Any]]:
    entries = [json.loads(line) for line in output.splitlines()]
    return [entry for entry in entries if entry["event"] == "access"]


def header(sent: list[Message], name: bytes) -> list[bytes]:
    return [value for key, value in sent[0]["headers"] if key == name]


def test_one_access_line_says_what_the_protocol_learnt_and_carries_the_id_of_the_answers_header(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def rest_route(scope: Scope) -> None:
        scope["route"] = SimpleNamespace(path="/api/v1/titles/{title_id}")  # as FastAPI's router sets it
        access.note_caller(scope, "LTAI5tKeyId")
        access.note_failure(scope, "NotFound")

    sent = run(answering(404, rest_route), scope_of(), Protocol("rest", lambda: "FRESH-ID"))
    assert sent[0]["status"] == 404 and header(sent, b"x-request-id") == [b"FRESH-ID"]
    [line] = access_lines(capsys.readouterr().out)
    assert line == {
        "event": "access",
        "protocol": "rest",
        "action": "GET /api/v1/titles/{title_id}",
        "caller": "LTAI5tKeyId",
        "status": 404,
        "code": "NotFound",
        "duration_ms": line["duration_ms"],
        "client": "10.0.0.7",
        "http_method": "GET",
        "path": "/api/v1/titles/7",
        "request_id": "FRESH-ID",
        "level": "info",
        "timestamp": line["timestamp"],
    }
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0


def test_an_answer_that_sets_its_own_request_id_header_keeps_it_once() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-request-id", b"mine")]})
        await send({"type": "http.response.body", "body": b""})

    assert header(run(app, scope_of()), b"x-request-id") == [b"mine"]


@pytest.mark.parametrize(
    "given",
    [b"0af7651916cd43dd8448eb211c80319c", b"01J9Z3K6Q8XYZ", b"a-b_c.d:e", b"A" * 128, b"BBEF51A3-E933-4F40"],
)
def test_a_usable_client_request_id_is_the_requests(given: bytes) -> None:
    sent = run(answering(200), scope_of("/", (b"x-request-id", given)))
    assert header(sent, b"x-request-id") == [given]


@pytest.mark.parametrize(
    "given", [b"", b"A" * 129, b"two words", b"<xml>", b"a;b", b"50%", b"caf\xc3\xa9", b"line\r\nbreak", b"\x00"]
)
def test_an_unusable_client_request_id_is_replaced_by_a_fresh_one_in_the_protocols_shape(given: bytes) -> None:
    sent = run(answering(200), scope_of("/", (b"x-request-id", given)))
    assert header(sent, b"x-request-id") == [b"FRESH-ID"]


def test_the_id_is_bound_to_the_requests_log_lines_and_unbound_after_it() -> None:
    seen: list[dict[str, Any]] = []
    app = answering(200, lambda scope: seen.append(structlog.contextvars.get_contextvars()))

    async def serve_then_look() -> dict[str, Any]:
        async def send(message: Message) -> None:
            pass

        await access.serve(app, scope_of(), None, send, FRESH, sets_id=False)  # type: ignore[arg-type]
        return structlog.contextvars.get_contextvars()  # in the same task: a server's next step

    assert asyncio.run(serve_then_look()) == {}
    assert seen == [{"request_id": "FRESH-ID"}]


def test_a_failing_app_is_logged_as_500_and_its_id_stays_bound_for_the_servers_report(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    async def serve_and_report() -> dict[str, Any]:
        scope = scope_of("/x")
        with pytest.raises(RuntimeError):
            await access.serve(broken, scope, None, None, access.OTHER, sets_id=False)  # type: ignore[arg-type]
        return structlog.contextvars.get_contextvars()  # what the server's own error line would carry

    bound = asyncio.run(serve_and_report())  # a task of its own, as a server runs each request
    [line] = access_lines(capsys.readouterr().out)
    assert (line["status"], line["protocol"], line["request_id"]) == (500, "other", bound["request_id"])


def test_what_a_client_claims_is_logged_bounded() -> None:
    exchange = access.detached(FRESH)
    exchange.claim(action="A" * 10_000, caller="K" * 10_000)
    assert (len(exchange.action or ""), len(exchange.caller or "")) == (access.MAX_CLAIM, access.MAX_CLAIM)


def test_behind_the_front_door_the_rest_apps_own_layer_only_passes_the_request_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    inner = AccessLog(answering(201))
    sent = run(inner, scope_of(method="POST"), access.REST)
    assert len(header(sent, b"x-request-id")) == 1
    assert len(access_lines(capsys.readouterr().out)) == 1

    alone: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request"}

    async def send(message: Message) -> None:
        alone.append(message)

    asyncio.run(inner(scope_of(), receive, send))  # served on its own, it is the front door
    assert len(header(alone, b"x-request-id")) == 1
    assert [line["status"] for line in access_lines(capsys.readouterr().out)] == [201]


@pytest.mark.parametrize("execution", [wire.INLINE, wire.threaded()], ids=["inline", "threaded"])
def test_a_wire_gateway_is_told_the_id_sends_it_and_logs_under_it_on_its_thread_too(
    execution: wire.Execution, capsys: pytest.CaptureFixture[str]
) -> None:
    told: list[tuple[str, object]] = []

    def gateway(request: WireRequest) -> WireAnswer:
        told.append((request.exchange.request_id, structlog.contextvars.get_contextvars().get("request_id")))
        request.exchange.claim(action="QueryInvoicingCustomerList", caller="LTAI5tKeyId")
        request.exchange.failed("SignatureDoesNotMatch")
        return WireAnswer(400, "application/json", b"{}", {})

    sent = run(WireApp(gateway, execution=execution), scope_of("/", method="POST"), FRESH, sets_id=True)
    assert told == [("FRESH-ID", "FRESH-ID")]
    assert header(sent, b"x-request-id") == [b"FRESH-ID"]
    [line] = access_lines(capsys.readouterr().out)
    assert (line["status"], line["code"], line["caller"], line["action"]) == (
        400,
        "SignatureDoesNotMatch",
        "LTAI5tKeyId",
        "QueryInvoicingCustomerList",
    )
    assert "path" not in line  # a wire protocol's path says nothing its name does not
