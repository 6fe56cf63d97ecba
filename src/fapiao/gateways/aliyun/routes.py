"""The RPC endpoint ``/`` as a raw Starlette route: no dependency injection, no per-request lookups beyond the
precomputed catalog. The synchronous pipeline runs in the thread pool, like every other database call."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fapiao.gateways.aliyun import gateway
from fapiao.services.runtime import Runtime


async def rpc_endpoint(request: Request) -> Response:
    body = await request.body()
    runtime: Runtime = request.app.state.runtime
    query: bytes = request.scope.get("query_string", b"")
    answer = await run_in_threadpool(gateway.handle, runtime, request.method, query, request.headers.raw, body)
    return Response(answer.body, answer.status, headers={**answer.headers, "content-type": answer.content_type})


route = Route("/", rpc_endpoint, methods=["GET", "POST"], include_in_schema=False)
