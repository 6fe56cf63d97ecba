"""The deadlines ``fapiao serve`` adds to uvicorn's HTTP protocol, driven over a stand-in transport.

The server-process tests (tests/integration/test_limits.py) show a slow client disconnected; these show the
cases a real client cannot stage reliably: a body the app has not yet taken is not the client's silence.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.importer import import_from_string
from uvicorn.server import ServerState

from fapiao.cli.serving import PROTOCOL, GuardedProtocol, uvicorn_options
from fapiao.settings import Settings

TICK = 0.05  # every deadline below; a test waits many of them before it concludes anything


class Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = b""
        self.closed = False
        self.paused = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8080)}.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += bytes(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        self.paused = True

    def resume_reading(self) -> None:
        self.paused = False


class Held:
    """An app that never reads the body (as one waiting for a busy thread pool would)."""

    def __init__(self) -> None:
        self.called = asyncio.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.called.set()
        await asyncio.sleep(3600)


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    for task in asyncio.all_tasks(loop):
        task.cancel()
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()


def connection(loop: asyncio.AbstractEventLoop, app: Any = None) -> tuple[GuardedProtocol, Transport]:
    config = Config(app=app or Held(), lifespan="off", log_level="warning", log_config=None)  # as `fapiao serve`
    protocol = GuardedProtocol(config, ServerState(), {}, _loop=loop)
    protocol.header_timeout = protocol.body_idle_timeout = TICK
    protocol.body_timeout = 4 * TICK
    transport = Transport()
    protocol.connection_made(transport)
    return protocol, transport


def wait(loop: asyncio.AbstractEventLoop, ticks: int) -> None:
    loop.run_until_complete(asyncio.sleep(ticks * TICK))


def test_serve_runs_this_protocol_with_the_connection_limit() -> None:
    options = uvicorn_options(Settings(max_connections=7))
    assert import_from_string(options["http"]) is GuardedProtocol
    assert (options["http"], options["limit_concurrency"]) == (PROTOCOL, 7)


def test_a_connection_whose_headers_never_end_is_closed(loop: asyncio.AbstractEventLoop) -> None:
    protocol, transport = connection(loop)
    protocol.data_received(b"GET / HTTP/1.1\r\nHost: x\r\n")
    wait(loop, 10)
    assert transport.closed
    assert transport.written == b""  # no answer: the request never was one


def test_a_body_the_app_has_not_taken_yet_is_not_the_clients_silence(loop: asyncio.AbstractEventLoop) -> None:
    protocol, transport = connection(loop)
    protocol.data_received(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n" + b"x" * 100_000)
    assert transport.paused  # more than uvicorn buffers for an app that has not read: reading paused
    wait(loop, 20)  # many idle periods and past the whole-body deadline
    assert not transport.closed
    protocol.flow.resume_reading()  # the app takes the body; now the client is waited on, and is silent
    wait(loop, 20)
    assert transport.closed


def test_a_body_that_keeps_coming_is_cut_at_the_whole_body_deadline(loop: asyncio.AbstractEventLoop) -> None:
    protocol, transport = connection(loop)
    protocol.body_idle_timeout = 10 * TICK  # never reached below: only the whole-body deadline can close it
    protocol.data_received(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    for _ in range(40):  # a byte every tick: never silent for long, never done
        if transport.closed:
            break
        protocol.data_received(b"1\r\nx\r\n")
        wait(loop, 1)
    assert transport.closed


def test_headers_over_the_limit_are_answered_431_and_closed(loop: asyncio.AbstractEventLoop) -> None:
    protocol, transport = connection(loop)
    protocol.data_received(b"GET / HTTP/1.1\r\nHost: x\r\n")
    for _ in range(protocol.max_header_bytes // 1000 + 1):
        protocol.data_received(b"X-Pad: " + b"a" * 993 + b"\r\n")
    assert transport.written.startswith(b"HTTP/1.1 431 ")
    assert transport.closed
