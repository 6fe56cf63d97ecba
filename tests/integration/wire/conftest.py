"""One store and one real ``fapiao serve`` per fuzz module and engine, holding a customer with a key, titles,
an address, items and a filed application routed to a provider app that the customer authorised, so signed
requests can reach every use case with ids that exist."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from fapiao.auth import credentials
from fapiao.providers import service as providers
from fapiao.runtime import build_runtime
from fapiao.settings import Settings
from fapiao.usecases.actor import OPERATOR
from tests import factories
from tests.conftest import ENGINES
from tests.support.server import ServerProcess
from tests.support.stores import store_copy
from tests.support.wire_fuzz import LogWatch, RawClient


@dataclass(frozen=True)
class World:
    engine: str
    server: ServerProcess
    client: RawClient
    log: LogWatch
    key_id: str
    secret: str
    app_key: str
    app_secret: str
    session: str
    ids: tuple[str, ...]  # ids of records that exist: titles, addresses, items, applications, the user

    @property
    def host(self) -> str:
        return self.client.host


@pytest.fixture(scope="module", params=ENGINES)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data_dir = tmp_path_factory.mktemp("wire-fuzz") / "data"
    with store_copy(request, data_dir) as url:
        settings = Settings(data_dir=data_dir, database_url=url)
        runtime = build_runtime(settings)
        app = factories.provider_app(runtime, "模糊测试服务商")
        who = factories.customer(runtime, nick="fuzz")
        address = factories.address(runtime, who)
        filed = factories.filed_application(runtime, who, address_id=address.id)
        title = factories.approved_title(runtime, who)
        items = [factories.item(runtime, who) for _ in range(3)]
        session = providers.authorize(runtime, OPERATOR, app.app.app_key, who.user_id).session
        credential = credentials.resolve_app(runtime, app.app.app_key)
        assert credential is not None
        ids = (
            str(who.user_id),
            str(address.id),
            str(title.id),
            filed.apply_id,
            *(str(item.id) for item in items),
        )
        runtime.close()
        server = ServerProcess(settings)
        server.start()
        client = RawClient(server.port)
        try:
            yield World(
                request.param,
                server,
                client,
                LogWatch(server.log),
                who.key_id,
                who.secret,
                app.app.app_key,
                app.app_secret,
                session,
                ids,
            )
        finally:
            client.close()
            server.stop()
