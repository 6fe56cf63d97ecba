"""One store and one real ``fapiao serve`` per test module and engine: the provider-side tests create their
own apps, merchants and applications, so they can share a server safely and keep the suite fast."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fapiao.runtime import Runtime, build_runtime
from fapiao.settings import Settings
from tests.conftest import ENGINES
from tests.support.cli import Cli
from tests.support.paths import FIXTURES
from tests.support.server import ServerProcess
from tests.support.stores import store_copy

SERVER_ENV: dict[str, str] = {}  # a module may set ``server_env`` to change the server's settings


@dataclass
class Stack:
    engine: str
    settings: Settings
    runtime: Runtime
    server: ServerProcess
    cli: Cli

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="module", params=ENGINES)
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir = tmp_path_factory.mktemp("provider") / "data"
    env: dict[str, str] = getattr(request.module, "server_env", SERVER_ENV)
    with store_copy(request, data_dir) as url:
        overrides: dict[str, Any] = {k.removeprefix("FAPIAO_").lower(): v for k, v in env.items()}
        settings = Settings.model_validate({"data_dir": data_dir, "database_url": url, **overrides})
        runtime = build_runtime(settings)
        server = ServerProcess(settings, env=env)
        server.start()
        try:
            yield Stack(request.param, settings, runtime, server, Cli(settings))
        finally:
            server.stop()
            runtime.close()


@pytest.fixture
def shanghai_clock() -> Iterator[None]:
    """taobaopy stamps requests with the host's local time, which TOP reads as GMT+8."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Shanghai"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def fixtures_dir() -> Path:
    return FIXTURES
