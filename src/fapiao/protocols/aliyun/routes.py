"""The RPC endpoint ``/`` as a plain ASGI app (``gateways.wire``): no framework between the socket and the
pipeline, which runs on a worker thread like every other database call."""

from __future__ import annotations

from fapiao.protocols.aliyun import gateway
from fapiao.protocols.wire import WireAnswer, WireApp, WireRequest
from fapiao.runtime import Runtime

PATH = "/"


def wire_app(runtime: Runtime) -> WireApp:
    def answer(request: WireRequest) -> WireAnswer:
        rendered = gateway.handle(runtime, request.method, request.query, request.headers, request.body)
        return WireAnswer(rendered.status, rendered.content_type, rendered.body, rendered.headers)

    return WireApp(answer, methods=("GET", "HEAD", "POST"), inline=runtime.db.serial)
