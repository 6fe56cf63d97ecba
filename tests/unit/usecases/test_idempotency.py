"""Idempotency keys as a REST client relies on them: a retry with the same key replays the first answer,
the same key on another request is refused, and a refused request may be corrected and retried."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from fapiao.domain.errors import Conflict, Reason, ValidationFailed
from fapiao.items import service as items
from fapiao.items.commands import ListItems
from fapiao.runtime import Runtime
from fapiao.store import idempotency as idempotency_store
from fapiao.store.tables import IdempotencyRecord as R
from fapiao.store.tables import utcnow
from fapiao.usecases.actor import OPERATOR
from fapiao.usecases.idempotency import RETENTION, StoredResponse, fingerprint, run_once
from tests import factories
from tests.support.statements import statements_matching


class Producer:
    """Counts how often the guarded work really ran."""

    def __init__(self, *answers: tuple[int, bytes]) -> None:
        self.answers = list(answers)
        self.runs = 0

    def __call__(self) -> tuple[int, bytes]:
        self.runs += 1
        return self.answers.pop(0)


def test_a_retry_with_the_same_key_replays_the_first_answer(runtime: Runtime) -> None:
    work = Producer((201, b'{"id": 1}'))
    first = run_once(runtime, "account:1", "k1", fingerprint("POST", b"body"), work)
    again = run_once(runtime, "account:1", "k1", fingerprint("POST", b"body"), work)
    assert (first.status_code, first.body, first.replayed) == (201, b'{"id": 1}', False)
    assert (again.status_code, again.body, again.replayed) == (201, b'{"id": 1}', True)
    assert work.runs == 1


def test_keys_are_scoped(runtime: Runtime) -> None:
    work = Producer((201, b"a"), (201, b"b"))
    run_once(runtime, "account:1", "k", fingerprint("x"), work)
    other = run_once(runtime, "account:2", "k", fingerprint("x"), work)
    assert (other.body, other.replayed, work.runs) == (b"b", False, 2)


def test_the_same_key_on_a_different_request_is_refused(runtime: Runtime) -> None:
    run_once(runtime, "account:1", "k", fingerprint("POST", b"one"), Producer((201, b"one")))
    with pytest.raises(Conflict) as caught:
        run_once(runtime, "account:1", "k", fingerprint("POST", b"two"), Producer((201, b"two")))
    assert caught.value.reason is Reason.IDEMPOTENCY_MISMATCH and caught.value.field == "idempotency_key"


def test_a_refused_request_can_be_corrected_and_retried_with_its_key(runtime: Runtime) -> None:
    refused = run_once(runtime, "account:1", "k", fingerprint("bad"), Producer((400, b"invalid")))
    fixed = run_once(runtime, "account:1", "k", fingerprint("good"), Producer((201, b"created")))
    assert (refused.status_code, refused.replayed) == (400, False)
    assert (fixed.status_code, fixed.body, fixed.replayed) == (201, b"created", False)


@pytest.mark.parametrize("key", ["", "k" * 129])
def test_a_key_has_1_to_128_characters(runtime: Runtime, key: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        run_once(runtime, "account:1", key, fingerprint("x"), Producer((201, b"")))
    assert caught.value.field == "idempotency_key"


def test_fingerprints_tell_the_parts_apart() -> None:
    assert fingerprint("ab", "c") != fingerprint("a", "bc")
    assert fingerprint("a", b"b") == fingerprint(b"a", "b")


# --- the reservation: one unit of work with the use case --------------------------------------------------


def _records(runtime: Runtime) -> list[tuple[str, str, int, bytes]]:
    with runtime.db.reads() as connection:
        rows = connection.execute(select(R.scope, R.key, R.status_code, R.body).order_by(R.id)).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_the_work_runs_inside_the_unit_that_reserved_the_key(runtime: Runtime) -> None:
    inside: list[bool] = []

    def work() -> tuple[int, bytes]:
        inside.append(runtime.db.in_unit)
        return 201, b"{}"

    run_once(runtime, "account:1", "k", fingerprint("x"), work)
    assert inside == [True]


def test_a_refusal_rolls_back_the_reservation_with_the_work(runtime: Runtime) -> None:
    who = factories.customer(runtime)

    def refuse() -> tuple[int, bytes]:
        factories.item(runtime, who)  # the use case wrote something, then refused
        raise ValidationFailed("no", field="amount_fen")

    with pytest.raises(ValidationFailed):
        run_once(runtime, "account:1", "k", fingerprint("x"), refuse)
    assert _records(runtime) == []
    assert items.list_items(runtime, OPERATOR, ListItems(user_id=who.user_id)).total == 0
    retried = run_once(runtime, "account:1", "k", fingerprint("x"), Producer((201, b"ok")))
    assert (retried.body, retried.replayed) == (b"ok", False)


def test_the_stored_answer_is_encrypted(runtime: Runtime) -> None:
    secret = b'{"secret": "whsec_plaintext"}'
    run_once(runtime, "account:1", "k", fingerprint("x"), Producer((201, secret)))
    [(_, _, status, stored)] = _records(runtime)
    assert status == 201 and b"whsec_plaintext" not in stored
    assert runtime.box.open_bytes(stored) == secret
    assert run_once(runtime, "account:1", "k", fingerprint("x"), Producer()).body == secret


def test_an_answer_recorded_in_plaintext_before_encryption_still_replays(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        session.add(R(scope="account:1", key="k", fingerprint=fingerprint("x"), status_code=201, body=b'{"id": 7}'))
    replayed = run_once(runtime, "account:1", "k", fingerprint("x"), Producer())
    assert (replayed.status_code, replayed.body, replayed.replayed) == (201, b'{"id": 7}', True)


def test_an_expired_record_neither_replays_nor_blocks_its_key(runtime: Runtime) -> None:
    run_once(runtime, "account:1", "k", fingerprint("old"), Producer((201, b"old")))
    _age(runtime, RETENTION + timedelta(minutes=1))
    fresh = run_once(runtime, "account:1", "k", fingerprint("new"), Producer((201, b"new")))
    assert (fresh.body, fresh.replayed) == (b"new", False)
    assert run_once(runtime, "account:1", "k", fingerprint("new"), Producer()).body == b"new"
    assert len(_records(runtime)) == 1


def test_expired_records_are_purged_in_batches(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(idempotency_store, "PURGE_BATCH", 2)
    for n in range(5):
        run_once(runtime, "account:1", f"old-{n}", fingerprint("x"), Producer((201, b"")))
    _age(runtime, RETENTION + timedelta(minutes=1))
    run_once(runtime, "account:1", "live", fingerprint("x"), Producer((201, b"")))
    with statements_matching(runtime.db, "^DELETE") as deletes:
        assert runtime.db.idempotency.purge(utcnow() - RETENTION) == 5
    assert len(deletes) == 3  # 2 + 2 + 1
    assert [key for _, key, _, _ in _records(runtime)] == ["live"]


def test_concurrent_requests_with_one_key_run_once_and_replay(runtime: Runtime) -> None:
    """PostgreSQL: the duplicates wait on the reservation, then replay; SQLite: they run after it."""
    count = 8
    start = threading.Barrier(count)
    work = Producer((201, b"first"))

    def slow_work() -> tuple[int, bytes]:
        time.sleep(0.2)  # widens the window in which the duplicates arrive
        return work()

    def request(_n: int) -> StoredResponse:
        start.wait()
        return run_once(runtime, "account:1", "k", fingerprint("x"), slow_work)

    with ThreadPoolExecutor(count) as pool:
        answers = list(pool.map(request, range(count)))
    assert work.runs == 1
    assert {a.body for a in answers} == {b"first"} and sorted(a.replayed for a in answers) == [False] + [True] * 7


def _age(runtime: Runtime, by: timedelta) -> None:
    with runtime.db.transaction() as session:
        session.execute(update(R).values(created_at=R.created_at - by))


def test_the_purge_stays_off_a_units_transaction(runtime: Runtime) -> None:
    store, now = runtime.db.idempotency, utcnow()
    with statements_matching(runtime.db, "^DELETE") as deletes:
        with runtime.db.begin():
            store.purge_now_and_then(now, RETENTION)
        assert deletes == []
        store.purge_now_and_then(now, RETENTION)  # outside a unit: due (the process has not purged yet)
        assert len(deletes) == 1
        store.purge_now_and_then(now, RETENTION)  # at most once a minute
        assert len(deletes) == 1
