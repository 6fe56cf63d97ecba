"""Migration 0005 seals the TOP session keys a store already holds: afterwards the table holds no key in
plaintext, and the merchant's session still signs its provider app in, through a real signed TOP request."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from fapiao.providers import service as providers
from fapiao.runtime import Runtime
from fapiao.store.db import head_revision
from fapiao.store.tables import utcnow
from fapiao.usecases.actor import OPERATOR
from tests import factories
from tests.integration.provider.support import App, new_app
from tests.support.cli import Cli
from tests.unit.auth.test_top_credentials import INVALID_SESSION, OK, get

PLAINTEXT_SESSION = "6100e23657fb0b2d0c78b9e1e0ac8ae42e9c7b8d2111769"


def _store_at_0004_with_a_plaintext_session(runtime: Runtime) -> tuple[App, str]:
    """A store as release 0004 left it: an app, a routed merchant with an application, and its session
    stored as 0004 stored them (the key itself)."""
    app = new_app(runtime)
    who = factories.customer(runtime)
    providers.route(runtime, OPERATOR, who.user_id, app.app_key)
    apply_id = factories.filed_application(runtime, who, address_id=factories.address(runtime, who).id).apply_id
    runtime.db.downgrade("0004")
    with runtime.db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO provider_sessions (session_key, app_id, account_id, expires_at, revoked, created_at) "
                "VALUES (:key, :app_id, :account_id, :expires_at, false, :now)"
            ),
            {
                "key": PLAINTEXT_SESSION,
                "app_id": app.app_id,
                "account_id": who.account_id,
                "expires_at": runtime.db.raw_datetime(utcnow().replace(year=2099)),
                "now": runtime.db.raw_datetime(utcnow()),
            },
        )
    return app, apply_id


def _stored_sessions(runtime: Runtime) -> list[tuple[str, ...]]:
    with runtime.db.engine.connect() as connection:
        return [tuple(str(v) for v in row) for row in connection.execute(text("SELECT * FROM provider_sessions"))]


def test_fapiao_db_upgrade_seals_a_stored_session_which_still_signs_in(runtime: Runtime, cli: Cli) -> None:
    app, apply_id = _store_at_0004_with_a_plaintext_session(runtime)
    assert any(PLAINTEXT_SESSION in row for row in _stored_sessions(runtime))

    done = cli.run("db", "upgrade")
    assert done.returncode == 0, done.stderr + done.stdout

    assert runtime.db.current_revision() == head_revision()
    stored = _stored_sessions(runtime)
    assert len(stored) == 1 and not any(PLAINTEXT_SESSION in value for value in stored[0])
    assert get(runtime, app, apply_id, PLAINTEXT_SESSION) == OK
    assert get(runtime, app, apply_id, PLAINTEXT_SESSION[:-1]) == INVALID_SESSION


def test_without_the_secret_key_the_upgrade_refuses_to_run(runtime: Runtime) -> None:
    _store_at_0004_with_a_plaintext_session(runtime)
    with pytest.raises(RuntimeError, match="fapiao db upgrade"):
        runtime.db.upgrade()
    runtime.db.upgrade(box=runtime.box)  # the same store, with the key
    assert runtime.db.current_revision() == head_revision()


def test_a_downgrade_gives_the_old_release_its_plaintext_sessions_back(runtime: Runtime) -> None:
    app, apply_id = _store_at_0004_with_a_plaintext_session(runtime)
    runtime.db.upgrade(box=runtime.box)
    runtime.db.downgrade("0004", box=runtime.box)
    assert any(PLAINTEXT_SESSION in row for row in _stored_sessions(runtime))
    runtime.db.upgrade(box=runtime.box)
    assert get(runtime, app, apply_id, PLAINTEXT_SESSION) == OK


def test_new_sessions_are_stored_sealed(runtime: Runtime) -> None:
    app = new_app(runtime)
    who = factories.customer(runtime)
    session = providers.authorize(runtime, OPERATOR, app.app_key, who.user_id).session
    (stored,) = _stored_sessions(runtime)
    assert not any(session in value for value in stored)
