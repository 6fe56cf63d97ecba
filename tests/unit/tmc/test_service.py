"""The TMC queue: leases, redelivery, confirmation, isolation between apps, retention, parallel consumers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest

from fapiao.domain.errors import PermissionDenied, ValidationFailed
from fapiao.runtime import Runtime
from fapiao.store.tables import Account, ProviderApp, utcnow
from fapiao.tmc import service as tmc
from fapiao.tmc.commands import MAX_MESSAGE_ID, ConfirmMessages, ConsumeMessages
from fapiao.tmc.views import Confirmation, Message
from fapiao.usecases import outbox
from fapiao.usecases.actor import Actor, ActorKind
from tests import factories


def publish(rt: Runtime, app_id: int, account_id: int, count: int) -> None:
    """Announce ``count`` applications exactly as filing does (the outbox writes the TMC rows)."""
    with rt.db.transaction() as session:
        app_key = session.get_one(ProviderApp, app_id).app_key
        account = session.get_one(Account, account_id)
        for n in range(count):
            application = {
                "apply_id": f"A{n}",
                "company_name": "示例",
                "payee_register_no": "91350100M000100Y43",
                "app_key": app_key,
                "user_id": account.user_id,
                "user_nick": account.user_nick,
            }
            outbox.publish(
                session,
                "application.filed",
                {"application": application},
                account_id=account_id,
                provider_app_id=app_id,
            )


APP = Actor(ActorKind.PROVIDER, "app")


def pull(
    rt: Runtime, app_id: int, *, group_name: str = "default", quantity: int = 10, now: datetime | None = None
) -> list[Message]:
    return tmc.consume(rt, APP, app_id, ConsumeMessages(group_name, quantity), now=now)


def settle(rt: Runtime, app_id: int, ids: list[int], failed: list[int] | None = None) -> Confirmation:
    return tmc.confirm(rt, APP, app_id, ConfirmMessages(tuple(ids), tuple(failed or ())))


@pytest.fixture
def queue(runtime: Runtime) -> tuple[int, int]:
    app = factories.provider_app(runtime)
    who = factories.customer(runtime)
    return app.app.id, who.account_id


def test_consume_leases_and_redelivers_until_confirmed(runtime: Runtime, queue: tuple[int, int]) -> None:
    app_id, account_id = queue
    publish(runtime, app_id, account_id, 3)
    now = utcnow()
    first = pull(runtime, app_id, quantity=10, now=now)
    assert [m.retried for m in first] == [0, 0, 0] and first[0].content.startswith('{"apply_id":"A0"')
    assert pull(runtime, app_id, quantity=10, now=now + timedelta(seconds=299)) == []
    assert settle(runtime, app_id, [first[0].id, first[1].id]) == Confirmation(2, 0)
    later = now + timedelta(seconds=runtime.settings.tmc_visibility_seconds + 1)
    again = pull(runtime, app_id, quantity=10, now=later)
    assert [(m.id, m.retried) for m in again] == [(first[2].id, 1)]
    assert settle(runtime, app_id, [], [again[0].id]) == Confirmation(0, 1)  # handed out again right away
    assert [m.retried for m in pull(runtime, app_id, quantity=10, now=utcnow() + timedelta(seconds=1))] == [2]


def test_apps_and_groups_are_isolated(runtime: Runtime, queue: tuple[int, int]) -> None:
    app_id, account_id = queue
    other = factories.provider_app(runtime, "另一家", default=False).app.id
    publish(runtime, app_id, account_id, 1)
    assert pull(runtime, other, quantity=10) == []
    assert pull(runtime, app_id, group_name="other", quantity=10) == []
    [message] = pull(runtime, app_id, quantity=10)
    assert settle(runtime, other, [message.id]) == Confirmation(0, 0)  # not its message
    later = utcnow() + timedelta(seconds=runtime.settings.tmc_visibility_seconds + 1)
    assert [m.id for m in pull(runtime, app_id, quantity=10, now=later)] == [message.id]


def test_quantity_bounds_and_retention(runtime: Runtime, queue: tuple[int, int]) -> None:
    app_id, account_id = queue
    for quantity, ok in ((9, False), (10, True), (200, True), (201, False)):
        if ok:
            pull(runtime, app_id, quantity=quantity, now=utcnow() - timedelta(days=2))
        else:
            with pytest.raises(ValidationFailed):
                pull(runtime, app_id, quantity=quantity)
    with pytest.raises(ValidationFailed):
        settle(runtime, app_id, list(range(1, 202)))
    publish(runtime, app_id, account_id, 12)
    assert len(pull(runtime, app_id, quantity=10)) == 10
    assert pull(runtime, app_id, quantity=10, now=utcnow() + timedelta(hours=25)) == []  # expired


def test_parallel_consumers_never_share_a_message(runtime: Runtime, queue: tuple[int, int]) -> None:
    app_id, account_id = queue
    publish(runtime, app_id, account_id, 60)
    start = threading.Barrier(6)

    def worker(_: int) -> list[int]:
        start.wait()
        return [m.id for m in pull(runtime, app_id, quantity=10)]

    with ThreadPoolExecutor(6) as pool:
        batches = list(pool.map(worker, range(6)))
    handed_out = [i for batch in batches for i in batch]
    assert len(handed_out) == len(set(handed_out)) == 60


def test_confirm_settles_and_releases_in_one_call(runtime: Runtime, queue: tuple[int, int]) -> None:
    app_id, account_id = queue
    publish(runtime, app_id, account_id, 2)
    done, failed = pull(runtime, app_id)
    assert settle(runtime, app_id, [done.id], [failed.id]) == Confirmation(1, 1)
    assert [(m.id, m.retried) for m in pull(runtime, app_id, now=utcnow() + timedelta(seconds=1))] == [(failed.id, 1)]


def test_ids_beyond_int64_and_customers_are_refused(runtime: Runtime, queue: tuple[int, int]) -> None:
    app_id, _ = queue
    with pytest.raises(ValidationFailed) as too_big:
        settle(runtime, app_id, [MAX_MESSAGE_ID + 1])
    assert too_big.value.field == "message_ids"
    with pytest.raises(ValidationFailed) as failed_too_big:
        settle(runtime, app_id, [1], [MAX_MESSAGE_ID + 1])
    assert failed_too_big.value.field == "failed_ids"
    assert settle(runtime, app_id, [MAX_MESSAGE_ID]) == Confirmation(0, 0)  # the largest id names no message
    customer = Actor(ActorKind.ACCOUNT, "c", 1)
    with pytest.raises(PermissionDenied):
        tmc.consume(runtime, customer, app_id, ConsumeMessages())
    with pytest.raises(PermissionDenied):
        tmc.confirm(runtime, customer, app_id, ConfirmMessages((1,)))
