"""The signed-request protocol with stand-in verify callbacks: what each refusal is, that a warm request runs
only the statement it needs (the nonce claim, or one revision lookup), and that anything a cached entry
refused or held at an older revision is decided again by the database (both databases)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import update

from fapiao.accounts import service as accounts
from fapiao.accounts.commands import SetAccessKeyEnabled
from fapiao.auth import service as auth
from fapiao.auth.credentials import Credential
from fapiao.auth.service import AuthenticatedApp, Refusal, Refused
from fapiao.domain.policies import UNKNOWN_CONTEXT
from fapiao.providers import service as providers
from fapiao.runtime import Runtime
from fapiao.store.tables import AccessKey, ProviderSession, utcnow
from fapiao.usecases.actor import OPERATOR
from tests import factories
from tests.support.statements import statements_matching

WINDOW = timedelta(minutes=30)
ANY = r"."


@dataclass(frozen=True)
class Said:
    """A verdict: whether the stored secret it was given is the one the request was signed with."""

    ok: bool
    secret: str


def expecting(secret: str, calls: list[str] | None = None) -> Callable[[str], Said]:
    def verify(given: str) -> Said:
        if calls is not None:
            calls.append(given)
        return Said(given == secret, given)

    return verify


def rpc(rt: Runtime, key_id: str, secret: str, nonce: str | None = None) -> Credential | Refused[Said]:
    now = utcnow()
    return auth.authenticate_rpc(
        rt, key_id, nonce or secrets.token_hex(8), now, expecting(secret), nonce_window=WINDOW, context=UNKNOWN_CONTEXT
    )


def not_begin(statements: list[str]) -> list[str]:
    return [s for s in statements if not s.startswith("BEGIN")]


# --- RPC ---------------------------------------------------------------------------------------------------------


def test_a_signed_key_is_authenticated_with_its_accounts_current_revision(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    credential = rpc(runtime, who.key_id, who.secret)
    assert isinstance(credential, Credential)
    assert (credential.account_id, credential.actor.key_id) == (who.account_id, who.key_id)


def test_a_warm_request_runs_the_nonce_claim_and_nothing_else(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    assert isinstance(rpc(runtime, who.key_id, who.secret), Credential)
    with statements_matching(runtime.db, ANY) as statements:
        assert isinstance(rpc(runtime, who.key_id, who.secret), Credential)
    claim = not_begin(statements)  # PostgreSQL claims and reads the revision in one statement, SQLite in two
    assert len(claim) == (1 if runtime.db.dialect == "postgresql" else 2)
    assert "INTO used_nonces" in claim[0] and "FROM cache_revisions" in claim[-1]


def test_an_unknown_key_is_looked_up_once_and_never_verified(runtime: Runtime) -> None:
    calls: list[str] = []
    with statements_matching(runtime.db, r"\bFROM access_keys\b") as lookups:
        result = auth.authenticate_rpc(
            runtime, "LTAInope", "n", utcnow(), expecting("x", calls), nonce_window=WINDOW, context=UNKNOWN_CONTEXT
        )
    assert result == Refused(Refusal.UNKNOWN_CREDENTIAL)
    assert (len(lookups), calls) == (1, [])


def test_a_wrong_secret_is_rejected_with_the_verdict_and_claims_no_nonce(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    assert rpc(runtime, who.key_id, "wrong", nonce="n1") == Refused(Refusal.REJECTED, Said(False, who.secret))
    assert isinstance(rpc(runtime, who.key_id, who.secret, nonce="n1"), Credential)  # the nonce is still free


def test_a_replayed_nonce_is_refused(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    assert isinstance(rpc(runtime, who.key_id, who.secret, nonce="n1"), Credential)
    assert rpc(runtime, who.key_id, who.secret, nonce="n1") == Refused(Refusal.NONCE_USED)


def test_a_refusal_by_the_cached_secret_is_decided_again_by_the_database(warm: Runtime, other: Runtime) -> None:
    who = factories.customer(warm)
    assert isinstance(rpc(warm, who.key_id, who.secret), Credential)
    with other.db.engine.begin() as connection:
        sealed = other.box.seal("rotated-secret")
        connection.execute(update(AccessKey).where(AccessKey.key_id == who.key_id).values(secret_sealed=sealed))
    assert isinstance(rpc(warm, who.key_id, "rotated-secret"), Credential)
    assert rpc(warm, who.key_id, who.secret) == Refused(Refusal.REJECTED, Said(False, "rotated-secret"))


def test_a_cached_key_behind_the_accounts_revision_is_read_again(warm: Runtime, other: Runtime) -> None:
    who = factories.customer(warm)
    first = rpc(warm, who.key_id, who.secret)
    assert isinstance(first, Credential)
    factories.approved_title(other, who)  # moves the account's revision, the key itself is unchanged
    again = rpc(warm, who.key_id, who.secret)
    assert isinstance(again, Credential) and again.revision > first.revision
    accounts.set_access_key_enabled(other, OPERATOR, SetAccessKeyEnabled(who.key_id, False))
    assert rpc(warm, who.key_id, who.secret) == Refused(Refusal.UNKNOWN_CREDENTIAL)


# --- TOP ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Provider:
    app_key: str
    secret: str
    session: str
    account_id: int


def provider(rt: Runtime, lifetime: timedelta = timedelta(days=1)) -> Provider:
    who = factories.customer(rt)
    created = factories.provider_app(rt)
    session = providers.authorize(rt, OPERATOR, created.app.app_key, who.user_id, lifetime=lifetime).session
    return Provider(created.app.app_key, created.app_secret, session, who.account_id)


def top(rt: Runtime, p: Provider, session: str | None, secret: str | None = None) -> object:
    return auth.authenticate_top(rt, p.app_key, session, expecting(secret or p.secret))


def test_an_app_with_and_without_a_session_is_authenticated_with_the_accepted_verdict(runtime: Runtime) -> None:
    p = provider(runtime)
    alone = top(runtime, p, None)
    assert isinstance(alone, AuthenticatedApp)
    assert (alone.app.app_key, alone.merchant, alone.verdict) == (p.app_key, None, Said(True, p.secret))
    acting = top(runtime, p, p.session)
    assert isinstance(acting, AuthenticatedApp) and acting.merchant is not None
    assert acting.merchant.account_id == p.account_id


def test_a_warm_request_runs_one_revision_lookup_and_nothing_else(runtime: Runtime) -> None:
    p = provider(runtime)
    top(runtime, p, p.session)
    for session in (p.session, None):
        with statements_matching(runtime.db, ANY) as statements:
            assert isinstance(top(runtime, p, session), AuthenticatedApp)
        [lookup] = statements
        assert lookup.startswith("SELECT scope, revision FROM cache_revisions")


def test_top_refusals(runtime: Runtime) -> None:
    p = provider(runtime)
    unknown = Provider("99999999", p.secret, p.session, p.account_id)
    with statements_matching(runtime.db, r"\bFROM provider_apps\b") as lookups:
        assert top(runtime, unknown, None) == Refused(Refusal.UNKNOWN_CREDENTIAL)
    assert len(lookups) == 1
    assert top(runtime, p, None, "wrong") == Refused(Refusal.REJECTED, Said(False, p.secret))
    assert top(runtime, p, "no-such-session") == Refused(Refusal.UNKNOWN_SESSION)


def test_revoked_and_expired_sessions_are_refused_cached_or_not(warm: Runtime, other: Runtime) -> None:
    p = provider(warm)
    assert isinstance(top(warm, p, p.session), AuthenticatedApp)
    of_session = update(ProviderSession).where(ProviderSession.session_digest == warm.box.digest(p.session))
    with other.db.engine.begin() as connection:
        connection.execute(of_session.values(expires_at=utcnow() - timedelta(seconds=1)))
    assert top(warm, p, p.session) == Refused(Refusal.SESSION_EXPIRED)
    with other.db.engine.begin() as connection:
        connection.execute(of_session.values(revoked=True, expires_at=utcnow() + timedelta(days=1)))
    assert top(warm, p, p.session) == Refused(Refusal.UNKNOWN_SESSION)
    with other.db.engine.begin() as connection:
        connection.execute(of_session.values(revoked=False))
    assert isinstance(top(warm, p, p.session), AuthenticatedApp)


def test_a_cached_session_expires_on_time(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    p = provider(runtime, lifetime=timedelta(hours=1))
    assert isinstance(top(runtime, p, p.session), AuthenticatedApp)
    later = utcnow() + timedelta(hours=2)
    monkeypatch.setattr(auth, "utcnow", lambda: later)
    assert top(runtime, p, p.session) == Refused(Refusal.SESSION_EXPIRED)
    assert isinstance(top(runtime, p, None), AuthenticatedApp)
