"""Migration 0004's triggers: every write to what the signed-request caches hold bumps exactly its scope's
revision (``account:<id>`` / ``app:<id>``), whatever writes it — a service or a raw statement — and writes to
anything else bump nothing. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

import pytest
from sqlalchemy import Executable, delete, func, select, text, update

from fapiao.accounts import service as accounts
from fapiao.accounts.commands import (
    AttachPolicy,
    CreateAccessKey,
    CreateAccount,
    CreateRamUser,
    DetachPolicy,
    SetAccessKeyEnabled,
)
from fapiao.applications import service as applications
from fapiao.applications.commands import FileApplication
from fapiao.providers import service as providers
from fapiao.runtime import Runtime
from fapiao.store.tables import (
    AccessKey,
    Account,
    CacheRevision,
    ProviderApp,
    ProviderSession,
    RamPolicy,
    RamUser,
    Title,
)
from fapiao.titles import service as titles
from fapiao.titles.commands import ChangeTitle, Decision, ReviewTitle
from fapiao.usecases.actor import OPERATOR
from tests import factories

POLICY = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["bss:*"], "Resource": "*"}]}
READ_ONLY = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["bss:Query*"], "Resource": "*"}]}


def _revisions(rt: Runtime) -> dict[str, int]:
    with rt.db.engine.connect() as connection:
        return {row.scope: row.revision for row in connection.execute(select(CacheRevision))}


class Bumps:
    """The scopes whose revision went up inside a ``bumped`` block (filled when the block ends)."""

    scopes: frozenset[str] = frozenset()


@contextmanager
def bumped(rt: Runtime) -> Iterator[Bumps]:
    before = _revisions(rt)
    found = Bumps()
    yield found
    after = _revisions(rt)
    assert all(after.get(scope, 0) >= revision for scope, revision in before.items()), "a revision went down"
    found.scopes = frozenset(scope for scope, revision in after.items() if revision > before.get(scope, 0))


def account(who: factories.Customer) -> str:
    return f"account:{who.account_id}"


def app(app_id: int) -> str:
    return f"app:{app_id}"


def _execute(rt: Runtime, statement: Executable) -> None:
    with rt.db.engine.begin() as connection:
        connection.execute(statement)


def _app_id(rt: Runtime, app_key: str) -> int:
    with rt.db.engine.connect() as connection:
        app_id: int = connection.execute(select(ProviderApp.id).where(ProviderApp.app_key == app_key)).scalar_one()
    return app_id


def test_creating_an_account_bumps_nothing(runtime: Runtime) -> None:
    with bumped(runtime) as bumps:
        accounts.create_account(runtime, OPERATOR, CreateAccount("newcomer"))
    assert bumps.scopes == frozenset()


def test_access_key_writes_bump_only_the_keys_account(runtime: Runtime) -> None:
    alice, bob = factories.customer(runtime), factories.customer(runtime)
    with bumped(runtime) as created:
        key = accounts.create_access_key(runtime, OPERATOR, CreateAccessKey(alice.user_id))
    with bumped(runtime) as disabled:
        accounts.set_access_key_enabled(runtime, OPERATOR, SetAccessKeyEnabled(key.key.key_id, False))
    with bumped(runtime) as deleted:
        _execute(runtime, delete(AccessKey).where(AccessKey.key_id == key.key.key_id))
    assert created.scopes == disabled.scopes == deleted.scopes == {account(alice)}
    assert account(bob) not in created.scopes


def test_title_writes_bump_only_the_titles_account(runtime: Runtime) -> None:
    alice, bob = factories.customer(runtime), factories.customer(runtime)
    with bumped(runtime) as created:
        title = titles.create_title(runtime, OPERATOR, alice.user_id, factories.title_data())
    with bumped(runtime) as edited:
        titles.update_title(runtime, OPERATOR, ChangeTitle(title.id, invoice_title="改名科技有限公司"))
    with bumped(runtime) as approved:
        titles.review_title(runtime, OPERATOR, ReviewTitle(title.id, Decision.APPROVE))
    with bumped(runtime) as deleted:
        _execute(runtime, delete(Title).where(Title.id == title.id))
    assert created.scopes == edited.scopes == approved.scopes == deleted.scopes == {account(alice)}
    assert account(bob) not in created.scopes


def test_a_raw_update_of_many_titles_bumps_every_account_it_touches(runtime: Runtime) -> None:
    alice, bob, carol = (factories.customer(runtime) for _ in range(3))
    factories.approved_title(runtime, alice)
    factories.approved_title(runtime, bob)
    with bumped(runtime) as bumps:
        _execute(runtime, update(Title).values(default_remark="统一备注"))
    assert bumps.scopes == {account(alice), account(bob)}
    assert account(carol) not in bumps.scopes


def test_moving_a_title_to_another_account_bumps_both_accounts(runtime: Runtime) -> None:
    alice, bob = factories.customer(runtime), factories.customer(runtime)
    title = factories.approved_title(runtime, alice)
    with bumped(runtime) as bumps:
        _execute(runtime, update(Title).where(Title.id == title.id).values(account_id=bob.account_id))
    assert bumps.scopes == {account(alice), account(bob)}


def test_ram_user_and_policy_writes_bump_the_users_account(runtime: Runtime) -> None:
    alice, bob = factories.customer(runtime), factories.customer(runtime)
    with bumped(runtime) as created:
        accounts.create_ram_user(runtime, OPERATOR, CreateRamUser(alice.user_id, "bot"))
    with bumped(runtime) as attached:
        accounts.attach_policy(runtime, OPERATOR, AttachPolicy(alice.user_id, "bot", "p", json.dumps(POLICY)))
    with bumped(runtime) as replaced:
        accounts.attach_policy(runtime, OPERATOR, AttachPolicy(alice.user_id, "bot", "p", json.dumps(READ_ONLY)))
    with bumped(runtime) as raw:
        _execute(runtime, update(RamPolicy).values(document=POLICY))
    with bumped(runtime) as detached:
        accounts.detach_policy(runtime, OPERATOR, DetachPolicy(alice.user_id, "bot", "p"))
    assert created.scopes == attached.scopes == replaced.scopes == raw.scopes == detached.scopes == {account(alice)}
    assert account(bob) not in created.scopes | attached.scopes | detached.scopes


def test_deleting_a_ram_user_cascades_to_its_policies_and_keys_and_bumps_its_account(runtime: Runtime) -> None:
    alice = factories.customer(runtime)
    accounts.create_ram_user(runtime, OPERATOR, CreateRamUser(alice.user_id, "bot"))
    accounts.attach_policy(runtime, OPERATOR, AttachPolicy(alice.user_id, "bot", "p", json.dumps(POLICY)))
    accounts.attach_policy(runtime, OPERATOR, AttachPolicy(alice.user_id, "bot", "q", json.dumps(POLICY)))
    key = accounts.create_access_key(runtime, OPERATOR, CreateAccessKey(alice.user_id, "bot"))
    with bumped(runtime) as bumps:
        _execute(runtime, delete(RamUser).where(RamUser.name == "bot"))
    assert bumps.scopes == {account(alice)}
    with runtime.db.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(RamPolicy)).scalar() == 0
        assert connection.execute(select(AccessKey).where(AccessKey.key_id == key.key.key_id)).first() is None


def test_account_updates_and_deletes_bump_the_account(runtime: Runtime) -> None:
    alice, bob = factories.customer(runtime), factories.customer(runtime)
    factories.approved_title(runtime, alice)
    with bumped(runtime) as renamed:
        _execute(runtime, update(Account).where(Account.id == alice.account_id).values(user_nick="renamed"))
    with bumped(runtime) as disabled:
        _execute(runtime, update(Account).where(Account.id == alice.account_id).values(enabled=False))
    with bumped(runtime) as deleted:  # cascades to the account's key and title
        _execute(runtime, delete(Account).where(Account.id == alice.account_id))
    assert renamed.scopes == disabled.scopes == deleted.scopes == {account(alice)}
    assert account(bob) not in deleted.scopes


def test_provider_app_and_session_writes_bump_only_that_app(runtime: Runtime) -> None:
    merchant = factories.customer(runtime)
    first = factories.provider_app(runtime, "甲").app.app_key
    second = factories.provider_app(runtime, "乙", default=False).app.app_key
    first_id, second_id = _app_id(runtime, first), _app_id(runtime, second)
    with bumped(runtime) as authorised:
        session = providers.authorize(runtime, OPERATOR, first, merchant.user_id).session
    with bumped(runtime) as revoked:
        _execute(
            runtime,
            update(ProviderSession)
            .where(ProviderSession.session_digest == runtime.box.digest(session))
            .values(revoked=True),
        )
    with bumped(runtime) as session_deleted:
        _execute(runtime, delete(ProviderSession).where(ProviderSession.session_digest == runtime.box.digest(session)))
    with bumped(runtime) as app_disabled:
        _execute(runtime, update(ProviderApp).where(ProviderApp.id == first_id).values(enabled=False))
    assert authorised.scopes == revoked.scopes == session_deleted.scopes == app_disabled.scopes == {app(first_id)}
    assert app(second_id) not in authorised.scopes
    with bumped(runtime) as app_deleted:  # cascades to the app's sessions
        providers.authorize(runtime, OPERATOR, second, merchant.user_id)
        _execute(runtime, delete(ProviderApp).where(ProviderApp.id == second_id))
    assert app_deleted.scopes == {app(second_id)}


def test_registering_a_non_default_app_bumps_nothing(runtime: Runtime) -> None:
    with bumped(runtime) as bumps:
        factories.provider_app(runtime, "丙", default=False)
    assert bumps.scopes == frozenset()


Write = Callable[[Runtime, factories.Customer], object]


def _address(rt: Runtime, who: factories.Customer) -> object:
    return factories.address(rt, who)


def _item(rt: Runtime, who: factories.Customer) -> object:
    return factories.item(rt, who)


def _nonce(rt: Runtime, who: factories.Customer) -> object:
    return rt.db.nonces.claim(who.key_id, "nonce-1", datetime(2026, 11, 21, 12, 0))


@pytest.mark.parametrize("write", [_address, _item, _nonce])
def test_writes_to_unwatched_tables_bump_nothing(runtime: Runtime, write: Write) -> None:
    who = factories.customer(runtime)
    with bumped(runtime) as bumps:
        write(runtime, who)
    assert bumps.scopes == frozenset()


def test_routing_filing_and_progressing_an_application_bump_nothing(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    app_key = factories.provider_app(runtime).app.app_key
    title = factories.approved_title(runtime, who)
    billed = factories.item(runtime, who)
    address = factories.address(runtime, who)
    request = FileApplication(title_id=title.id, item_ids=(billed.id,), address_id=address.id)
    with bumped(runtime) as bumps:
        providers.route(runtime, OPERATOR, who.user_id, app_key)
        filed = applications.file_application(runtime, OPERATOR, who.user_id, request)
        _execute(runtime, text("UPDATE applications SET version = version + 1"))
    assert filed.apply_id
    assert bumps.scopes == frozenset()
