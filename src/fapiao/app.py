"""The process's ASGI app: the wire gateways, health and metrics by exact path; everything else goes to the
REST app, which is built on a background thread once the server has started. Every HTTP request passes
``protocols.access.serve`` first: one request id, bound to its log lines, one access line, and (for the
protocols) one count in the request metrics, read from the same exchange (``metrics.RequestMetrics``).

Start-up is what a developer's test suite waits for on every run, and importing FastAPI and pydantic and
building the REST routes was a third of it; the gateways and ``/healthz`` need neither, so they answer
while the REST app is still being built, and a REST request that comes early waits for it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager

from starlette.types import ASGIApp, Receive, Scope, Send

from fapiao import health
from fapiao.logging import configure_logging
from fapiao.metrics import RequestMetrics
from fapiao.protocols import access
from fapiao.protocols.aliyun import operations as aliyun_operations
from fapiao.protocols.aliyun import routes as aliyun_routes
from fapiao.protocols.top import catalog as top_catalog
from fapiao.protocols.top import routes as top_routes
from fapiao.protocols.wire import INLINE, Execution, WireAnswer, WireApp, WireRequest, threaded
from fapiao.runtime import Runtime, build_runtime
from fapiao.settings import Settings
from fapiao.worker.embedded import embedded_worker


def create_app(runtime: Runtime | None = None) -> ASGIApp:
    runtime = runtime or build_runtime(Settings())
    configure_logging(runtime.settings.log_level, runtime.settings.log_format)
    check_throttle(runtime)
    return FapiaoApp(runtime)


def check_throttle(runtime: Runtime) -> None:
    """Build the throttle now and check that every action ``FAPIAO_RATE_LIMITS`` names exists, so a bad rate or
    a misspelt action stops the server at start instead of limiting nothing. REST routes are checked when the
    REST app is built (``protocols.rest.app``), which is after start-up."""
    settings = runtime.settings
    if not settings.rate_limiting_enabled:
        return
    runtime.throttle  # noqa: B018 - built for its checks
    known = {action for _, action in aliyun_operations.CATALOG.operations} | set(top_catalog.CATALOG)
    unknown = sorted(name for name in settings.rate_limits if not name.startswith("rest:") and name not in known)
    if unknown:
        raise ValueError(
            f"FAPIAO_RATE_LIMITS names no such action: {', '.join(unknown)} (Alibaba Cloud actions such as "
            "ApplyInvoice, TOP methods such as alibaba.einvoice.invoiceapply.get, or 'rest:<METHOD> <path>')"
        )


def _rest_app(runtime: Runtime) -> ASGIApp:
    from fapiao.protocols.rest.app import create_rest_app

    return create_rest_app(runtime)


class FapiaoApp:
    def __init__(
        self,
        runtime: Runtime,
        build_rest: Callable[[Runtime], ASGIApp] = _rest_app,
        background: Callable[[Runtime], AbstractContextManager[None]] = embedded_worker,
    ) -> None:
        self.runtime = runtime
        execution = wire_execution(runtime)
        settings = runtime.settings
        # path → the app and the protocol it speaks (the access log's name and the shape of its request ids)
        self.routes: dict[str, tuple[ASGIApp, access.Protocol]] = {
            aliyun_routes.PATH: (aliyun_routes.wire_app(runtime, execution), aliyun_routes.PROTOCOL),
            top_routes.PATH: (top_routes.wire_app(runtime, execution), top_routes.PROTOCOL),
            "/healthz": (WireApp(_health, methods=("GET", "HEAD"), execution=INLINE), access.OTHER),
        }
        if settings.metrics_port is None:  # else `fapiao serve` serves them on their own port
            metrics = health.metrics_answer(runtime.db, settings.metrics_token)
            self.routes["/metrics"] = (WireApp(metrics, methods=("GET",), execution=threaded()), access.OTHER)
        self._readiness = health.ReadinessApp(runtime.db)  # not a WireApp: the front door stamps its answer
        # Each answered request is counted from its exchange, as its access line is written.
        self._observer = RequestMetrics(
            {
                aliyun_routes.PROTOCOL.name: [action for _, action in aliyun_operations.CATALOG.operations],
                top_routes.PROTOCOL.name: list(top_catalog.CATALOG),
            }
        )
        self._build_rest = build_rest
        self._background = background
        self._rest: Future[ASGIApp] | None = None
        self._rest_lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":  # websockets: the REST app refuses them
            await (await asyncio.wrap_future(self._rest_future()))(scope, receive, send)
            return
        path: str = scope["path"]
        route = self.routes.get(path)
        if route is not None:  # a WireApp: it sends the id and records the status itself
            await access.serve(route[0], scope, receive, send, route[1], sets_id=True, observer=self._observer)
            return
        if path == "/readyz":
            await access.serve(self._readiness, scope, receive, send, access.OTHER, sets_id=False)
            return
        protocol = access.REST if path.startswith("/api/") else access.OTHER
        await access.serve(self._rest_app, scope, receive, send, protocol, sets_id=False, observer=self._observer)

    async def _rest_app(self, scope: Scope, receive: Receive, send: Send) -> None:
        rest = await asyncio.wrap_future(self._rest_future())
        await rest(scope, receive, send)

    def _rest_future(self) -> Future[ASGIApp]:
        """The REST app, built once, on its own thread (its imports would otherwise stall the event loop)."""
        with self._rest_lock:
            if self._rest is None:
                future: Future[ASGIApp] = Future()
                self._rest = future

                def build() -> None:
                    try:
                        future.set_result(self._build_rest(self.runtime))
                    except BaseException as exc:  # pragma: no cover - a broken install; every REST call says so
                        future.set_exception(exc)

                threading.Thread(target=build, name="fapiao-rest-build", daemon=True).start()
            return self._rest

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """Start the embedded webhook worker (if configured) and the REST build; stop the worker on shutdown."""
        message = await receive()
        assert message["type"] == "lifespan.startup"
        try:
            background = self._background(self.runtime)
            background.__enter__()
        except Exception as exc:
            await send({"type": "lifespan.startup.failed", "message": str(exc)})
            return
        self._rest_future()
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
        assert message["type"] == "lifespan.shutdown"
        await asyncio.get_running_loop().run_in_executor(None, background.__exit__, None, None, None)
        await send({"type": "lifespan.shutdown.complete"})


def wire_execution(runtime: Runtime) -> Execution:
    """Inline on the event loop where the database serves one request at a time anyway, else on threads."""
    return INLINE if runtime.db.serial else threaded()


def _health(_request: WireRequest) -> WireAnswer:
    return WireAnswer(200, "text/plain; charset=utf-8", b"ok", {})
