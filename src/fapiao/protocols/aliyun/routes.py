"""The RPC endpoint ``/`` as a plain ASGI app (``protocols.wire``): no framework between the socket and the
pipeline, run where the app's execution policy says. Every verb reaches the gateway, which refuses the ones
RPC does not serve with ``UnsupportedHTTPMethod`` (403, like the real gateway), not a bare 405."""

from __future__ import annotations

from fapiao.protocols.access import Protocol
from fapiao.protocols.aliyun import errors, gateway
from fapiao.protocols.aliyun.envelope import new_request_id
from fapiao.protocols.wire import Execution, WireAnswer, WireApp, WireRequest
from fapiao.runtime import Runtime

PATH = "/"
PROTOCOL = Protocol("aliyun", new_request_id)


def wire_app(runtime: Runtime, execution: Execution) -> WireApp:
    def answer(request: WireRequest) -> WireAnswer:
        rendered = gateway.handle(
            runtime,
            request.method,
            request.query,
            request.headers,
            request.body,
            exchange=request.exchange,
            client=request.client,
            secure=request.secure,
        )
        return WireAnswer(rendered.status, rendered.content_type, rendered.body, rendered.headers)

    limit = runtime.settings.max_body_bytes

    def too_large(request: WireRequest) -> WireAnswer:
        rendered = gateway.refuse(errors.request_too_large(limit), request.query, request.exchange)
        return WireAnswer(rendered.status, rendered.content_type, rendered.body, rendered.headers)

    return WireApp(answer, execution=execution, max_body_bytes=limit, too_large=too_large)
