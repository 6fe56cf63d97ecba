"""One request, once: its id and its access log line.

``serve`` is the front door every HTTP request passes (``app.FapiaoApp``; the REST app alone is wrapped in
``AccessLog``). It decides the request's id, once: the client's ``X-Request-ID`` when it is a usable one,
else a fresh id in the protocol's own shape (an Alibaba ``RequestId`` is an upper-case UUID, a TOP
``request_id`` 12-13 base-36 characters). The id goes into an ``Exchange`` in the ASGI scope, which the
protocol reads instead of minting its own (so the body's id is the header's) and fills in with what only it
learns: the action, the caller, the error code. The id is bound to every log line of the request (structlog
contextvars), and when the answer is sent one ``access`` line says what happened, and an observer (the
request metrics, ``fapiao.metrics.RequestMetrics``) reads the same exchange.

Hand-written rather than asgi-correlation-id or a Starlette middleware: the wire gateways reach no
framework (``protocols.wire``), and the protocol has to know the id before it renders its body.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("fapiao.access")

# The scope key of the request's Exchange (ASGI lets servers and middleware add their own keys).
EXCHANGE = "fapiao.exchange"
REQUEST_ID_HEADER = b"x-request-id"
# A client's id is kept if it is 1-128 letters, digits and - _ . : (UUIDs, ULIDs and most tracing ids): it is
# echoed in headers, XML and JSON bodies and log lines, where anything else would need escaping or be abuse.
_USABLE_ID = re.compile(rb"[A-Za-z0-9_.:\-]{1,128}")
# What a client claims (an access key id, an action) is logged at most this long.
MAX_CLAIM = 128


# Told about each answered request once, with its duration in seconds, when its access line is written.
Observer = Callable[["Exchange", float], None]


def _uuid4() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class Protocol:
    """A protocol's name in the access log and the shape of the request ids it mints."""

    name: str
    new_request_id: Callable[[], str] = _uuid4


REST = Protocol("rest")
OTHER = Protocol("other")  # health, metrics, anything no protocol serves


@dataclass(slots=True, eq=False)
class Exchange:
    """One request as the access log sees it; the protocol fills in what it learns (all optional)."""

    protocol: str
    request_id: str
    method: str
    path: str
    client: str | None
    started: float
    action: str | None = None  # Alibaba action, TOP method, REST "METHOD /route/{template}"
    caller: str | None = None  # access key id, app key, REST key id: never a secret or a session
    status: int | None = None  # None: nothing was answered (the client went away)
    code: str | None = None  # the error code answered, if any
    sub_code: str | None = None  # TOP's sub_code

    def claim(self, *, action: str | None = None, caller: str | None = None) -> None:
        """Record what the request says it is, bounded: it is the client's text, not yet checked."""
        if action is not None:
            self.action = action[:MAX_CLAIM]
        if caller is not None:
            self.caller = caller[:MAX_CLAIM]

    def failed(self, code: object, sub_code: str | None = None) -> None:
        self.code = str(code)
        self.sub_code = sub_code or None


