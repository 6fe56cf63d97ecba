"""The read caches and the revisions that keep them exact: ``ReadCache`` on its own, then the revision reads
(``current``, the nonce claim) and the cached service lookups on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from fapiao.accounts import service as accounts
from fapiao.auth import revisions
from fapiao.auth.revisions import ReadCache
from fapiao.domain.errors import Unauthenticated
from fapiao.runtime import Runtime, build_runtime
from fapiao.store import nonces
from fapiao.titles import service as titles
from fapiao.usecases.actor import OPERATOR
from tests import factories

NOW = datetime(2026, 11, 21, 12, 0)
WINDOW = timedelta(minutes=30)


# --- ReadCache ------------------------------------------------------------------------------------------------


def test_the_least_recently_used_entry_goes_first_at_capacity() -> None:
    cache: ReadCache[str, int] = ReadCache(2)
    cache.put("a", 1, (0,))
    cache.put("b", 2, (0,))
    assert cache.get("a") is not None  # "a" is now the most recently used
    cache.put("c", 3, (0,))
    assert len(cache) == 2
    assert cache.get("b") is None
    assert cache.current("a", (0,)) == 1 and cache.current("c", (0,)) == 3


def test_replacing_an_entry_keeps_one_entry_with_the_new_revisions() -> None:
    cache: ReadCache[str, str] = ReadCache(2)
    cache.put("k", "old", (1,))
    cache.put("k", "new", (2,))
    assert len(cache) == 1
    assert cache.current("k", (2,)) == "new"
    assert cache.current("k", (1,)) is None


def test_current_answers_only_at_exactly_the_revisions_read() -> None:
    cache: ReadCache[tuple[int, str], str] = ReadCache(10)
    cache.put((1, "s"), "value", (3, 7))
    assert cache.current((1, "s"), (3, 7)) == "value"
    for other in [(3, 8), (4, 7), (2, 7), (3,), (3, 7, 0)]:
        assert cache.current((1, "s"), other) is None
    assert cache.current((2, "s"), (3, 7)) is None


def test_discard_forgets_an_entry_and_ignores_unknown_keys() -> None:
    cache: ReadCache[str, int] = ReadCache(10)
    cache.put("a", 1, (0,))
    cache.discard("a")
    cache.discard("never-there")
    assert cache.get("a") is None
    assert len(cache) == 0


def test_each_runtime_has_caches_of_its_own(runtime: Runtime) -> None:
    other = build_runtime(runtime.settings)
    try:
        assert other.caches is not runtime.caches
        assert other.caches.credentials is not runtime.caches.credentials
    finally:
        other.close()


# --- revisions on the store -----------------------------------------------------------------------------------


def test_scopes_read_zero_before_their_first_write_and_keep_their_order(runtime: Runtime) -> None:
    alice, bob = factories.customer(runtime), factories.customer(runtime)
    untouched = revisions.account_scope(10_000)
    a, b = revisions.account_scope(alice.account_id), revisions.account_scope(bob.account_id)
    assert revisions.current(runtime, [untouched]) == (0,)
    factories.approved_title(runtime, alice)
    (after_a,) = revisions.current(runtime, [a])
    (after_b,) = revisions.current(runtime, [b])
    assert after_a > after_b > 0  # bob's key was created, alice's key and title too
    assert revisions.current(runtime, [b, untouched, a]) == (after_b, 0, after_a)
    with runtime.db.engine.connect() as connection:
        assert revisions.read(connection, [a, untouched, b]) == (after_a, 0, after_b)


def test_the_nonce_claim_reads_the_scopes_current_revision(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    scope = revisions.account_scope(who.account_id)
    assert nonces.claim_reading_revision(runtime, who.key_id, "n1", NOW, WINDOW, scope="account:424242") == (True, 0)
    (revision,) = revisions.current(runtime, [scope])
    assert nonces.claim_reading_revision(runtime, who.key_id, "n2", NOW, WINDOW, scope=scope) == (True, revision)
    factories.approved_title(runtime, who)
    (moved,) = revisions.current(runtime, [scope])
    assert moved > revision
    assert nonces.claim_reading_revision(runtime, who.key_id, "n3", NOW, WINDOW, scope=scope) == (True, moved)


def test_a_replayed_nonce_is_refused_and_still_reads_the_revision(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    scope = revisions.account_scope(who.account_id)
    (revision,) = revisions.current(runtime, [scope])
    assert nonces.claim_reading_revision(runtime, who.key_id, "n", NOW, WINDOW, scope=scope) == (True, revision)
    assert nonces.claim_reading_revision(runtime, who.key_id, "n", NOW, WINDOW, scope=scope) == (False, revision)
    assert nonces.claim_reading_revision(runtime, who.key_id, "m", NOW, WINDOW, scope=None) == (True, 0)
    assert not nonces.claim(runtime, who.key_id, "m", NOW, WINDOW)


# --- the cached lookups -----------------------------------------------------------------------------------------


def test_a_credential_carries_the_revision_it_was_read_at(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    credential = accounts.resolve_access_key(runtime, who.key_id)
    assert (credential.scope, credential.account_id) == (revisions.account_scope(who.account_id), who.account_id)
    assert revisions.current(runtime, [credential.scope]) == (credential.revision,)


def test_a_cached_credential_falls_behind_a_write_and_an_uncached_lookup_sees_it(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    read = accounts.resolve_access_key(runtime, who.key_id, cached=True)
    accounts.set_access_key_enabled(runtime, OPERATOR, who.key_id, False)
    cached = accounts.resolve_access_key(runtime, who.key_id, cached=True)
    assert cached.revision == read.revision  # the caller must notice this is behind ...
    assert revisions.current(runtime, [cached.scope]) != (cached.revision,)
    with pytest.raises(Unauthenticated):  # ... and ask again
        accounts.resolve_access_key(runtime, who.key_id)
    with pytest.raises(Unauthenticated):  # a refused key is not cached either
        accounts.resolve_access_key(runtime, who.key_id, cached=True)


def test_account_titles_refresh_when_the_revision_moves(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    actor = accounts.resolve_access_key(runtime, who.key_id).actor
    scope = revisions.account_scope(who.account_id)
    (before,) = revisions.current(runtime, [scope])
    assert titles.account_titles(runtime, actor, before) == ()
    created = titles.create_title(runtime, OPERATOR, who.user_id, factories.title_data())
    (after,) = revisions.current(runtime, [scope])
    assert [t.id for t in titles.account_titles(runtime, actor, after)] == [created.id]
    second = factories.approved_title(runtime, who, invoice_title="第二科技有限公司")
    (latest,) = revisions.current(runtime, [scope])
    listed = titles.account_titles(runtime, actor, latest)
    assert [(t.id, t.data.invoice_title) for t in listed] == [
        (created.id, "示例科技有限公司"),
        (second.id, "第二科技有限公司"),
    ]


def test_account_titles_are_only_the_actors_accounts(runtime: Runtime) -> None:
    alice, bob = factories.customer(runtime), factories.customer(runtime)
    mine = factories.approved_title(runtime, alice)
    factories.approved_title(runtime, bob)
    actor = accounts.resolve_access_key(runtime, alice.key_id).actor
    (revision,) = revisions.current(runtime, [revisions.account_scope(alice.account_id)])
    assert [t.id for t in titles.account_titles(runtime, actor, revision)] == [mine.id]
