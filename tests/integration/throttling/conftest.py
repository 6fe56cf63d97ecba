"""Real ``fapiao serve`` processes with throttling configured by the test module (``server_env``), over one store
per module and engine; the tests create their own customers, apps and source addresses, so they never share a
budget."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from fapiao.runtime import Runtime, build_runtime
from fapiao.settings import Settings
from tests.conftest import ENGINES
from tests.parity.aliyun.conftest import PROXY_VARIABLES
from tests.support.server import ServerProcess
from tests.support.stores import store_copy


def throttled_server(settings: Settings, env: dict[str, str]) -> ServerProcess:
    """A server with the throttling settings under test (``env``), trusting the local test client as its proxy
    so that each test can name its own source address."""
    return ServerProcess(settings, env={"FAPIAO_TRUSTED_PROXIES": "127.0.0.1", **env})


@dataclass
class Served:
    runtime: Runtime
    server: ServerProcess

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    def another_server(self) -> ServerProcess:
        """A second server process over the same store, with the same settings."""
        return ServerProcess(self.server.settings, env=self.server.env)


@pytest.fixture(scope="module", params=ENGINES)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data_dir = tmp_path_factory.mktemp("throttling") / "data"
    with store_copy(request, data_dir) as url:
        settings = Settings(data_dir=data_dir, database_url=url)
        runtime = build_runtime(settings)
        server = throttled_server(settings, request.module.server_env)
        server.start()
        try:
            yield Served(runtime, server)
        finally:
            server.stop()
            runtime.close()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDKs proxy loopback despite NO_PROXY."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def new_address() -> str:
    """A source address of its own: a random /64 of the IPv6 documentation range (RFC 3849), so no two tests
    (nor two runs against a shared Redis) count against the same failure budget."""
    return f"2001:db8:{secrets.randbelow(0x10000):x}:{secrets.randbelow(0x10000):x}::{secrets.randbelow(0xFFFF) + 1:x}"


@pytest.fixture
def address() -> str:
    """This test's source address, sent as ``X-Forwarded-For``: the server trusts the header from 127.0.0.1
    (``FAPIAO_TRUSTED_PROXIES``), as it would from a local reverse proxy."""
    return new_address()
