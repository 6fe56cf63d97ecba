"""The wire gateways as plain ASGI apps, reached by exact path before the REST app's router and middleware.

Every signed request pays for the web layer, and Starlette's ``Request``, FastAPI's routing over the REST
routes and the middleware stack cost more than the gateway's own work once credentials are cached
(bench/README.md). Here a request is: read the body from ``receive``, run the gateway's synchronous
pipeline where the app's ``Execution`` says (it talks to the database), send the answer it rendered.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from starlette.types import Receive, Scope, Send

from fapiao.protocols.access import EXCHANGE, OTHER, Exchange, begin

# The body limit of a WireApp not told otherwise (the gateways get ``Settings.max_body_bytes``).
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
# Requests in the database at once per process; more only queue on the connection pool (SQLite has one).
GATEWAY_THREADS = 16
# The most request bytes (query and body) an inline gateway parses on the event loop. Decoding is linear but
# slow in Python (a megabyte of percent-escapes took 0.2-0.4 s), and on the loop it would delay every other
# request; legitimate requests are a few KB, so only outsized ones take the hop to a thread.
INLINE_MAX_BYTES = 16 * 1024


@dataclass(frozen=True)
class WireRequest:
    method: str
    query: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes
    # The request's id, and where the gateway records its action, caller and error code for the access log.
    exchange: Exchange
    # The caller as the server saw it: the socket peer, unless the server trusts a proxy in front of it
    # (``FAPIAO_TRUSTED_PROXIES``: uvicorn then takes the client and scheme from X-Forwarded-For/-Proto).
    client: str | None = None
    secure: bool = False


@dataclass(frozen=True)
class WireAnswer:
    status: int
    content_type: str
    body: bytes
    headers: Mapping[str, str]


Answerer = Callable[[WireRequest], WireAnswer]
# Answers a request refused before its body was read (``body`` is empty): each protocol's own error envelope.
Refuser = Callable[[WireRequest], WireAnswer]


class BodyTooLarge(Exception):
    """The request's body is over the limit: by its Content-Length, or as streamed so far."""


class ClientGone(Exception):
    """The client disconnected before its body was complete: there is no request to answer."""


@dataclass(frozen=True)
class Execution:
    """Where a gateway's synchronous answer runs: on ``executor``'s threads, or inline on the event loop
    (``executor`` None). Inline is right where the database serves one request at a time anyway (SQLite,
    one connection per process): there the hop and the threads' fight for the GIL cost about as much as
    the request itself. Elsewhere (PostgreSQL) threads overlap the round trips to the server. The app
    decides once (``app.wire_execution``) and hands the same policy to every gateway. Even inline, a request
    over ``INLINE_MAX_BYTES`` is answered on a thread: its parsing alone would stall the loop.
    """

    executor: Executor | None

    @property
    def inline(self) -> bool:
        return self.executor is None


INLINE = Execution(None)


def threaded() -> Execution:
    """On the gateways' worker threads, one pool per process."""
    return Execution(_threads())


def _plain_too_large(_request: WireRequest) -> WireAnswer:
    return WireAnswer(413, "text/plain; charset=utf-8", b"Request Entity Too Large", {})


class WireApp:
    """One gateway: ``answer`` turns a complete request into a complete answer and never raises.

    ``methods`` None lets every verb reach ``answer`` (the protocol refuses the ones it does not serve in its
    own words); a body over ``max_body_bytes`` is answered by ``too_large`` without ever reaching it.
    """

    def __init__(
        self,
        answer: Answerer,
        methods: Iterable[str] | None = None,
        *,
        execution: Execution,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        too_large: Refuser = _plain_too_large,
    ) -> None:
        self.answer = answer
        self.methods = frozenset(methods) if methods is not None else None
        self.execution = execution
        self.max_body_bytes = max_body_bytes
        self.too_large = too_large
        self._executor = execution.executor

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The front door (``access.serve``) began the exchange; served on its own, the app begins one itself.
        exchange: Exchange = scope.get(EXCHANGE) or begin(OTHER, scope)
        method: str = scope["method"]
        if self.methods is not None and method not in self.methods:
            allow = ", ".join(sorted(self.methods))
            await _send(send, exchange, 405, "text/plain; charset=utf-8", b"Method Not Allowed", {"allow": allow})
            return
        query: bytes = scope.get("query_string", b"")
        try:
            body = await read_body(scope["headers"], receive, self.max_body_bytes)
        except ClientGone:
            return  # nobody to answer; a truncated body must not be acted on
        except BodyTooLarge:
            refused = self.too_large(WireRequest(method, query, scope["headers"], b"", exchange))
            await _send(send, exchange, refused.status, refused.content_type, refused.body, refused.headers)
            return
        request = WireRequest(
            method, query, scope["headers"], body, exchange, exchange.client, scope.get("scheme") == "https"
        )
        executor = self._executor
        if executor is None and len(query) + len(body) > INLINE_MAX_BYTES:
            executor = _threads()
        if executor is None:
            answer = self.answer(request)
        else:
            # In the request's context, so its log lines carry its id (run_in_executor does not copy it).
            run = contextvars.copy_context().run
            answer = await asyncio.get_running_loop().run_in_executor(executor, run, self.answer, request)
        await _send(send, exchange, answer.status, answer.content_type, answer.body, answer.headers)


@functools.cache
def _threads() -> ThreadPoolExecutor:
    """The gateways' worker threads, one pool per process. A plain executor hop costs a fraction of anyio's
    ``to_thread`` (capacity limiter, cancel scopes), which showed as a fifth of a signed read's CPU."""
    return ThreadPoolExecutor(max_workers=GATEWAY_THREADS, thread_name_prefix="fapiao-wire")


_SET_HERE = frozenset({"content-type", "content-length", "x-request-id"})


def content_length(headers: Iterable[tuple[bytes, bytes]]) -> int | None:
    """The declared body size, or None (chunked, or absent; the HTTP parser has refused a malformed one)."""
    for name, value in headers:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def read_body(headers: Iterable[tuple[bytes, bytes]], receive: Receive, limit: int) -> bytes:
    """The whole body, never holding more than ``limit`` bytes of it.

    ``BodyTooLarge`` by Content-Length before a byte is read, or at the chunk that passes the limit (a chunked
    body declares no size); ``ClientGone`` if the client disconnects first.
    """
    declared = content_length(headers)
    if declared is not None and declared > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send(
    send: Send, exchange: Exchange, status: int, content_type: str, body: bytes, headers: Mapping[str, str]
) -> None:
    exchange.status = status
    raw: list[tuple[bytes, Any]] = [
        (b"content-type", content_type.encode("latin-1")),
        (b"content-length", str(len(body)).encode("latin-1")),
        (b"x-request-id", exchange.request_id.encode("latin-1")),
    ]
    raw.extend(
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in headers.items()
        if name.lower() not in _SET_HERE
    )
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
