"""A real ``fapiao serve`` shared by the tests of one module, over a store seeded with the demo, on each engine.

Tests that change data (filing applications) create their own customer with the factories below, so the
order of tests never matters and the demo stays as documented.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from fapiao.accounts import service as accounts
from fapiao.accounts.commands import AttachPolicy, CreateAccessKey, CreateRamUser
from fapiao.demo import seed as demo
from fapiao.runtime import Runtime, build_runtime
from fapiao.settings import Settings
from fapiao.usecases.actor import OPERATOR
from tests import factories
from tests.conftest import ENGINES
from tests.support.paths import FIXTURES
from tests.support.server import ServerProcess
from tests.support.stores import store_copy

PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")

SEED = json.loads((FIXTURES / "seed_query_invoicing_customer_list.json").read_text())
_names = itertools.count(1)


@dataclass
class Keys:
    key_id: str
    secret: str


@dataclass
class Live:
    runtime: Runtime
    server: ServerProcess
    demo: dict[str, Any]

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    @property
    def root(self) -> Keys:
        return Keys(self.demo["access_key_id"], self.demo["access_key_secret"])

    @property
    def ram(self) -> Keys:
        return Keys(self.demo["ram"]["access_key_id"], self.demo["ram"]["access_key_secret"])

    def customer(self) -> factories.Customer:
        return factories.customer(self.runtime, nick=f"aliyun-live-{uuid.uuid4().hex[:8]}")

    def ram_user(self, who: factories.Customer, *statements: dict[str, Any]) -> Keys:
        """A RAM user of ``who`` with one policy made of ``statements``, and its key."""
        name = f"ram{next(_names)}"
        accounts.create_ram_user(self.runtime, OPERATOR, CreateRamUser(who.user_id, name))
        document = json.dumps({"Version": "1", "Statement": list(statements)})
        accounts.attach_policy(self.runtime, OPERATOR, AttachPolicy(who.user_id, name, "p", document))
        key = accounts.create_access_key(self.runtime, OPERATOR, CreateAccessKey(who.user_id, name))
        return Keys(key.key.key_id, key.secret)


def allow(*actions: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": list(actions), "Resource": "*"}


def deny(*actions: str) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": list(actions), "Resource": "*"}


@pytest.fixture(scope="module", params=ENGINES)
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """Migrated store with the demo and a default provider app, and a server over it."""
    monkeypatch = pytest.MonkeyPatch()
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    data_dir = tmp_path_factory.mktemp("aliyun-live") / "data"
    with store_copy(request, data_dir) as url:
        settings = Settings(data_dir=data_dir, database_url=url)
        runtime = build_runtime(settings)
        described = demo.seed(runtime, "http://127.0.0.1")
        factories.provider_app(runtime, "测试服务商")
        server = ServerProcess(settings)
        server.start()
        try:
            yield Live(runtime, server, described["aliyun"])
        finally:
            server.stop()
            runtime.close()
            monkeypatch.undo()
