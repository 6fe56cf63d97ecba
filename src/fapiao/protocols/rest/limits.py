"""The REST body limit, in front of FastAPI: an oversize body is refused by its Content-Length before a byte
of it is read, and a streamed (chunked) one at the chunk that passes the limit, never held whole.

Hand-written rather than FastAPI's ``max_body_size``: that one answers a Content-Length refusal in plain
text instead of our error envelope, and the upload route's limit is a runtime setting, not a decorator's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fapiao.protocols.wire import content_length

# Room for the multipart framing around an uploaded file: boundaries, part headers, the other form fields.
MULTIPART_OVERHEAD = 64 * 1024


class PayloadTooLarge(HTTPException):
    """Raised from ``receive`` when the streamed body passes the limit; FastAPI hands it, like any
    ``HTTPException``, to the REST error handler, which answers 413 ``PayloadTooLarge``."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))


def too_large_message(limit: int) -> str:
    return f"the request body is larger than {limit} bytes"


class BodyLimit:
    """``limit`` bytes for every request body, or ``routes[(method, path)]`` for the routes named there."""

    def __init__(self, app: ASGIApp, limit: int, routes: Mapping[tuple[str, str], int] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.routes = dict(routes or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.routes.get((scope["method"], scope["path"]), self.limit)
        declared = content_length(scope["headers"])
        if declared is not None and declared > limit:
            await _refuse(scope, send, limit)
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


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    """413 in the REST error envelope, with the request id the request-id layer outside gave the request."""
    request_id = scope.get("state", {}).get("request_id", "")
    body = json.dumps(
        {
            "error": {"code": "PayloadTooLarge", "message": too_large_message(limit), "field": None},
            "request_id": request_id,
        },
        ensure_ascii=False,
        separators=(",", ":"),  # as FastAPI's JSONResponse writes the other errors
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
