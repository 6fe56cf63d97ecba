"""The signed-request protocol, once for both signed gateways: credential cache → signature → (nonce claim)
→ revision re-check.

A gateway passes the identifiers it parsed and a ``verify(secret)`` callback (its own signature scheme and
whatever else it checks with the secret); it gets back the authenticated context, or a ``Refused`` that it
answers with its own error. Credentials come from this process's cache when it has them; a cached entry
read at an older revision than the store's, or any refusal decided by a cached entry, is decided again from
the database, so a disabled key, a changed policy, a revoked session or a rotated secret counts from the
very next request, in every process. An unknown key or app is looked up once: what the database refused
is final.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Generic, Protocol, TypeVar

from fapiao.auth.credentials import (
    AppCredential,
    Credential,
    MerchantSession,
    SessionGrant,
    lookup_access_key,
    resolve_app,
    resolve_session,
)
from fapiao.domain.policies import RequestContext
from fapiao.runtime import Runtime
from fapiao.store import revisions
from fapiao.store.tables import utcnow


class Verdict(Protocol):
    """What a gateway's ``verify`` callback answers; anything it wants back (the string it signed, the
    parameters it parsed) rides along in the verdict."""

    @property
    def ok(self) -> bool: ...


V = TypeVar("V", bound=Verdict)


class Refusal(Enum):
    UNKNOWN_CREDENTIAL = "unknown-credential"  # no such key or app, or it (or its account) is disabled
    REJECTED = "rejected"  # ``verify`` said no; its verdict says why
    NONCE_USED = "nonce-used"  # a replay within the nonce window
    UNKNOWN_SESSION = "unknown-session"  # no such session for the app, or it was revoked
    SESSION_EXPIRED = "session-expired"


@dataclass(frozen=True, slots=True)
class Refused(Generic[V]):
    refusal: Refusal
    verdict: V | None = None  # for ``REJECTED``


@dataclass(frozen=True, slots=True)
class AuthenticatedApp(Generic[V]):
    """A TOP request's provider app, the merchant its session acts for (``None`` without a session), and the
    verdict ``verify`` accepted it with."""

    app: AppCredential
    merchant: MerchantSession | None
    verdict: V


# --- RPC: access key, signature, nonce ---------------------------------------------------------------------------


def authenticate_rpc(
    rt: Runtime,
    key_id: str,
    nonce: str,
    now: datetime,
    verify: Callable[[str], V],
    *,
    nonce_window: timedelta,
    context: RequestContext,
) -> Credential | Refused[V]:
    """The key's credential once its signature holds and the nonce was not used within ``nonce_window``
    (claimed only then, so strangers cannot burn nonces). ``now`` is naive UTC.

    The claim reads the account's current revision in the same statement; the credential returned carries
    it, so what the request reads through it (``titles.account_titles``) is at least as new as its check.
    It acts ``within`` the request's ``context`` (client address, transport, time), which RAM policy
    conditions read when the gateway authorises the action.
    """
    entry = rt.caches.credentials.get(key_id)
    if entry is not None and verify(entry.value.secret).ok:
        credential = entry.value
    else:  # not cached, or refused by what was cached: the database decides
        checked = _checked_key(rt, key_id, verify)
        if isinstance(checked, Refused):
            return checked
        credential = checked
    claimed, revision = rt.db.nonces.claim(key_id, nonce, now, nonce_window, credential.scope)
    if not claimed:
        return Refused(Refusal.NONCE_USED)
    if revision != credential.revision:
        checked = _checked_key(rt, key_id, verify)
        return checked if isinstance(checked, Refused) else checked.within(context)
    return credential.within(context)


def _checked_key(rt: Runtime, key_id: str, verify: Callable[[str], V]) -> Credential | Refused[V]:
    credential = lookup_access_key(rt, key_id)
    if credential is None:
        return Refused(Refusal.UNKNOWN_CREDENTIAL)
    verdict = verify(credential.secret)
    return credential if verdict.ok else Refused(Refusal.REJECTED, verdict)


# --- TOP: app key, signature, session ----------------------------------------------------------------------------


def authenticate_top(
    rt: Runtime, app_key: str, session: str | None, verify: Callable[[str], V]
) -> AuthenticatedApp[V] | Refused[V]:
    """The app once ``verify`` accepts the request with its secret, and the merchant of ``session`` if one
    was sent (a revoked or unknown session is refused, and so is an expired one, cached or not).

    Cached app and session are checked against their scopes' current revisions (one primary-key lookup).
    """
    entry = rt.caches.apps.get(app_key)
    if entry is None:
        return _top_from_database(rt, app_key, session, verify)
    app = entry.value
    verdict = verify(app.secret)
    if not verdict.ok:
        return _top_from_database(rt, app_key, session, verify)
    if session is None:
        if revisions.current(rt.db, (app.scope,)) != (app.revision,):
            return _top_from_database(rt, app_key, session, verify)
        return AuthenticatedApp(app, None, verdict)
    cached = rt.caches.sessions.get((app.app_id, session))
    grant = cached.value if cached is not None else resolve_session(rt, app.app_id, session)
    if grant is None or _standing(grant) is not None:
        return _top_from_database(rt, app_key, session, verify)
    held = grant.revisions
    if held[0] != app.revision or revisions.current(rt.db, grant.scopes) != held:
        return _top_from_database(rt, app_key, session, verify)
    return AuthenticatedApp(app, grant.merchant, verdict)


def _top_from_database(
    rt: Runtime, app_key: str, session: str | None, verify: Callable[[str], V]
) -> AuthenticatedApp[V] | Refused[V]:
    app = resolve_app(rt, app_key)
    if app is None:
        return Refused(Refusal.UNKNOWN_CREDENTIAL)
    verdict = verify(app.secret)
    if not verdict.ok:
        return Refused(Refusal.REJECTED, verdict)
    if session is None:
        return AuthenticatedApp(app, None, verdict)
    grant = resolve_session(rt, app.app_id, session)
    if grant is None:
        return Refused(Refusal.UNKNOWN_SESSION)
    refusal = _standing(grant)
    if refusal is not None:
        return Refused(refusal)
    return AuthenticatedApp(app, grant.merchant, verdict)


def _standing(grant: SessionGrant) -> Refusal | None:
    """Why a stored session may not act now, if it may not."""
    if grant.revoked:
        return Refusal.UNKNOWN_SESSION
    if grant.expires_at is not None and grant.expires_at < utcnow():
        return Refusal.SESSION_EXPIRED
    return None
