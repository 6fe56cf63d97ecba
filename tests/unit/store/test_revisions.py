"""Cache revisions on the store: scopes read 0 before their first write, in the order asked, the same by the
raw lookup and inside a transaction."""

from __future__ import annotations

from fapiao.runtime import Runtime
from fapiao.store import revisions
from tests import factories


def test_scopes_read_zero_before_their_first_write_and_keep_their_order(runtime: Runtime) -> None:
    alice, bob = factories.customer(runtime), factories.customer(runtime)
    untouched = revisions.account_scope(10_000)
    a, b = revisions.account_scope(alice.account_id), revisions.account_scope(bob.account_id)
    assert revisions.current(runtime.db, [untouched]) == (0,)
    factories.approved_title(runtime, alice)
    (after_a,) = revisions.current(runtime.db, [a])
    (after_b,) = revisions.current(runtime.db, [b])
    assert after_a > after_b > 0  # bob's key was created, alice's key and title too
    assert revisions.current(runtime.db, [b, untouched, a]) == (after_b, 0, after_a)
    with runtime.db.engine.connect() as connection:
        assert revisions.read(connection, [a, untouched, b]) == (after_a, 0, after_b)


def test_the_current_revisions_are_one_raw_statement(runtime: Runtime) -> None:
    seen: list[tuple[str, tuple[object, ...]]] = []
    runtime.db.raw_listeners.append(lambda sql, parameters: seen.append((sql, parameters)))
    scopes = (revisions.app_scope(1), revisions.account_scope(2))
    assert revisions.current(runtime.db, scopes) == (0, 0)
    [(sql, parameters)] = seen
    assert sql.startswith("SELECT scope, revision FROM cache_revisions")
    assert parameters == ("app:1", "account:2")
