"""Real ``fapiao serve`` processes with throttling configured by the test module (``server_env``), over one store
per module and engine; the tests create their own customers, apps and source addresses, so they never share a
budget."""

from __future__ import annotations

import secrets
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import text

from fapiao.runtime import Runtime, build_runtime
from fapiao.settings import Settings
from tests.conftest import ENGINES, POSTGRES_URL, _admin_engine, _with_database
from tests.parity.aliyun.conftest import PROXY_VARIABLES
from tests.support.server import ServerProcess


class ConfiguredServer(ServerProcess):
    """A server whose environment adds ``env`` (the throttling settings under test), trusting the local test
    client as its proxy so that each test can name its own source address."""

    def __init__(self, settings: Settings, env: dict[str, str]) -> None:
        super().__init__(settings)
        self.env = env

    def environment(self) -> dict[str, str]:
        return {**super().environment(), "FAPIAO_TRUSTED_PROXIES": "127.0.0.1", **self.env}


@dataclass
class Served:
    runtime: Runtime
    server: ConfiguredServer

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    def another_server(self) -> ConfiguredServer:
        """A second server process over the same store, with the same settings."""
        return ConfiguredServer(self.server.settings, self.server.env)


@pytest.fixture(scope="module", params=ENGINES)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data_dir = tmp_path_factory.mktemp("throttling") / "data"
    data_dir.mkdir()
    database = f"fapiao_thr_{uuid.uuid4().hex[:10]}"
    if request.param == "sqlite":
        path = data_dir / "fapiao.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        template = request.getfixturevalue("postgres_template")
        _admin(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
        url = _with_database(POSTGRES_URL or "", database)
    settings = Settings(data_dir=data_dir, database_url=url)
    runtime = build_runtime(settings)
    server = ConfiguredServer(settings, request.module.server_env)
    server.start()
    try:
        yield Served(runtime, server)
    finally:
        server.stop()
        runtime.close()
        if request.param != "sqlite":
            _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _admin(statement: str) -> None:
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


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
