"""Rotating FAPIAO_SECRET_KEY: with the old key listed every stored secret still opens and every TOP session is
still found; ``rotate`` re-seals them and recomputes the digests, after which the old key can go."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from fapiao.crypto import SecretBox
from fapiao.maintenance.rotation import Rotated, rotate
from fapiao.protocols.access import detached
from fapiao.protocols.aliyun import gateway
from fapiao.protocols.aliyun import routes as aliyun_routes
from fapiao.protocols.aliyun.envelope import Rendered
from fapiao.protocols.top import routes
from fapiao.runtime import Runtime, build_runtime
from fapiao.settings import Settings
from fapiao.store.tables import AccessKey, ProviderSession, WebhookSecret
from fapiao.usecases import idempotency
from tests import factories
from tests.integration.provider.support import GET, App, Merchant, new_app, new_application, new_merchant, signed
from tests.support.cli import Cli
from tests.support.rpc import v1_query
from tests.unit.worker.factories import endpoint

FORM = "application/x-www-form-urlencoded"
OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def with_keys(settings: Settings, key: str, *old: str) -> Settings:
    return Settings(**{**settings.model_dump(), "secret_key": key, "old_secret_keys": old})


@pytest.fixture
def runtimes(settings: Settings) -> Iterator[Any]:
    """Build runtimes (server processes) over the test's store, each with the keys it is given; closed after."""
    built: list[Runtime] = []

    def build(key: str, *old: str) -> Runtime:
        rt = build_runtime(with_keys(settings, key, *old))
        built.append(rt)
        return rt

    yield build
    for rt in built:
        rt.close()


def top_get(rt: Runtime, app: App, apply_id: str, session: str) -> None:
    """``invoiceapply.get`` in-process, acting for the merchant of ``session``: it must succeed."""
    params = signed(app, GET, apply_id=apply_id, session=session)
    body = json.loads(
        routes.handle(rt, "POST", b"", FORM, urlencode(params).encode(), exchange=detached(routes.PROTOCOL)).body
    )
    assert "error_response" not in body, body


def signed_read(rt: Runtime, key: tuple[str, str]) -> Rendered:
    """A v1-signed ``QueryInvoicingCustomerList`` in-process with ``key`` (id, secret)."""
    return gateway.handle(rt, "GET", urlencode(v1_query(*key)), {}, exchange=detached(aliyun_routes.PROTOCOL))


class Stored:
    """One of everything that is stored sealed, made under the old key."""

    def __init__(self, rt: Runtime) -> None:
        self.customer = factories.customer(rt)
        self.app: App = new_app(rt)
        self.merchant: Merchant = new_merchant(rt, self.app)
        self.apply_id = new_application(rt, self.merchant).apply_id
        self.webhook_secret = endpoint(rt, self.customer, "https://hooks.example.com/fapiao").secret
        # A stored REST answer with a secret sealed inside it, as POST /webhooks/endpoints records it.
        self.answer_secret = "whsec_in_a_stored_answer"
        inner = json.dumps({"id": 7, "secret": rt.box.seal(self.answer_secret)}).encode()
        idempotency.run_once(rt, "test", "key-1", "fingerprint", lambda: (201, inner))

    def works_with(self, rt: Runtime) -> None:
        """Everything authenticates and opens through ``rt``'s keys."""
        answer = gateway.handle(
            rt, "GET", urlencode(v1_query(*self.customer.basic)), {}, exchange=detached(aliyun_routes.PROTOCOL)
        )
        assert answer.status == 200, answer.body
        top_get(rt, self.app, self.apply_id, self.merchant.session)
        with rt.db.reads() as connection:
            sealed = connection.execute(select(WebhookSecret.secret_sealed)).scalar_one()
        assert rt.box.open(sealed) == self.webhook_secret
        replayed = idempotency.run_once(rt, "test", "key-1", "fingerprint", lambda: pytest.fail("not replayed"))
        assert replayed.replayed
        assert rt.box.open(json.loads(replayed.body)["secret"]) == self.answer_secret


