"""The wire gateways as plain ASGI apps, reached by exact path before the REST app's router and middleware.

Every signed request pays for the web layer, and Starlette's ``Request``, FastAPI's routing over the REST
routes and the middleware stack cost more than the gateway's own work once credentials are cached
(bench/README.md). Here a request is: read the body from ``receive``, run the gateway's synchronous
pipeline where the app's ``Execution`` says (it talks to the database), send the answer it rendered.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from starlette.types import Receive, Scope, Send

# A generous bound on request bodies: the largest legitimate one (an ApplyInvoice with many lines) is a few KB.
MAX_BODY_BYTES = 8 * 1024 * 1024
# Requests in the database at once per process; more only queue on the connection pool (SQLite has one).
GATEWAY_THREADS = 16


@dataclass(frozen=True)
class WireRequest:
    method: str
    query: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes
    client: str | None = None  # the source address (the proxy's client, when uvicorn trusts the proxy)


@dataclass(frozen=True)
class WireAnswer:
    status: int
    content_type: str
    body: bytes
    headers: Mapping[str, str]


Answerer = Callable[[WireRequest], WireAnswer]


@dataclass(frozen=True)
class Execution:
    """Where a gateway's synchronous answer runs: on ``executor``'s threads, or inline on the event loop
    (``executor`` None). Inline is right where the database serves one request at a time anyway (SQLite,
    one connection per process): there the hop and the threads' fight for the GIL cost about as much as
    the request itself. Elsewhere (PostgreSQL) threads overlap the round trips to the server. The app
    decides once (``app.wire_execution``) and hands the same policy to every gateway.
    """

    executor: Executor | None

    @property
    def inline(self) -> bool:
        return self.executor is None


INLINE = Execution(None)


def threaded() -> Execution:
    """On the gateways' worker threads, one pool per process."""
    return Execution(_threads())


class WireApp:
    """One gateway: ``answer`` turns a complete request into a complete answer and never raises."""

    def __init__(self, answer: Answerer, methods: Iterable[str] | None = None, *, execution: Execution) -> None:
        self.answer = answer
        self.methods = frozenset(methods) if methods is not None else None
        self.execution = execution
        self._executor = execution.executor

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        if self.methods is not None and method not in self.methods:
            allow = ", ".join(sorted(self.methods))
            await _send(send, 405, "text/plain; charset=utf-8", b"Method Not Allowed", {"allow": allow})
            return
        body = await _read_body(receive)
        if body is None:
            await _send(send, 413, "text/plain; charset=utf-8", b"Request Entity Too Large", {})
            return
        client = scope.get("client")
        request = WireRequest(
            method, scope.get("query_string", b""), scope["headers"], body, client[0] if client else None
        )
        if self._executor is None:
            answer = self.answer(request)
        else:
            answer = await asyncio.get_running_loop().run_in_executor(self._executor, self.answer, request)
        await _send(send, answer.status, answer.content_type, answer.body, answer.headers)


@functools.cache
def _threads() -> ThreadPoolExecutor:
    """The gateways' worker threads, one pool per process. A plain executor hop costs a fraction of anyio's
    ``to_thread`` (capacity limiter, cancel scopes), which showed as a fifth of a signed read's CPU."""
    return ThreadPoolExecutor(max_workers=GATEWAY_THREADS, thread_name_prefix="fapiao-wire")


_SET_HERE = frozenset({"content-type", "content-length", "x-request-id"})


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send(send: Send, status: int, content_type: str, body: bytes, headers: Mapping[str, str]) -> None:
    raw: list[tuple[bytes, Any]] = [
        (b"content-type", content_type.encode("latin-1")),
        (b"content-length", str(len(body)).encode("latin-1")),
        (b"x-request-id", str(uuid.uuid4()).encode("latin-1")),
    ]
    raw.extend(
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in headers.items()
        if name.lower() not in _SET_HERE
    )
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
