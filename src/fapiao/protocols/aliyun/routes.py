"""The RPC endpoint ``/`` as a plain ASGI app (``protocols.wire``): no framework between the socket and the
pipeline, run where the app's execution policy says."""

from __future__ import annotations

from fapiao.protocols.aliyun import gateway
from fapiao.protocols.wire import Execution, WireAnswer, WireApp, WireRequest
from fapiao.runtime import Runtime

PATH = "/"


def wire_app(runtime: Runtime, execution: Execution) -> WireApp:
    def answer(request: WireRequest) -> WireAnswer:
        rendered = gateway.handle(
            runtime, request.method, request.query, request.headers, request.body, address=request.client
        )
        return WireAnswer(rendered.status, rendered.content_type, rendered.body, rendered.headers)

    return WireApp(answer, methods=("GET", "HEAD", "POST"), execution=execution)
