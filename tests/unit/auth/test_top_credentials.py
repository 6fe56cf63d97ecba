"""``/router/rest`` reads apps and sessions from a per-process cache, yet a change made by another process (a
second ``Runtime`` on the same store, or a raw UPDATE) counts from the very next request.

``warm`` is one server process that has already served the provider; ``other`` is a second process."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import Executable, update

from fapiao.auth import service as auth
from fapiao.protocols.access import detached
from fapiao.protocols.top import routes
from fapiao.providers import service as providers
from fapiao.runtime import Runtime
from fapiao.store.tables import ProviderApp, ProviderSession, utcnow
from fapiao.usecases.actor import OPERATOR
from tests.integration.provider.support import GET, App, Merchant, new_app, new_application, new_merchant, signed
from tests.support.statements import statements_matching

FORM = "application/x-www-form-urlencoded"
OK = "ok"


@pytest.fixture
def app(warm: Runtime) -> App:
    return new_app(warm)


@pytest.fixture
def merchant(warm: Runtime, app: App) -> Merchant:
    return new_merchant(warm, app)


@pytest.fixture
def apply_id(warm: Runtime, merchant: Merchant) -> str:
    return new_application(warm, merchant).apply_id


def get(rt: Runtime, app: App, apply_id: str, session: str | None) -> str | tuple[int, str | None]:
    """``invoiceapply.get`` in-process: ``OK`` with the right application, else (code, sub_code)."""
    params = signed(app, GET, apply_id=apply_id, session=session)
    rendered = routes.handle(rt, "POST", b"", FORM, urlencode(params).encode(), exchange=detached(routes.PROTOCOL))
    body: dict[str, Any] = json.loads(rendered.body)
    if "error_response" in body:
        error = body["error_response"]
        return error["code"], error.get("sub_code")
    (answer,) = body.values()
    assert answer["result"]["apply_id"] == apply_id, answer
    return OK


def write(rt: Runtime, statement: Executable) -> None:
    with rt.db.engine.begin() as connection:
        connection.execute(statement)


def of_session(rt: Runtime, session: str) -> Any:
    return update(ProviderSession).where(ProviderSession.session_digest == rt.box.digest(session))


def app_and_session_reads(rt: Runtime) -> AbstractContextManager[list[str]]:
    """The SQL statements of ``rt`` that look an app's secret or a session up while the block runs (the
    handler's own read of the app key for its answer is not one)."""
    return statements_matching(rt.db.engine, r"\bprovider_apps\.secret_sealed\b|\bFROM provider_sessions\b")


INVALID_APP_KEY = (29, "isv.appkey-not-exists")
INVALID_SESSION = (27, "invalid-sessionkey")
SESSION_EXPIRED = (27, "session-expired")
INVALID_SIGNATURE = (25, None)


# --- the cache is used --------------------------------------------------------------------------------------------


def test_a_repeated_get_reads_neither_the_app_nor_the_session_again(
    warm: Runtime, app: App, merchant: Merchant, apply_id: str
) -> None:
    with app_and_session_reads(warm) as cold:
        assert get(warm, app, apply_id, merchant.session) == OK
    with app_and_session_reads(warm) as hot:
        assert get(warm, app, apply_id, merchant.session) == OK
        assert get(warm, app, apply_id, None) == OK
    assert cold  # the app and the session were read ...
    assert hot == []  # ... and then served from this process's cache


def test_a_write_to_another_app_keeps_this_apps_cache(
    warm: Runtime, other: Runtime, app: App, merchant: Merchant, apply_id: str
) -> None:
    assert get(warm, app, apply_id, merchant.session) == OK
    elsewhere = new_app(other)
    new_merchant(other, elsewhere)
    write(other, update(ProviderApp).where(ProviderApp.id == elsewhere.app_id).values(enabled=False))
    with app_and_session_reads(warm) as reads:
        assert get(warm, app, apply_id, merchant.session) == OK
    assert reads == []


# --- apps and sessions changed elsewhere count from the next request ------------------------------------------------


def test_an_app_disabled_in_another_process_is_refused_from_the_next_request(
    warm: Runtime, other: Runtime, app: App, merchant: Merchant, apply_id: str
) -> None:
    assert get(warm, app, apply_id, merchant.session) == OK
    disable = update(ProviderApp).where(ProviderApp.id == app.app_id)
    write(other, disable.values(enabled=False))
    assert get(warm, app, apply_id, merchant.session) == INVALID_APP_KEY
    assert get(warm, app, apply_id, None) == INVALID_APP_KEY
    write(other, disable.values(enabled=True))
    assert get(warm, app, apply_id, merchant.session) == OK


