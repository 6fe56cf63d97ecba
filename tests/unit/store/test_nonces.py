"""The nonce store on each engine: one claim per key and nonce within the window, shared by every process,
and the cache revision read with the claim."""

from __future__ import annotations

from datetime import datetime, timedelta

from fapiao.runtime import Runtime, build_runtime
from fapiao.store import nonces, revisions
from fapiao.store.nonces import PostgresNonces, SqliteNonces
from tests import factories

NOW = datetime(2026, 11, 21, 4, 23, 36)
WINDOW = timedelta(minutes=30)


def claimed(rt: Runtime, key_id: str, nonce: str, now: datetime = NOW, window: timedelta = nonces.WINDOW) -> bool:
    ok, _revision = rt.db.nonces.claim(key_id, nonce, now, window)
    return ok


def test_each_database_claims_with_its_own_dialect(runtime: Runtime) -> None:
    expected = PostgresNonces if runtime.db.dialect == "postgresql" else SqliteNonces
    assert isinstance(runtime.db.nonces, expected)


def test_a_nonce_is_claimed_once_per_key(runtime: Runtime) -> None:
    assert claimed(runtime, "AK1", "n1")
    assert not claimed(runtime, "AK1", "n1", NOW + timedelta(minutes=14))
    assert claimed(runtime, "AK2", "n1")


def test_an_expired_nonce_can_be_claimed_again_and_is_purged(runtime: Runtime) -> None:
    assert claimed(runtime, "AK1", "n1", window=WINDOW)
    assert not claimed(runtime, "AK1", "n1", NOW + timedelta(minutes=30), WINDOW)
    assert claimed(runtime, "AK1", "n1", NOW + timedelta(minutes=31), WINDOW)
    assert runtime.db.nonces.purge(NOW + timedelta(hours=2)) == 1
    assert runtime.db.nonces.purge(NOW + timedelta(hours=2)) == 0


def test_another_process_sees_the_nonce(runtime: Runtime) -> None:
    other = build_runtime(runtime.settings)  # its own engine and connections, like another server process
    try:
        assert claimed(runtime, "AK1", "shared")
        assert not claimed(other, "AK1", "shared")
    finally:
        other.close()


def test_long_nonces_fit_the_column(runtime: Runtime) -> None:
    long = "x" * 500
    assert len(nonces.store_key("AK1", long)) <= 200
    assert claimed(runtime, "AK1", long)
    assert not claimed(runtime, "AK1", long)
    assert claimed(runtime, "AK1", long + "y")


def test_the_claim_reads_the_scopes_current_revision(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    scope = revisions.account_scope(who.account_id)
    claim = runtime.db.nonces.claim
    assert claim(who.key_id, "n1", NOW, WINDOW, revisions.account_scope(424242)) == (True, 0)
    (revision,) = revisions.current(runtime.db, [scope])
    assert claim(who.key_id, "n2", NOW, WINDOW, scope) == (True, revision)
    factories.approved_title(runtime, who)
    (moved,) = revisions.current(runtime.db, [scope])
    assert moved > revision
    assert claim(who.key_id, "n3", NOW, WINDOW, scope) == (True, moved)


def test_a_replayed_nonce_is_refused_and_still_reads_the_revision(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    scope = revisions.account_scope(who.account_id)
    (revision,) = revisions.current(runtime.db, [scope])
    claim = runtime.db.nonces.claim
    assert claim(who.key_id, "n", NOW, WINDOW, scope) == (True, revision)
    assert claim(who.key_id, "n", NOW, WINDOW, scope) == (False, revision)
    assert claim(who.key_id, "m", NOW, WINDOW) == (True, 0)
    assert claim(who.key_id, "m", NOW, WINDOW) == (False, 0)


def test_the_claim_is_one_raw_statement_on_postgresql_and_one_transaction_on_sqlite(runtime: Runtime) -> None:
    seen: list[str] = []
    runtime.db.raw_listeners.append(lambda sql, _parameters: seen.append(sql.split()[0]))
    runtime.db.nonces.claim("AK1", "n1", NOW, WINDOW, revisions.account_scope(1))
    if runtime.db.dialect == "postgresql":
        assert seen == ["WITH"]
    else:
        assert seen == ["BEGIN", "INSERT", "SELECT"]
