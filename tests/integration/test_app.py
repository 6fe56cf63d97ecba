"""The process's ASGI app: exact paths first, the REST app built after start-up, the lifespan."""

from __future__ import annotations

import asyncio
import threading
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fapiao.app import FapiaoApp
from fapiao.runtime import Runtime
from tests.support.server import ServerProcess


def rest_stand_in(started: threading.Event, release: threading.Event) -> Any:
    """A REST build that takes as long as the test wants, then serves a recognisable answer."""

    async def rest(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"rest:" + scope["path"].encode()})

    def build(_runtime: Runtime) -> ASGIApp:
        started.set()
        assert release.wait(10)
        return rest

    return build


@contextmanager
def no_background(_runtime: Runtime) -> Any:
    yield


async def get(app: ASGIApp, path: str) -> tuple[int, bytes]:
    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": []}
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def start(app: ASGIApp) -> list[Message]:
    """Run the lifespan's start-up and return what the app sent."""
    queue: asyncio.Queue[Message] = asyncio.Queue()
    await queue.put({"type": "lifespan.startup"})
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def lifespan() -> None:
        await app({"type": "lifespan"}, queue.get, send)

    task = asyncio.create_task(lifespan())
    while not sent:
        await asyncio.sleep(0.01)
    if sent[0]["type"] == "lifespan.startup.complete":
        await queue.put({"type": "lifespan.shutdown"})
    await task
    return sent


def test_health_answers_while_the_rest_app_is_still_being_built_and_rest_waits_for_it(runtime: Runtime) -> None:
    started, release = threading.Event(), threading.Event()
    app = FapiaoApp(runtime, build_rest=rest_stand_in(started, release), background=no_background)

    async def scenario() -> None:
        sent = await start(app)
        assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
        assert await asyncio.to_thread(started.wait, 10)  # the build began at start-up, on its own thread
        assert await get(app, "/healthz") == (200, b"ok")
        waiting = asyncio.create_task(get(app, "/api/v1/titles"))
        await asyncio.sleep(0.05)
        assert not waiting.done()  # the REST request waits for the build instead of failing
        release.set()
        assert await waiting == (200, b"rest:/api/v1/titles")

    asyncio.run(scenario())


def test_a_failing_background_start_fails_the_start_up(runtime: Runtime) -> None:
    def broken(_runtime: Runtime) -> AbstractContextManager[None]:
        raise RuntimeError("worker cannot start")

    app = FapiaoApp(runtime, background=broken)
    sent = asyncio.run(start(app))
    assert sent == [{"type": "lifespan.startup.failed", "message": "worker cannot start"}]


@pytest.mark.slow
def test_a_real_server_serves_health_metrics_rest_and_both_gateways(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.get("/healthz").text == "ok"
        assert "# TYPE" in client.get("/metrics").text
        assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "Fapiao"
        rpc = client.post("/", data={"Action": "QueryInvoicingCustomerList"})
        assert rpc.json()["Code"] == "MissingParameter"  # the RPC gateway's own envelope, not a framework 4xx
        top = client.get("/router/rest", params={"format": "json"})
        assert "error_response" in top.json()
        refused = client.delete("/")  # RPC serves GET and POST: another verb is refused in its envelope
        assert (refused.status_code, refused.json()["Code"]) == (403, "UnsupportedHTTPMethod")