def request_id_of(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The client's ``X-Request-ID``, if it is usable (``_USABLE_ID``); ASGI header names are lower case."""
    for name, value in headers:
        if name == REQUEST_ID_HEADER:
            return value.decode("ascii") if _USABLE_ID.fullmatch(value) else None
    return None


def begin(protocol: Protocol, scope: Scope) -> Exchange:
    """The request's exchange, with its id: the client's, or one fresh one. Put in ``scope[EXCHANGE]``."""
    peer = scope.get("client")
    exchange = Exchange(
        protocol.name,
        request_id_of(scope["headers"]) or protocol.new_request_id(),
        scope["method"],
        scope["path"],
        peer[0] if peer else None,
        time.perf_counter(),
    )
    scope[EXCHANGE] = exchange
    return exchange


def detached(protocol: Protocol, method: str = "POST", path: str = "") -> Exchange:
    """An exchange for a request answered in-process without ``serve`` (tests, the benchmark's profiler): a
    fresh id, and no access line."""
    return Exchange(protocol.name, protocol.new_request_id(), method, path, None, time.perf_counter())


def exchange_of(scope: Scope) -> Exchange | None:
    exchange: Exchange | None = scope.get(EXCHANGE)
    return exchange


def note_caller(scope: Scope, caller: str) -> None:
    """Record the caller a request claims, where the protocol learns it deep inside (REST authentication)."""
    exchange = scope.get(EXCHANGE)
    if exchange is not None:
        exchange.claim(caller=caller)


def note_failure(scope: Scope, code: str) -> None:
    exchange = scope.get(EXCHANGE)
    if exchange is not None:
        exchange.failed(code)


async def serve(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    protocol: Protocol,
    *,
    sets_id: bool,
    observer: Observer | None = None,
) -> None:
    """Run ``app`` for one HTTP request under its exchange, then log the access line and tell ``observer``.

    ``sets_id``: the app writes ``X-Request-ID`` and the status into the exchange itself (``wire.WireApp``,
    the hot path); otherwise the answer's start message is looked at on its way out."""
    exchange = begin(protocol, scope)
    tokens = structlog.contextvars.bind_contextvars(request_id=exchange.request_id)
    failed = False
    try:
        if sets_id:
            await app(scope, receive, send)
        else:
            await app(scope, receive, _stamping(send, exchange))
    except Exception:
        failed = True
        if exchange.status is None:  # the app failed before answering; the server answers 500
            exchange.status = 500
        raise
    finally:
        seconds = _log(exchange, scope)
        if observer is not None and exchange.status is not None:  # a request never answered is not counted
            observer(exchange, seconds)
        # After a failure the id stays bound, so the server's own report of it ("Exception in ASGI application")
        # carries it too; the server runs each request in a task of its own, which ends with it.
        if not failed:
            structlog.contextvars.reset_contextvars(**tokens)


def _stamping(send: Send, exchange: Exchange) -> Send:
    header = (REQUEST_ID_HEADER, exchange.request_id.encode("ascii"))

    async def stamped(message: Message) -> None:
        if message["type"] == "http.response.start":
            exchange.status = message["status"]
            headers = list(message.get("headers", ()))
            if not any(name.lower() == REQUEST_ID_HEADER for name, _ in headers):
                headers.append(header)
            message = {**message, "headers": headers}
        await send(message)

    return stamped


def _log(exchange: Exchange, scope: Scope) -> float:
    """Write the access line; return the request's duration in seconds."""
    if exchange.action is None and exchange.protocol == REST.name:
        route = scope.get("route")  # set by FastAPI's router on the same scope when a route matched
        template = getattr(route, "path", None)
        if template is not None:
            exchange.action = f"{exchange.method} {template}"
    seconds = time.perf_counter() - exchange.started
    fields: dict[str, object] = {
        "protocol": exchange.protocol,
        "action": exchange.action,
        "caller": exchange.caller,
        "status": exchange.status,
        "duration_ms": round(seconds * 1000, 3),
        "client": exchange.client,
    }
    if exchange.code is not None:
        fields["code"] = exchange.code
        if exchange.sub_code is not None:
            fields["sub_code"] = exchange.sub_code
    if exchange.protocol in (REST.name, OTHER.name):
        fields["http_method"] = exchange.method
        fields["path"] = exchange.path[: MAX_CLAIM * 2]
    log.info("access", **fields)
    return seconds


class AccessLog:
    """The front door for an app served on its own (the REST app in tests and tools); behind ``serve`` (the
    server's ``FapiaoApp``) it only passes the request on, so a request is logged once."""

    def __init__(self, app: ASGIApp, protocol: Protocol = REST) -> None:
        self.app = app
        self.protocol = protocol

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or EXCHANGE in scope:
            await self.app(scope, receive, send)
            return
        await serve(self.app, scope, receive, send, self.protocol, sets_id=False)
