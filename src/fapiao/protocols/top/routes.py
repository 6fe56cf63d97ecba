"""``/router/rest``: a plain ASGI app (``gateways.wire``), no framework on this hot path.

Pipeline: parse (query + body merged) → ``check_common`` (method, app key, signature, timestamp, version,
format, session) → the catalog's parameter checks (40/41) → the handler → the envelope. Every outcome is
HTTP 200 with a ``request_id``; an unexpected failure is logged and answered as code 10, never as a 500
(taobaopy would retry a 5xx). Sessions, signatures and secrets never reach the log.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import structlog

from fapiao.auth import revisions
from fapiao.domain.errors import DomainError, Reason, Unauthenticated
from fapiao.protocols.top import errors
from fapiao.protocols.top.catalog import CATALOG, SESSION_RULES, Call, business_error_for
from fapiao.protocols.top.checks import CheckedRequest, check_common
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
from fapiao.protocols.top.request import parse_request
from fapiao.protocols.wire import WireAnswer, WireApp, WireRequest
from fapiao.providers import service as providers
from fapiao.providers.service import AppCredential, MerchantSession, SessionGrant
from fapiao.runtime import Runtime

log = structlog.get_logger(__name__)


PATH = "/router/rest"


def wire_app(runtime: Runtime) -> WireApp:
    """Every verb reaches the handler, so the ones TOP does not serve get its error 9, not a bare 405."""

    def answer(request: WireRequest) -> WireAnswer:
        content_type = next((v.decode("latin-1") for k, v in request.headers if k.lower() == b"content-type"), None)
        body = request.body if request.method == "POST" else b""
        rendered = handle(runtime, request.method, request.query, content_type, body)
        return WireAnswer(200, rendered.media_type, rendered.body, {})

    return WireApp(answer, inline=runtime.db.serial)


def handle(rt: Runtime, http_method: str, query: bytes, content_type: str | None, body: bytes) -> Rendered:
    """Answer one request; never raises."""
    request_id = new_request_id()
    fmt = _query_format(query)
    method = app_key = None
    try:
        params = parse_request(http_method, query, content_type, body).params
        fmt = requested_format(params)
        method, app_key = params.get("method"), params.get("app_key")
        return _dispatch(rt, params, request_id)
    except TopError as error:
        log.info(
            "top.refused",
            request_id=request_id,
            method=method,
            app_key=app_key,
            code=error.code,
            sub_code=error.sub_code,
        )
        return render_error(error, fmt=fmt, request_id=request_id)
    except Exception:
        log.exception("top.failed", request_id=request_id, method=method, app_key=app_key)
        failure = platform_error(Code.SERVICE_CURRENTLY_UNAVAILABLE, sub_msg=f"the error is logged as {request_id}")
        return render_error(failure, fmt=fmt, request_id=request_id)


def _dispatch(rt: Runtime, params: Mapping[str, str], request_id: str) -> Rendered:
    checked, app = _authenticated(rt, params)
    api = CATALOG[checked.method]
    args = parse_params(api.params, checked.api_params)
    session_info = checked.session_info
    assert session_info is None or isinstance(session_info, MerchantSession)
    try:
        fields = api.handler(Call(rt, app, session_info, args))
    except DomainError as exc:
        raise business_error_for(exc, api.wire_field) from None
    if set(fields) != set(api.returns):  # a handler broke its declared shape: a bug, answered as code 10
        raise RuntimeError(f"{api.name} returned {sorted(fields)}, declared {sorted(api.returns)}")
    return render_success(checked.method, fields, fmt=checked.format, simplify=checked.simplify, request_id=request_id)


def _authenticated(rt: Runtime, params: Mapping[str, str]) -> tuple[CheckedRequest, AppCredential]:
    """The common checks, with the app and session from this process's cache when their scopes' revisions
    are still current (one lookup); a refusal or a moved revision is decided again from the database, so
    a disabled app or a revoked session counts from the very next request."""
    found: dict[str, Any] = {}
    try:
        checked = _check(rt, params, found, cached=True)
        app: AppCredential = found["app"]  # check_common needs the app's secret before it accepts a request
        grant: SessionGrant | None = found.get("grant")
        scopes: tuple[str, ...] = (app.scope, *(grant.scopes if grant else ()))
        held: revisions.Revisions = (app.revision, *(grant.revisions if grant else ()))
        if revisions.current(rt, scopes) != held:
            raise _Stale
    except (TopError, _Stale) as exc:
        if isinstance(exc, TopError) and not found.get("from_cache"):
            raise  # decided from the database already (or before any lookup)
        found = {}
        checked = _check(rt, params, found, cached=False)
        app = found["app"]
    return checked, app


class _Stale(Exception):
    """A cached credential was read at an older revision."""


def _check(rt: Runtime, params: Mapping[str, str], found: dict[str, Any], *, cached: bool) -> CheckedRequest:
    """``check_common``, recording in ``found`` the app, the session grant and whether the cache served one."""

    def app_secret(app_key: str) -> str | None:
        found["from_cache"] = cached and app_key in rt.caches.apps
        credential = providers.resolve_app(rt, app_key, cached=cached)
        if credential is None:
            return None
        found["app"] = credential
        return credential.secret

    def merchant(_app_key: str, session: str) -> MerchantSession | None:
        app_id = found["app"].app_id
        found["from_cache"] = found["from_cache"] or (cached and (app_id, session) in rt.caches.sessions)
        try:
            grant = providers.resolve_session(rt, app_id, session, cached=cached)
        except Unauthenticated as exc:
            if exc.reason is Reason.EXPIRED:
                raise errors.session_expired() from None
            return None
        found["grant"] = grant
        return grant.merchant

    return check_common(
        params,
        datetime.now(UTC),
        app_secret,
        merchant,
        SESSION_RULES,
        max_skew=timedelta(seconds=rt.settings.top_timestamp_skew_seconds),
    )


def _query_format(query: bytes) -> Format:
    """The format to answer in when the request cannot be parsed at all (its query may still name one)."""
    values = parse_qs(query.decode("latin-1")).get("format", [])
    return Format.JSON if values and values[-1].lower() == Format.JSON else Format.XML
