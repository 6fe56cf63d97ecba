"""Accounts, keys, RAM users and policies: who may act on which account, the declared limits, and what is
recorded."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select, text

from fapiao.accounts import service as accounts
from fapiao.accounts.commands import (
    AttachPolicy,
    CreateAccessKey,
    CreateAccount,
    CreateRamUser,
    DetachPolicy,
    SetAccessKeyEnabled,
)
from fapiao.audit import service as audit
from fapiao.audit.commands import ListAuditEvents
from fapiao.auth import credentials
from fapiao.domain.errors import Conflict, NotFound, PermissionDenied, Reason, Unauthenticated, ValidationFailed
from fapiao.runtime import Runtime
from fapiao.store.tables import AccessKey
from fapiao.usecases.actor import OPERATOR, SYSTEM, Actor, ActorKind
from tests import factories

POLICY = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": ["bss:QueryCustomerInvoiceInfo"], "Resource": "*"}],
}
LARGE = json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["bss:A"] * 800, "Resource": "*"}]})


def test_secrets_are_encrypted_at_rest_and_verifiable(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    with runtime.db.transaction() as session:
        sealed = session.scalars(select(AccessKey.secret_sealed).where(AccessKey.key_id == who.key_id)).one()
        dump = "\n".join(str(row) for row in session.execute(text("SELECT * FROM access_keys")))
    assert who.secret not in sealed and who.secret not in dump
    assert credentials.resolve_access_key(runtime, who.key_id).secret == who.secret


def test_disabled_keys_stop_authenticating(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    accounts.set_access_key_enabled(runtime, OPERATOR, SetAccessKeyEnabled(who.key_id, False))
    with pytest.raises(Unauthenticated):
        credentials.resolve_access_key(runtime, who.key_id)
    with pytest.raises(Unauthenticated):
        credentials.resolve_access_key(runtime, "LTAInope")


def test_ram_user_key_carries_its_policies(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    accounts.create_ram_user(runtime, OPERATOR, CreateRamUser(who.user_id, "billing-bot"))
    accounts.attach_policy(
        runtime, OPERATOR, AttachPolicy(who.user_id, "billing-bot", "invoice-read", json.dumps(POLICY))
    )
    key = accounts.create_access_key(runtime, OPERATOR, CreateAccessKey(who.user_id, "billing-bot"))
    actor = credentials.resolve_access_key(runtime, key.key.key_id).actor
    actor.require("bss:QueryCustomerInvoiceInfo")
    with pytest.raises(PermissionDenied) as denied:
        actor.require("bss:ApplyInvoice")
    assert "bss:ApplyInvoice" in denied.value.message
    detached = accounts.detach_policy(runtime, OPERATOR, DetachPolicy(who.user_id, "billing-bot", "invoice-read"))
    assert detached.policies == {}


def test_a_policy_with_a_condition_is_kept_and_one_not_understood_is_refused(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    accounts.create_ram_user(runtime, OPERATOR, CreateRamUser(who.user_id, "bot"))
    grant: dict[str, Any] = {"Effect": "Allow", "Action": ["bss:QueryCustomerInvoiceInfo"], "Resource": "*"}
    condition = {"IpAddress": {"acs:SourceIp": ["203.0.113.0/24"]}, "Bool": {"acs:SecureTransport": "true"}}
    kept = {"Version": "1", "Statement": [{**grant, "Condition": condition}]}
    attached = accounts.attach_policy(runtime, OPERATOR, AttachPolicy(who.user_id, "bot", "net", json.dumps(kept)))
    assert attached.policies == {"net": kept}
    unknown = {"Version": "1", "Statement": [{**grant, "Condition": {"StringLike": {"acs:UserAgent": "curl*"}}}]}
    with pytest.raises(ValidationFailed) as refused:
        accounts.attach_policy(runtime, OPERATOR, AttachPolicy(who.user_id, "bot", "ua", json.dumps(unknown)))
    assert refused.value.field == "document"
    assert "condition operator 'StringLike' is not supported" in refused.value.message
    assert set(accounts.list_ram_users(runtime, OPERATOR, who.user_id)[0].policies) == {"net"}


def test_bad_input_changes_nothing(runtime: Runtime) -> None:
    who = factories.customer(runtime, nick="taken")
    with pytest.raises(Conflict):
        accounts.create_account(runtime, OPERATOR, CreateAccount("taken"))
    with pytest.raises(ValidationFailed):
        accounts.attach_policy(runtime, OPERATOR, AttachPolicy(who.user_id, "nobody", "p", '{"Version": "1"}'))
    with pytest.raises(NotFound):
        accounts.create_access_key(runtime, OPERATOR, CreateAccessKey(who.user_id, "nobody"))
    assert [a.user_nick for a in accounts.list_accounts(runtime, OPERATOR)] == ["taken"]


def test_everything_is_audited_with_before_and_after(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    accounts.set_access_key_enabled(runtime, OPERATOR, SetAccessKeyEnabled(who.key_id, False))
    events = audit.list_events(runtime, OPERATOR, ListAuditEvents(account_id=who.account_id)).items
    assert [e.action for e in events] == ["access_key.disable", "access_key.create", "account.create"]
    assert events[0].before == {"enabled": True} and events[0].after == {"enabled": False}
    assert events[0].actor == "operator:cli"
    assert all(who.secret not in str(e.after) for e in events)


CUSTOMER_KINDS = [ActorKind.ACCOUNT, ActorKind.RAM_USER]


@pytest.mark.parametrize(
    "actor",
    [Actor(ActorKind.ACCOUNT, "c", 1, user_id=1), Actor(ActorKind.RAM_USER, "r", 1), Actor(ActorKind.PROVIDER, "1")],
    ids=["customer", "ram_user", "provider"],
)
def test_only_operators_and_the_system_open_accounts(runtime: Runtime, actor: Actor) -> None:
    with pytest.raises(PermissionDenied) as refused:
        accounts.create_account(runtime, actor, CreateAccount("intruder"))
    assert refused.value.reason is Reason.FORBIDDEN
    assert accounts.list_accounts(runtime, OPERATOR) == []
    opened = accounts.create_account(runtime, SYSTEM, CreateAccount("  shop  ", 42, real_name_verified=True))
    assert (opened.user_id, opened.user_nick, opened.real_name_verified) == (42, "shop", True)
    generated = accounts.create_account(runtime, OPERATOR, CreateAccount("another"))
    assert len(str(generated.user_id)) == 16


@pytest.mark.parametrize("kind", CUSTOMER_KINDS, ids=["root", "ram_user"])
def test_a_customer_acts_on_its_own_account_only(runtime: Runtime, kind: ActorKind) -> None:
    alice, bob = factories.customer(runtime), factories.customer(runtime)
    actor = alice.actor(kind)
    assert [a.user_id for a in accounts.list_accounts(runtime, actor)] == [alice.user_id]
    assert accounts.get_account(runtime, actor, alice.user_id).id == alice.account_id
    accounts.create_ram_user(runtime, actor, CreateRamUser(alice.user_id, "bot"))
    accounts.create_access_key(runtime, actor, CreateAccessKey(alice.user_id, "bot"))
    assert [k.ram_user for k in accounts.list_access_keys(runtime, actor, alice.user_id)] == [None, "bot"]
    elsewhere = (
        lambda: accounts.get_account(runtime, actor, bob.user_id),
        lambda: accounts.create_access_key(runtime, actor, CreateAccessKey(bob.user_id)),
        lambda: accounts.list_access_keys(runtime, actor, bob.user_id),
        lambda: accounts.set_access_key_enabled(runtime, actor, SetAccessKeyEnabled(bob.key_id, False)),
        lambda: accounts.create_ram_user(runtime, actor, CreateRamUser(bob.user_id, "bot")),
        lambda: accounts.list_ram_users(runtime, actor, bob.user_id),
        lambda: accounts.attach_policy(runtime, actor, AttachPolicy(bob.user_id, "bot", "p", json.dumps(POLICY))),
        lambda: accounts.detach_policy(runtime, actor, DetachPolicy(bob.user_id, "bot", "p")),
    )
    for attempt in elsewhere:
        with pytest.raises(NotFound):  # another account's records read as missing, never as forbidden
            attempt()
    assert [k.enabled for k in accounts.list_access_keys(runtime, OPERATOR, bob.user_id)] == [True]
    assert accounts.list_ram_users(runtime, OPERATOR, bob.user_id) == []


@pytest.mark.parametrize(
    ("attempt", "field"),
    [
        (lambda rt, who: accounts.create_account(rt, OPERATOR, CreateAccount("   ")), "user_nick"),
        (lambda rt, who: accounts.create_account(rt, OPERATOR, CreateAccount("n" * 65)), "user_nick"),
        (lambda rt, who: accounts.create_account(rt, OPERATOR, CreateAccount("x", 0)), "user_id"),
        (lambda rt, who: accounts.create_account(rt, OPERATOR, CreateAccount("x", 2**63)), "user_id"),
        (lambda rt, who: accounts.create_ram_user(rt, OPERATOR, CreateRamUser(who.user_id, "a b")), "name"),
        (lambda rt, who: accounts.create_ram_user(rt, OPERATOR, CreateRamUser(who.user_id, "a" * 65)), "name"),
        (lambda rt, who: accounts.create_ram_user(rt, OPERATOR, CreateRamUser(who.user_id, " ")), "name"),
        (
            lambda rt, who: accounts.attach_policy(rt, OPERATOR, AttachPolicy(who.user_id, "bot", " ", "{}")),
            "policy_name",
        ),
        (lambda rt, who: accounts.attach_policy(rt, OPERATOR, AttachPolicy(who.user_id, "bot", "p", "{")), "document"),
        (
            lambda rt, who: accounts.attach_policy(rt, OPERATOR, AttachPolicy(who.user_id, "bot", "p", LARGE)),
            "document",
        ),
    ],
)
def test_limits_name_the_field_at_fault(runtime: Runtime, attempt: Any, field: str) -> None:
    who = factories.customer(runtime)
    accounts.create_ram_user(runtime, OPERATOR, CreateRamUser(who.user_id, "bot"))
    with pytest.raises(ValidationFailed) as refused:
        attempt(runtime, who)
    assert refused.value.field == field
    assert len(accounts.list_accounts(runtime, OPERATOR)) == 1
    assert accounts.list_ram_users(runtime, OPERATOR, who.user_id)[0].policies == {}


def test_ram_user_names_allow_rams_characters_and_are_unique_per_account(runtime: Runtime) -> None:
    alice, bob = factories.customer(runtime), factories.customer(runtime)
    name = "billing.bot_1-ops@shop"
    created = accounts.create_ram_user(runtime, OPERATOR, CreateRamUser(alice.user_id, f" {name} ", "记账"))
    assert (created.name, created.display_name, created.policies) == (name, "记账", {})
    accounts.create_ram_user(runtime, OPERATOR, CreateRamUser(bob.user_id, name))
    with pytest.raises(Conflict) as taken:
        accounts.create_ram_user(runtime, OPERATOR, CreateRamUser(alice.user_id, name))
    assert taken.value.field == "name"


def test_attaching_a_policy_again_replaces_it_and_detaching_an_unknown_one_is_not_found(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    accounts.create_ram_user(runtime, OPERATOR, CreateRamUser(who.user_id, "bot"))
    accounts.attach_policy(runtime, OPERATOR, AttachPolicy(who.user_id, "bot", "p", json.dumps(POLICY)))
    everything = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "bss:*", "Resource": "*"}]}
    replaced = accounts.attach_policy(runtime, OPERATOR, AttachPolicy(who.user_id, "bot", " p", json.dumps(everything)))
    assert replaced.policies == {"p": everything}
    with pytest.raises(NotFound) as missing:
        accounts.detach_policy(runtime, OPERATOR, DetachPolicy(who.user_id, "bot", "q"))
    assert missing.value.field == "policy_name"
    with pytest.raises(NotFound) as unknown:
        accounts.set_access_key_enabled(runtime, OPERATOR, SetAccessKeyEnabled("LTAInope", False))
    assert unknown.value.field == "key_id"
