"""``/router/rest``: a plain ASGI app (``protocols.wire``), no framework on this hot path.

Pipeline: parse (query + body merged) → the common checks (method, app key, signature, timestamp, version,
format, session: ``checks``, with the app and session from ``auth.service``) → throttling (7) → the
catalog's parameter checks (40/41) → the handler → the envelope. An address over its budget of failed
authentications (``fapiao.throttling``) is refused (7) before the app is looked up or a signature checked.
Every outcome is HTTP 200 with a ``request_id`` (the one ``protocols.access`` gave the request); a refusal is
recorded for the access log (code, sub_code), an unexpected failure is logged and answered as code 10, never
as a 500 (taobaopy would retry a 5xx). Sessions, signatures and secrets never reach the log.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import structlog

from fapiao import metrics
from fapiao.auth.service import AuthenticatedApp, Refusal, Refused, authenticate_top
from fapiao.domain.errors import DomainError
from fapiao.protocols.access import Exchange, Protocol
from fapiao.protocols.top import errors
from fapiao.protocols.top.catalog import CATALOG, SESSION_RULES, Call, business_error_for
from fapiao.protocols.top.checks import CheckedRequest, Rejected, check_signed, check_target
from fapiao.protocols.top.envelope import (
    Format,
    Rendered,
    new_request_id,
    render_error,
    render_success,
    requested_format,
)
from fapiao.protocols.top.errors import Code, TopError, platform_error
from fapiao.protocols.top.params import parse_params
from fapiao.protocols.top.request import MAX_PARAMS, parse_request
from fapiao.protocols.wire import Execution, WireAnswer, WireApp, WireRequest
from fapiao.runtime import Runtime
from fapiao.throttling import Scope, Throttle, Throttled, app_caller

log = structlog.get_logger(__name__)


PATH = "/router/rest"
PROTOCOL = Protocol("top", new_request_id)


def wire_app(runtime: Runtime, execution: Execution) -> WireApp:
    """Every verb reaches the handler, so the ones TOP does not serve get its error 9, not a bare 405."""

    def answer(request: WireRequest) -> WireAnswer:
        content_type = next((v.decode("latin-1") for k, v in request.headers if k.lower() == b"content-type"), None)
        body = request.body if request.method == "POST" else b""
        rendered = handle(
            runtime,
            request.method,
            request.query,
            content_type,
            body,
            exchange=request.exchange,
            address=request.client,
        )
        return WireAnswer(200, rendered.media_type, rendered.body, {})

    limit = runtime.settings.max_body_bytes

    def too_large(request: WireRequest) -> WireAnswer:
        """43, as for any body it cannot use, in TOP's HTTP 200 (its SDKs raise a bare error on any other)."""
        error = platform_error(Code.PARAMETER_ERROR, sub_msg=f"the request body is larger than {limit} bytes")
        rendered = _refused(error, request.exchange, _query_format(request.query))
        return WireAnswer(200, rendered.media_type, rendered.body, {})

    return WireApp(answer, execution=execution, max_body_bytes=limit, too_large=too_large)


def handle(
    rt: Runtime,
    http_method: str,
    query: bytes,
    content_type: str | None,
    body: bytes,
    *,
    exchange: Exchange,
    address: str | None = None,
) -> Rendered:
    """Answer one request from ``address`` (the client's, for its failure budget); never raises. ``exchange``
    holds the request's id and takes its method, app key and error code (the access log)."""
    request_id = exchange.request_id
    fmt = _query_format(query)
    try:
        params = parse_request(http_method, query, content_type, body).params
        fmt = requested_format(params)
        exchange.claim(action=params.get("method"), caller=params.get("app_key"))
        return _dispatch(rt, params, request_id, address)
    except TopError as error:
        return _refused(error, exchange, fmt)
    except Exception:
        log.exception("top.failed", method=exchange.action, app_key=exchange.caller)  # the request id is bound
        failure = platform_error(Code.SERVICE_CURRENTLY_UNAVAILABLE, sub_msg=f"the error is logged as {request_id}")
        return _refused(failure, exchange, fmt)


def _refused(error: TopError, exchange: Exchange, fmt: Format) -> Rendered:
    exchange.failed(error.code, error.sub_code)
    return render_error(error, fmt=fmt, request_id=exchange.request_id)


