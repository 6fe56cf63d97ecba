"""The credential lookups: what the database holds now, with the revision it was read at, refreshing this
process's cache with what they found and forgetting what they did not (both databases)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from fapiao.accounts import service as accounts
from fapiao.accounts.commands import AttachPolicy, CreateAccessKey, CreateRamUser, SetAccessKeyEnabled
from fapiao.auth import credentials
from fapiao.domain.errors import PermissionDenied, Unauthenticated
from fapiao.domain.policies import RequestContext
from fapiao.providers import service as providers
from fapiao.runtime import Runtime
from fapiao.store import revisions
from fapiao.store.tables import ProviderApp, ProviderSession, RamPolicy
from fapiao.usecases.actor import OPERATOR, ActorKind
from tests import factories
from tests.support.statements import all_statements

POLICY = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["bss:Query*"], "Resource": "*"}]}


def test_a_credential_carries_the_revision_it_was_read_at_and_fills_the_cache(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    credential = credentials.resolve_access_key(runtime, who.key_id)
    assert (credential.secret, credential.user_id, credential.account_id) == (who.secret, who.user_id, who.account_id)
    assert credential.actor.kind is ActorKind.ACCOUNT
    assert credential.scope == revisions.account_scope(who.account_id)
    assert revisions.current(runtime.db, [credential.scope]) == (credential.revision,)
    assert runtime.caches.credentials.current(who.key_id, (credential.revision,)) == credential


def test_a_ram_keys_credential_carries_its_policies(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    accounts.create_ram_user(runtime, OPERATOR, CreateRamUser(who.user_id, "bot"))
    accounts.attach_policy(runtime, OPERATOR, AttachPolicy(who.user_id, "bot", "read", json.dumps(POLICY)))
    key = accounts.create_access_key(runtime, OPERATOR, CreateAccessKey(who.user_id, "bot"))
    actor = credentials.resolve_access_key(runtime, key.key.key_id).actor
    assert (actor.kind, actor.name) == (ActorKind.RAM_USER, f"{who.user_id}/bot")
    actor.require("bss:QueryInvoicingCustomerList")
    with pytest.raises(PermissionDenied):
        actor.require("bss:ApplyInvoice")


def _reading_when(condition: dict[str, Any]) -> dict[str, Any]:
    grant = {"Effect": "Allow", "Action": ["bss:Query*"], "Resource": "*", "Condition": condition}
    return {"Version": "1", "Statement": [grant]}


def test_a_credential_acts_within_one_requests_context_and_the_cached_one_stays_context_free(
    runtime: Runtime,
) -> None:
    who = factories.customer(runtime)
    accounts.create_ram_user(runtime, OPERATOR, CreateRamUser(who.user_id, "bot"))
    from_net = _reading_when({"IpAddress": {"acs:SourceIp": "203.0.113.0/24"}})
    accounts.attach_policy(runtime, OPERATOR, AttachPolicy(who.user_id, "bot", "net", json.dumps(from_net)))
    key = accounts.create_access_key(runtime, OPERATOR, CreateAccessKey(who.user_id, "bot"))
    credential = credentials.resolve_access_key(runtime, key.key.key_id)
    now = datetime.now(UTC)
    credential.within(RequestContext.of("203.0.113.8", False, now)).actor.require("bss:QueryEvaluateList")
    with pytest.raises(PermissionDenied):
        credential.within(RequestContext.of("127.0.0.1", False, now)).actor.require("bss:QueryEvaluateList")
    with pytest.raises(PermissionDenied):  # no request: no address to match
        credential.actor.require("bss:QueryEvaluateList")
    assert runtime.caches.credentials.current(key.key.key_id, (credential.revision,)) == credential


def test_a_stored_policy_that_no_longer_parses_grants_nothing(runtime: Runtime) -> None:
    # attached before a rule it breaks (or written by SQL): refused everything, never read in part
    who = factories.customer(runtime)
    accounts.create_ram_user(runtime, OPERATOR, CreateRamUser(who.user_id, "bot"))
    accounts.attach_policy(runtime, OPERATOR, AttachPolicy(who.user_id, "bot", "all", json.dumps(POLICY)))
    key = accounts.create_access_key(runtime, OPERATOR, CreateAccessKey(who.user_id, "bot"))
    unsupported = _reading_when({"StringEquals": {"acs:UserAgent": "x"}})
    with runtime.db.transaction() as session:
        session.execute(update(RamPolicy).values(document=unsupported))
    actor = credentials.resolve_access_key(runtime, key.key.key_id).actor
    with pytest.raises(PermissionDenied):
        actor.require("bss:QueryEvaluateList")


def test_a_disabled_key_is_unknown_and_leaves_the_cache(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    credentials.resolve_access_key(runtime, who.key_id)
    accounts.set_access_key_enabled(runtime, OPERATOR, SetAccessKeyEnabled(who.key_id, False))
    assert credentials.lookup_access_key(runtime, who.key_id) is None
    assert who.key_id not in runtime.caches.credentials
    with pytest.raises(Unauthenticated):
        credentials.resolve_access_key(runtime, who.key_id)
    with pytest.raises(Unauthenticated):
        credentials.resolve_access_key(runtime, "LTAInope")


def test_an_app_is_found_by_its_key_and_a_disabled_one_is_not(runtime: Runtime) -> None:
    created = factories.provider_app(runtime)
    app = credentials.resolve_app(runtime, created.app.app_key)
    assert app is not None
    assert (app.app_key, app.secret, app.scope) == (created.app.app_key, created.app_secret, f"app:{app.app_id}")
    assert created.app.app_key in runtime.caches.apps
    assert credentials.resolve_app(runtime, "99999999") is None
    with runtime.db.engine.begin() as connection:
        connection.execute(update(ProviderApp).where(ProviderApp.id == app.app_id).values(enabled=False))
    assert credentials.resolve_app(runtime, created.app.app_key) is None
    assert created.app.app_key not in runtime.caches.apps


def test_a_session_is_read_as_stored_revoked_or_not(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    app_key = factories.provider_app(runtime).app.app_key
    session = providers.authorize(runtime, OPERATOR, app_key, who.user_id, lifetime=timedelta(days=1)).session
    app = credentials.resolve_app(runtime, app_key)
    assert app is not None
    grant = credentials.resolve_session(runtime, app.app_id, session)
    assert grant is not None and not grant.revoked
    assert (grant.merchant.account_id, grant.merchant.user_id) == (who.account_id, who.user_id)
    assert grant.scopes == (app.scope, revisions.account_scope(who.account_id))
    assert revisions.current(runtime.db, grant.scopes) == grant.revisions
    with runtime.db.engine.begin() as connection:
        connection.execute(
            update(ProviderSession)
            .where(ProviderSession.session_digest == runtime.box.digest(session))
            .values(revoked=True)
        )
    revoked = credentials.resolve_session(runtime, app.app_id, session)
    assert revoked is not None and revoked.revoked
    assert credentials.resolve_session(runtime, app.app_id, "no-such-session") is None
    assert credentials.resolve_session(runtime, app.app_id + 1, session) is None


@pytest.mark.parametrize("value", ["\x00", "LTAI\x00", "k" * 300])
def test_values_no_credential_could_have_are_unknown_without_asking_the_database(runtime: Runtime, value: str) -> None:
    """NUL (which PostgreSQL refuses to compare) and values longer than the column were never issued."""
    with all_statements(runtime.db) as seen:
        assert credentials.lookup_access_key(runtime, value) is None
        assert credentials.resolve_app(runtime, value) is None
        assert credentials.resolve_session(runtime, 1, value) is None
    assert seen == []
    with pytest.raises(Unauthenticated):
        credentials.resolve_access_key(runtime, value)
