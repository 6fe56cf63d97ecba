from __future__ import annotations

import json

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
from fapiao.domain.errors import Conflict, NotFound, PermissionDenied, Unauthenticated, ValidationFailed
from fapiao.runtime import Runtime
from fapiao.store.tables import AccessKey
from fapiao.usecases.actor import OPERATOR
from tests import factories

POLICY = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": ["bss:QueryCustomerInvoiceInfo"], "Resource": "*"}],
}


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