def _dispatch(rt: Runtime, params: Mapping[str, str], request_id: str, address: str | None) -> Rendered:
    throttle = rt.throttle
    blocked = throttle.blocked(address)
    if blocked is not None:
        raise _limited(blocked)
    authenticated = _authenticated(rt, params, throttle, address)
    checked = authenticated.verdict
    assert isinstance(checked, CheckedRequest)  # the verdict it was accepted with
    merchant = authenticated.merchant
    caller = app_caller(checked.app_key, merchant.account_id if merchant is not None else None)
    limited = throttle.admit(caller, checked.method)
    if limited is not None:
        raise _limited(limited)
    api = CATALOG[checked.method]
    args = parse_params(api.params, checked.api_params)
    try:
        fields = api.handler(Call(rt, authenticated.app, authenticated.merchant, args))
    except DomainError as exc:
        raise business_error_for(exc, api.wire_field) from None
    if set(fields) != set(api.returns):  # a handler broke its declared shape: a bug, answered as code 10
        raise RuntimeError(f"{api.name} returned {sorted(fields)}, declared {sorted(api.returns)}")
    return render_success(checked.method, fields, fmt=checked.format, simplify=checked.simplify, request_id=request_id)


def _authenticated(
    rt: Runtime, params: Mapping[str, str], throttle: Throttle, address: str | None
) -> AuthenticatedApp[CheckedRequest | Rejected]:
    """The common checks in ``checks``' order, with the app and the session from ``auth.service``; a refusal
    from the app on counts against the address's failure budget."""
    method, app_key = check_target(params, SESSION_RULES)
    rule, now = SESSION_RULES[method], datetime.now(UTC)
    max_skew = timedelta(seconds=rt.settings.top_timestamp_skew_seconds)

    def verify(secret: str) -> CheckedRequest | Rejected:
        return check_signed(params, method, app_key, secret, now, rule, max_skew=max_skew)

    result = authenticate_top(rt, app_key, params.get("session") or None, verify)
    if not isinstance(result, Refused):
        return result
    throttle.failed(address)
    metrics.auth_failed(metrics.Protocol.TOP, _auth_failure(result))
    match result.refusal:
        case Refusal.UNKNOWN_CREDENTIAL:
            raise errors.invalid_app_key()
        case Refusal.UNKNOWN_SESSION:
            raise errors.invalid_session()
        case Refusal.SESSION_EXPIRED:
            raise errors.session_expired()
        case _:
            assert isinstance(result.verdict, Rejected)
            raise result.verdict.error


_REFUSALS = {
    Refusal.UNKNOWN_CREDENTIAL: metrics.AuthFailure.UNKNOWN_KEY,
    Refusal.UNKNOWN_SESSION: metrics.AuthFailure.UNKNOWN_SESSION,
    Refusal.SESSION_EXPIRED: metrics.AuthFailure.EXPIRED_SESSION,
}
# What ``check_signed`` rejected, by its code.
_REJECTIONS: dict[int, metrics.AuthFailure] = {
    Code.MISSING_SIGNATURE: metrics.AuthFailure.MISSING_CREDENTIALS,
    Code.INVALID_SIGNATURE: metrics.AuthFailure.BAD_SIGNATURE,
    Code.MISSING_TIMESTAMP: metrics.AuthFailure.MISSING_CREDENTIALS,
    Code.INVALID_TIMESTAMP: metrics.AuthFailure.EXPIRED_TIMESTAMP,
    Code.MISSING_SESSION: metrics.AuthFailure.MISSING_CREDENTIALS,
}


def _auth_failure(result: Refused[CheckedRequest | Rejected]) -> metrics.AuthFailure:
    if result.refusal in _REFUSALS:
        return _REFUSALS[result.refusal]
    verdict = result.verdict
    if isinstance(verdict, Rejected) and verdict.error.code in _REJECTIONS:
        return _REJECTIONS[verdict.error.code]
    return metrics.AuthFailure.OTHER


_SUB_CODES = {Scope.CALLER: errors.APP_LIMIT, Scope.ACTION: errors.APP_API_LIMIT, Scope.ADDRESS: errors.ADDRESS_LIMIT}


def _limited(refusal: Throttled) -> TopError:
    metrics.throttled(metrics.Protocol.TOP, refusal.scope.value)
    return errors.app_call_limited(_SUB_CODES[refusal.scope], refusal.retry_after)


def _query_format(query: bytes) -> Format:
    """The format to answer in when the request cannot be parsed at all (its query may still name one)."""
    try:
        values = parse_qs(query.decode("latin-1"), max_num_fields=MAX_PARAMS).get("format", [])
    except ValueError:  # too many fields: refused anyway, the format cannot matter more than the bound
        values = []
    return Format.JSON if values and values[-1].lower() == Format.JSON else Format.XML
