"""The REST app (FastAPI): routes, docs and error rendering. ``fapiao.app`` builds it after start-up, off
the event loop, so gateways and health answer before FastAPI and pydantic have even been imported.

The reference is Swagger UI at ``/api/docs``, over ``/api/v1/openapi.json``. Its script and style come from the
``fastapi-offline`` package and are served from ``/api/docs/assets``, so the page works where no CDN can be
reached (an offline sandbox, a locked-down network). Not ReDoc, which the same package ships: its page loads
the Redocly logo from Redocly's CDN."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from starlette.types import ASGIApp

from fapiao import __version__
from fapiao.protocols.access import AccessLog
from fapiao.protocols.rest import errors as rest_errors
from fapiao.protocols.rest import openapi
from fapiao.protocols.rest.applications import router as applications_router
from fapiao.protocols.rest.limits import MULTIPART_OVERHEAD, RequestLimits
from fapiao.protocols.rest.routes import router as rest_router
from fapiao.protocols.rest.routes import upload_document
from fapiao.protocols.rest.webhooks import router as webhooks_router
from fapiao.runtime import Runtime

log = structlog.get_logger(__name__)

_DESCRIPTION = """Native JSON API of Fapiao.

Authenticate with HTTP Basic: the access key id is the user name, the access key secret the password
(`curl -u LTAI...:secret`). Writes accept an `Idempotency-Key` header: the same key with the same request
returns the first answer again (with `Idempotent-Replayed: true`), the same key with another request is
refused with `409 IdempotencyKeyReused`. Errors are `{"error": {"code", "message", "field"}, "request_id"}`.
"""


def create_rest_app(runtime: Runtime) -> ASGIApp:
    app = FastAPIOffline(
        title="Fapiao",
        version=__version__,
        description=_DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        static_url="/api/docs/assets",
        swagger_ui_oauth2_redirect_url="/api/docs/oauth2-redirect",
    )
    app.state.runtime = runtime
    rest_errors.install(app)
    openapi.install(app)
    app.include_router(rest_router)
    app.include_router(applications_router)
    app.include_router(webhooks_router)

    # Every body is limited; a document upload to its file limit plus the multipart framing around it.
    settings = runtime.settings
    upload = next(r for r in rest_router.routes if isinstance(r, APIRoute) and r.endpoint is upload_document)
    upload_limit = settings.max_document_bytes + MULTIPART_OVERHEAD
    uploads = {(method, upload.path): upload_limit for method in upload.methods or ()}
    _warn_unknown_routes(app, runtime)
    # Its id and access line; behind the server's front door (``app.FapiaoApp``) the request already has them.
    return AccessLog(RequestLimits(app, settings.max_body_bytes, uploads))


def _warn_unknown_routes(app: FastAPI, runtime: Runtime) -> None:
    """A ``rest:`` name in ``FAPIAO_RATE_LIMITS`` that matches no route limits nothing: say so in the log (the
    REST app is built after start-up, too late to refuse to start; ``app.check_throttle`` does for the rest).
    The routes come from the OpenAPI document (built once and cached by FastAPI for ``/api/v1/openapi.json``)."""
    if not runtime.settings.rate_limiting_enabled:
        return
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    routes = {f"rest:{method.upper()} {path}" for path, operations in paths.items() for method in operations}
    for name in sorted(set(runtime.settings.rate_limits) - routes):
        if name.startswith("rest:"):
            log.warning("throttle.unknown_route", name=name)
