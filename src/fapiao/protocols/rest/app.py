"""The REST app (FastAPI): routes, docs and error rendering. ``fapiao.app`` builds it after start-up, off
the event loop, so gateways and health answer before FastAPI and pydantic have even been imported."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from starlette.types import ASGIApp

from fapiao import __version__
from fapiao.protocols.access import AccessLog
from fapiao.protocols.rest import errors as rest_errors
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
    app = FastAPI(
        title="Fapiao",
        version=__version__,
        description=_DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    rest_errors.install(app)
    app.include_router(rest_router)
    app.include_router(applications_router)
    app.include_router(webhooks_router)

    @app.get("/api/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(_docs_page())

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


def _docs_page() -> str:
    """A self-contained reference page rendered from the OpenAPI document (no CDN: sandboxes are often offline)."""
    return """<!doctype html><html><head><meta charset="utf-8"><title>Fapiao API</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
code,pre{background:#f4f4f4;padding:.1rem .3rem}h2{border-bottom:1px solid #ddd}.m{font-weight:bold;width:4rem;
display:inline-block}</style></head><body><h1>Fapiao REST API</h1><p id="d"></p><div id="ops">Loading…</div>
<script>
fetch('/api/v1/openapi.json').then(r=>r.json()).then(spec=>{
 document.getElementById('d').innerText=spec.info.description;
 const out=[];
 for(const [path,ops] of Object.entries(spec.paths)){for(const [m,op] of Object.entries(ops)){
  const params=(op.parameters||[]).map(p=>`<code>${p.name}</code>${p.required?'*':''}`).join(' ');
  out.push(`<h2><span class="m">${m.toUpperCase()}</span> <code>${path}</code></h2><p>${op.summary||''}</p>`+
   `<p>${(op.description||'').replace(/</g,'&lt;')}</p>${params?'<p>Parameters: '+params+'</p>':''}`);}}
 document.getElementById('ops').innerHTML=out.join('');});
</script><p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a></p></body></html>"""