def test_with_the_old_key_listed_everything_works_before_and_after_the_rotation(runtimes: Any) -> None:
    stored = Stored(runtimes(OLD))
    rotating = runtimes(NEW, OLD)
    stored.works_with(rotating)  # deployed with the new key: nothing breaks before the rotation

    rotated = rotate(rotating)

    assert rotated == Rotated(
        access_keys=1 + 1, provider_apps=1, provider_sessions=1, webhook_secrets=1, idempotency_records=1
    )  # the customer's key and the merchant's
    stored.works_with(runtimes(NEW, OLD))
    stored.works_with(runtimes(NEW))  # the old key removed


def test_after_the_rotation_the_old_key_alone_opens_nothing(runtimes: Any) -> None:
    stored = Stored(runtimes(OLD))
    rotate(runtimes(NEW, OLD))

    old = runtimes(OLD)
    with old.db.reads() as connection:
        sealed = connection.execute(select(AccessKey.secret_sealed)).scalars().all()
        digests = connection.execute(select(ProviderSession.session_digest)).scalars().all()
    for token in sealed:
        with pytest.raises(RuntimeError, match="FAPIAO_OLD_SECRET_KEYS"):
            old.box.open(token)
    assert digests == [SecretBox(NEW).digest(stored.merchant.session)]  # recomputed: the old key finds nothing


def test_without_rotating_the_old_key_cannot_be_removed(runtimes: Any) -> None:
    """The failure the rotation prevents, so the tests above could fail."""
    stored = Stored(runtimes(OLD))
    new_only = runtimes(NEW)
    answer = gateway.handle(
        new_only, "GET", urlencode(v1_query(*stored.customer.basic)), {}, exchange=detached(aliyun_routes.PROTOCOL)
    )
    assert answer.status == 500


def test_a_second_rotation_rewrites_nothing(runtimes: Any) -> None:
    Stored(runtimes(OLD))
    rotating = runtimes(NEW, OLD)
    rotate(rotating)

    assert rotate(rotating) == Rotated(0, 0, 0, 0, 0)


def test_rows_are_rewritten_in_batches(runtimes: Any) -> None:
    rt = runtimes(OLD)
    for _ in range(5):
        factories.customer(rt)

    rotated = rotate(runtimes(NEW, OLD), batch=2)

    assert rotated.access_keys == 5
    new_only = runtimes(NEW)
    with new_only.db.reads() as connection:
        tokens = connection.execute(select(AccessKey.secret_sealed)).scalars().all()
    assert len({new_only.box.open(token) for token in tokens}) == 5


def test_a_session_created_during_the_rotation_window_is_found_under_the_new_key(runtimes: Any) -> None:
    rt_old = runtimes(OLD)
    app = new_app(rt_old)
    before = new_merchant(rt_old, app)
    rotating = runtimes(NEW, OLD)
    after = new_merchant(rotating, app)  # sealed and digested under the new key
    for merchant in (before, after):
        top_get(rotating, app, new_application(rotating, merchant).apply_id, merchant.session)


def test_fapiao_secrets_rotate_moves_the_key_files_secrets_to_a_new_key(
    settings: Settings, runtime: Runtime, runtimes: Any
) -> None:
    """The embedded mode: the key file's key becomes the old key."""
    who = factories.customer(runtime)
    file_key = (settings.data_dir / "secret.key").read_text().strip()

    rotated = Cli(settings).json(
        "secrets", "rotate", env={"FAPIAO_SECRET_KEY": NEW, "FAPIAO_OLD_SECRET_KEYS": file_key}
    )

    assert rotated["access_keys"] == 1
    answer = gateway.handle(
        runtimes(NEW), "GET", urlencode(v1_query(*who.basic)), {}, exchange=detached(aliyun_routes.PROTOCOL)
    )
    assert answer.status == 200, answer.body