def test_a_session_revoked_in_another_process_is_refused_from_the_next_request(
    warm: Runtime, other: Runtime, app: App, merchant: Merchant, apply_id: str
) -> None:
    assert get(warm, app, apply_id, merchant.session) == OK
    write(other, of_session(other, merchant.session).values(revoked=True))
    assert get(warm, app, apply_id, merchant.session) == INVALID_SESSION
    assert get(warm, app, apply_id, merchant.session) == INVALID_SESSION
    assert get(warm, app, apply_id, None) == OK  # the app itself is still fine


def test_a_session_expired_in_another_process_is_refused_from_the_next_request(
    warm: Runtime, other: Runtime, app: App, merchant: Merchant, apply_id: str
) -> None:
    assert get(warm, app, apply_id, merchant.session) == OK
    write(other, of_session(other, merchant.session).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert get(warm, app, apply_id, merchant.session) == SESSION_EXPIRED


def test_a_cached_session_expires_on_time_without_any_write(
    warm: Runtime, app: App, merchant: Merchant, apply_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    short = providers.authorize(
        warm, OPERATOR, app.app_key, merchant.customer.user_id, lifetime=timedelta(hours=1)
    ).session
    assert get(warm, app, apply_id, short) == OK
    later = utcnow() + timedelta(hours=2)
    monkeypatch.setattr(auth, "utcnow", lambda: later)
    assert get(warm, app, apply_id, short) == SESSION_EXPIRED
    assert get(warm, app, apply_id, merchant.session) == OK


def test_a_session_granted_in_another_process_is_accepted_at_once(
    warm: Runtime, other: Runtime, app: App, merchant: Merchant, apply_id: str
) -> None:
    assert get(warm, app, apply_id, merchant.session) == OK
    assert get(warm, app, apply_id, "not-granted-yet") == INVALID_SESSION
    renamed = {
        "session_digest": other.box.digest("not-granted-yet"),
        "session_sealed": other.box.seal("not-granted-yet"),
    }
    write(other, of_session(other, merchant.session).values(**renamed))
    assert get(warm, app, apply_id, "not-granted-yet") == OK
    assert get(warm, app, apply_id, merchant.session) == INVALID_SESSION
    fresh = providers.authorize(other, OPERATOR, app.app_key, merchant.customer.user_id).session
    assert get(warm, app, apply_id, fresh) == OK


def test_a_secret_rotated_in_another_process_counts_from_the_next_request(
    warm: Runtime, other: Runtime, app: App, merchant: Merchant, apply_id: str
) -> None:
    assert get(warm, app, apply_id, merchant.session) == OK
    rotated = replace(app, secret="rotated-secret-0123456789abcdef")
    sealed = other.box.seal(rotated.secret)
    write(other, update(ProviderApp).where(ProviderApp.id == app.app_id).values(secret_sealed=sealed))
    assert get(warm, rotated, apply_id, merchant.session) == OK  # refused by the cached secret, then re-checked
    assert get(warm, app, apply_id, merchant.session) == INVALID_SIGNATURE


def test_a_session_restored_in_another_process_is_accepted_at_once(
    warm: Runtime, other: Runtime, app: App, merchant: Merchant, apply_id: str
) -> None:
    write(other, of_session(other, merchant.session).values(revoked=True))
    assert get(warm, app, apply_id, merchant.session) == INVALID_SESSION
    write(other, of_session(other, merchant.session).values(revoked=False))
    assert get(warm, app, apply_id, merchant.session) == OK


def test_a_session_extended_in_another_process_is_accepted_at_once(
    warm: Runtime, other: Runtime, app: App, merchant: Merchant, apply_id: str
) -> None:
    write(other, of_session(other, merchant.session).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert get(warm, app, apply_id, merchant.session) == SESSION_EXPIRED
    write(other, of_session(other, merchant.session).values(expires_at=utcnow() + timedelta(days=1)))
    assert get(warm, app, apply_id, merchant.session) == OK


def test_a_wrong_secret_is_refused_by_a_warm_process(
    warm: Runtime, app: App, merchant: Merchant, apply_id: str
) -> None:
    assert get(warm, app, apply_id, merchant.session) == OK
    assert get(warm, replace(app, secret="not-the-secret"), apply_id, merchant.session) == INVALID_SIGNATURE
    assert get(warm, app, apply_id, merchant.session) == OK


def test_an_unknown_app_is_looked_up_once_and_refused(warm: Runtime, app: App, apply_id: str) -> None:
    with statements_matching(warm.db.engine, r"\bFROM provider_apps\b") as lookups:
        assert get(warm, replace(app, app_key="99999999"), apply_id, None) == INVALID_APP_KEY
    assert len(lookups) == 1  # nothing was cached, so the refusal is the database's already
