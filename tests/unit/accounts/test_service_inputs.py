"""What operators and customers meet when administering accounts, keys and RAM users: input limits with the
domain field named, duplicates refused, and a customer seeing its own account only (others read as missing)."""

from __future__ import annotations

import pytest

from fapiao.accounts import service as accounts
from fapiao.domain.errors import Conflict, NotFound, ValidationFailed
from fapiao.runtime import Runtime
from fapiao.usecases.actor import OPERATOR, Actor, ActorKind
from tests import factories

POLICY = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["bss:*"], "Resource": "*"}]}


def _as_customer(who: factories.Customer) -> Actor:
    return Actor(ActorKind.ACCOUNT, str(who.user_id), account_id=who.account_id, user_id=who.user_id)


@pytest.mark.parametrize(
    ("nick", "user_id", "field"), [(" ", None, "user_nick"), ("n" * 65, None, "user_nick"), ("ok", 0, "user_id")]
)
def test_account_inputs_are_checked(runtime: Runtime, nick: str, user_id: int | None, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        accounts.create_account(runtime, OPERATOR, nick, user_id=user_id)
    assert caught.value.field == field


def test_a_customer_sees_its_own_account_only(runtime: Runtime) -> None:
    alice, bob = factories.customer(runtime, nick="alice"), factories.customer(runtime, nick="bob")
    as_alice = _as_customer(alice)
    assert [a.user_nick for a in accounts.list_accounts(runtime, as_alice)] == ["alice"]
    assert {a.user_nick for a in accounts.list_accounts(runtime, OPERATOR)} >= {"alice", "bob"}
    assert accounts.get_account(runtime, as_alice, alice.user_id).user_nick == "alice"
    with pytest.raises(NotFound):
        accounts.get_account(runtime, as_alice, bob.user_id)
    with pytest.raises(NotFound):
        accounts.list_access_keys(runtime, as_alice, bob.user_id)


def test_keys_are_listed_with_the_ram_user_they_belong_to(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    accounts.create_ram_user(runtime, OPERATOR, who.user_id, "bot")
    ram_key = accounts.create_access_key(runtime, OPERATOR, who.user_id, ram_user="bot")
    listed = {(k.key_id, k.ram_user, k.enabled) for k in accounts.list_access_keys(runtime, OPERATOR, who.user_id)}
    assert listed == {(who.key_id, None, True), (ram_key.key.key_id, "bot", True)}
    with pytest.raises(NotFound) as caught:
        accounts.set_access_key_enabled(runtime, OPERATOR, "LTAInope", False)
    assert caught.value.field == "key_id"


@pytest.mark.parametrize("name", ["", "n" * 65, "has space", "斜杠/"])
def test_ram_user_names_are_checked(runtime: Runtime, name: str) -> None:
    who = factories.customer(runtime)
    with pytest.raises(ValidationFailed) as caught:
        accounts.create_ram_user(runtime, OPERATOR, who.user_id, name)
    assert caught.value.field == "name"


def test_a_ram_user_name_is_unique_within_its_account(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    accounts.create_ram_user(runtime, OPERATOR, who.user_id, "bot.1@x")
    with pytest.raises(Conflict) as caught:
        accounts.create_ram_user(runtime, OPERATOR, who.user_id, "bot.1@x")
    assert caught.value.field == "name"


def test_policies_need_a_name_and_detaching_a_missing_one_is_not_found(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    accounts.create_ram_user(runtime, OPERATOR, who.user_id, "bot")
    with pytest.raises(ValidationFailed) as blank:
        accounts.attach_policy(runtime, OPERATOR, who.user_id, "bot", " ", POLICY)
    assert blank.value.field == "policy_name"
    accounts.attach_policy(runtime, OPERATOR, who.user_id, "bot", "all", POLICY)
    assert accounts.detach_policy(runtime, OPERATOR, who.user_id, "bot", "all").policies == {}
    with pytest.raises(NotFound) as missing:
        accounts.detach_policy(runtime, OPERATOR, who.user_id, "bot", "all")
    assert missing.value.field == "policy_name"
