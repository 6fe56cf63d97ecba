"""The read caches: ``ReadCache`` on its own, one set per runtime, and the title list cached at the revision
of the credential that signed (both databases)."""

from __future__ import annotations

from fapiao.auth.caches import ReadCache
from fapiao.auth.credentials import resolve_access_key
from fapiao.runtime import Runtime, build_runtime
from fapiao.titles import service as titles
from fapiao.usecases.actor import OPERATOR
from tests import factories
from tests.support.statements import statements_matching

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


# --- the title list cache ---------------------------------------------------------------------------------------


def test_account_titles_are_read_again_once_the_signers_revision_moves(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    assert titles.account_titles(runtime, resolve_access_key(runtime, who.key_id)) == ()
    created = titles.create_title(runtime, OPERATOR, who.user_id, factories.title_data())
    assert [t.id for t in titles.account_titles(runtime, resolve_access_key(runtime, who.key_id))] == [created.id]
    second = factories.approved_title(runtime, who, invoice_title="第二科技有限公司")
    listed = titles.account_titles(runtime, resolve_access_key(runtime, who.key_id))
    assert [(t.id, t.data.invoice_title) for t in listed] == [
        (created.id, "示例科技有限公司"),
        (second.id, "第二科技有限公司"),
    ]


def test_account_titles_at_the_same_revision_come_from_the_cache(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    signer = resolve_access_key(runtime, who.key_id)
    first = titles.account_titles(runtime, signer)
    with statements_matching(runtime.db.engine, r"\bFROM titles\b") as reads:
        assert titles.account_titles(runtime, signer) is first
    assert reads == []


def test_account_titles_are_only_the_signers_accounts(runtime: Runtime) -> None:
    alice, bob = factories.customer(runtime), factories.customer(runtime)
    mine = factories.approved_title(runtime, alice)
    factories.approved_title(runtime, bob)
    assert [t.id for t in titles.account_titles(runtime, resolve_access_key(runtime, alice.key_id))] == [mine.id]
