"""The REST request limits, in front of FastAPI: an oversize body is refused by its Content-Length before a
byte of it is read, and a streamed (chunked) one at the chunk that passes the limit, never held whole; a query
of more than ``MAX_QUERY_PARAMS`` parameters is refused before anything parses it.

Hand-written rather than FastAPI's ``max_body_size``: that one answers a Content-Length refusal in plain
text instead of our error envelope, and the upload route's limit is a runtime setting, not a decorator's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fapiao.protocols import access
from fapiao.protocols.wire import content_length

# Room for the multipart framing around an uploaded file: boundaries, part headers, the other form fields.
MULTIPART_OVERHEAD = 64 * 1024
# Far above any route's (a few filters, a short repeated list); a 64 KiB query of empty pairs took 75 ms to
# parse on the event loop before any check. Starlette's own multipart parser caps form fields at 1000.
MAX_QUERY_PARAMS = 1000


class PayloadTooLarge(HTTPException):
    """Raised from ``receive`` when the streamed body passes the limit; FastAPI hands it, like any
    ``HTTPException``, to the REST error handler, which answers 413 ``PayloadTooLarge``."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))


def too_large_message(limit: int) -> str:
    return f"the request body is larger than {limit} bytes"


class RequestLimits:
    """``limit`` bytes for every request body, or ``routes[(method, path)]`` for the routes named there, and
    at most ``MAX_QUERY_PARAMS`` query parameters (400 ``InvalidParameter``, like any bad parameter)."""

    def __init__(self, app: ASGIApp, limit: int, routes: Mapping[tuple[str, str], int] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.routes = dict(routes or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("query_string", b"").count(b"&") >= MAX_QUERY_PARAMS:
            message = f"more than {MAX_QUERY_PARAMS} query parameters"
            await _refuse(scope, send, 400, "InvalidParameter", message)
            return
        limit = self.routes.get((scope["method"], scope["path"]), self.limit)
        declared = content_length(scope["headers"])
        if declared is not None and declared > limit:
            await _refuse(scope, send, 413, "PayloadTooLarge", too_large_message(limit))
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(limit)  # the chunk that passes the limit is dropped here
            return message

        await self.app(scope, limited, send)


async def _refuse(scope: Scope, send: Send, status: int, code: str, message: str) -> None:
    """The REST error envelope, with the request id ``protocols.access`` gave the request outside."""
    exchange = access.exchange_of(scope)
    assert exchange is not None, "RequestLimits runs behind access.AccessLog or the server's front door"
    exchange.failed(code)
    request_id = exchange.request_id
    body = json.dumps(
        {
            "error": {"code": code, "message": message, "field": None},
            "request_id": request_id,
        },
        ensure_ascii=False,
        separators=(",", ":"),  # as FastAPI's JSONResponse writes the other errors
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
