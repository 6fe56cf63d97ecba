"""Drive a gateway's framework-free ``handle`` with a pre-signed request, without HTTP: used by the
profiler and by the smoke test that pins the harness's signing to what the real server accepts."""

from __future__ import annotations

from collections.abc import Callable

from bench.presign import RawRequest
from fapiao.runtime import Runtime

HOST = "127.0.0.1:8080"


def invoker(rt: Runtime, raw: RawRequest, host: str = HOST) -> Callable[[], tuple[int, bytes]]:
    """A zero-argument call answering (HTTP status, body) for one pre-signed request."""
    path, _, query = raw.target.partition("?")
    if path == "/router/rest":
        from fapiao.protocols.access import detached
        from fapiao.protocols.top.routes import PROTOCOL as TOP
        from fapiao.protocols.top.routes import handle as top_handle

        content_type = next((v for k, v in raw.headers if k.lower() == "content-type"), None)

        def top() -> tuple[int, bytes]:
            rendered = top_handle(
                rt, raw.method, query.encode("latin-1"), content_type, raw.body, exchange=detached(TOP)
            )
            return 200, rendered.body

        return top
    from fapiao.protocols.access import detached
    from fapiao.protocols.aliyun.gateway import handle as rpc_handle
    from fapiao.protocols.aliyun.routes import PROTOCOL as ALIYUN

    headers = [("host", host), *((k.lower(), v) for k, v in raw.headers if k.lower() != "host")]

    def rpc() -> tuple[int, bytes]:
        rendered = rpc_handle(rt, raw.method, query.encode("latin-1"), headers, raw.body, exchange=detached(ALIYUN))
        return rendered.status, rendered.body

    return rpc
