"""The REST error envelope: ``{"error": {"code", "message", "field"}, "request_id"}`` with a fitting status."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from fapiao.domain.errors import DomainError
from fapiao.protocols import access
from fapiao.protocols.native import status_and_code
from fapiao.throttling import TooManyRequests

log = structlog.get_logger(__name__)

_HTTP_CODES = {
    400: "InvalidParameter",  # a body that is not JSON (or nested too deep to parse): the parameter error
    401: "Unauthenticated",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    429: "TooManyRequests",
}


def request_id(request: Request) -> str:
    """The id ``protocols.access`` gave the request (the REST app is always served behind it)."""
    exchange = access.exchange_of(request.scope)
    assert exchange is not None, "the REST app runs behind access.AccessLog or the server's front door"
    return exchange.request_id


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    access.note_failure(request.scope, code)
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": 'Basic realm="fapiao"'}
    return JSONResponse(
        {"error": {"code": code, "message": message, "field": field}, "request_id": request_id(request)},
        status_code=status,
        headers=headers,
    )


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status, code = status_and_code(exc)
    headers = {"Retry-After": str(exc.throttled.retry_after)} if isinstance(exc, TooManyRequests) else None
    return error_response(request, status, code, exc.message, exc.field, headers)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    """400 naming the input at fault: its top-level name, which for bodies is the command's domain field."""
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request", "type": ""}
    location = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "header")]
    path = ".".join(location)
    field = next((part for part in location if not part.isdigit()), None)
    code = "MissingParameter" if first.get("type") == "missing" else "InvalidParameter"
    message = f"{path}: {first.get('msg')}" if path else str(first.get("msg"))
    return error_response(request, 400, code, message, field)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return error_response(request, exc.status_code, _HTTP_CODES.get(exc.status_code, "HttpError"), str(exc.detail))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", path=request.url.path)  # the request id is bound to every line
    return error_response(request, 500, "InternalError", "the server failed to answer; the error is logged")


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
