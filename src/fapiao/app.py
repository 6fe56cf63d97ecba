"""The ASGI application: one process serves the wire gateways, the REST API, its docs, health and metrics."""

from __future__ import annotations

import uuid

from fastapi import FastAPI, Response
from fastapi.responses import HTMLResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fapiao import __version__
from fapiao.gateways import wire
from fapiao.gateways.aliyun import routes as aliyun_routes
from fapiao.gateways.rest import errors as rest_errors
from fapiao.gateways.rest.applications import router as applications_router
from fapiao.gateways.rest.routes import router as rest_router
from fapiao.gateways.rest.webhooks import router as webhooks_router
from fapiao.gateways.top import routes as top_routes
from fapiao.logging import configure_logging
from fapiao.notify.embedded import lifespan as embedded_worker
from fapiao.services.runtime import Runtime, build_runtime
from fapiao.settings import Settings

_DESCRIPTION = """Native JSON API of Fapiao.

Authenticate with HTTP Basic: the access key id is the user name, the access key secret the password
(`curl -u LTAI...:secret`). Writes accept an `Idempotency-Key` header: the same key with the same request
returns the first answer again (with `Idempotent-Replayed: true`), the same key with another request is
refused with `409 IdempotencyKeyReused`. Errors are `{"error": {"code", "message", "field"}, "request_id"}`.
"""


def create_app(runtime: Runtime | None = None) -> ASGIApp:
    """The wire gateways by exact path, then the REST app (which also runs the lifespan)."""
    runtime = runtime or build_runtime(Settings())
    rest = create_rest_app(runtime)
    gateways = {
        aliyun_routes.PATH: aliyun_routes.wire_app(runtime),  # Alibaba Cloud BssOpenApi RPC
        top_routes.PATH: top_routes.wire_app(runtime),  # TOP
    }
    return wire.PathDispatch(gateways, RequestIdMiddleware(rest))


def create_rest_app(runtime: Runtime) -> FastAPI:
    configure_logging(runtime.settings.log_level)
    app = FastAPI(
        title="Fapiao",
        version=__version__,
        description=_DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=embedded_worker,  # the webhook worker of `fapiao serve` in the embedded mode
    )
    app.state.runtime = runtime
    rest_errors.install(app)
    app.include_router(rest_router)
    app.include_router(applications_router)
    app.include_router(webhooks_router)

    @app.get("/api/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(_docs_page())

    @app.get("/healthz", include_in_schema=False)
    def health() -> PlainTextResponse:
        return PlainTextResponse("ok")

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app


class RequestIdMiddleware:
    """Give every request an id (``request.state.request_id``, echoed as ``X-Request-Id``).

    Plain ASGI rather than ``@app.middleware("http")``: that form runs the rest of the app in a second task
    with memory streams, which cost a third of a millisecond on every gateway request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        scope.setdefault("state", {})["request_id"] = request_id
        header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"x-request-id" for name, _ in headers):
                    headers.append(header)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_id)


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
