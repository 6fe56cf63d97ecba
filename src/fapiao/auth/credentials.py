"""What a signed request is checked against: an access key's credential (RPC, REST), a provider app's
credential and a merchant's session (TOP), as the database holds them now.

Each lookup reads its scopes' cache revisions in the same statement as the data, refreshes this process's
cache with what it read and drops the entry of what it did not find: unknown or disabled keys and apps are
never cached. Deciding whether a cached entry may answer is ``auth.service``'s job.

A name no store can hold (``spec.storable``: a NUL, which PostgreSQL refuses in a statement) names nothing:
it is not looked up, so unauthenticated callers cannot turn it into a database error.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import bindparam, select
from sqlalchemy.orm import InstrumentedAttribute

from fapiao.domain.errors import Unauthenticated, ValidationFailed
from fapiao.domain.policies import Effect, Policy, RequestContext, Statement, parse_policy
from fapiao.providers.commands import SESSION_KEY_LENGTH
from fapiao.runtime import Runtime
from fapiao.store import revisions
from fapiao.store.tables import AccessKey, Account, ProviderApp, ProviderSession, RamPolicy, RamUser
from fapiao.usecases.actor import Actor, ActorKind
from fapiao.usecases.spec import storable

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Credential:
    """What a gateway needs to check a signed request: the secret and who signs with it."""

    actor: Actor
    secret: str
    user_id: int
    user_nick: str
    account_id: int
    revision: int  # of the account's cache scope when this was read; once authenticated, current for the request

    @property
    def scope(self) -> str:
        return revisions.account_scope(self.account_id)

    def within(self, context: RequestContext) -> Credential:
        """This credential acting in one request: its policies' conditions read ``context``. The cached
        credential stays context-free; the copy lives as long as the request, and is made only where a
        condition will read it (root keys and unconditional policies, the hot path, cost nothing)."""
        if not any(policy.conditional for policy in self.actor.policies):
            return self
        return dataclasses.replace(self, actor=dataclasses.replace(self.actor, context=context))


@dataclass(frozen=True)
class AppCredential:
    app_id: int
    app_key: str
    secret: str
    revision: int = 0  # of the app's cache scope when this was read

    @property
    def scope(self) -> str:
        return revisions.app_scope(self.app_id)


@dataclass(frozen=True)
class MerchantSession:
    app_id: int
    account_id: int
    user_id: int
    user_nick: str


@dataclass(frozen=True)
class SessionGrant:
    """A session as stored, revoked or expired ones included, with the revisions of its app's and account's
    scopes (in that order) when it was read."""

    merchant: MerchantSession
    revoked: bool
    expires_at: datetime | None
    revisions: revisions.Revisions

    @property
    def scopes(self) -> tuple[str, str]:
        return revisions.app_scope(self.merchant.app_id), revisions.account_scope(self.merchant.account_id)


def resolve_access_key(rt: Runtime, key_id: str) -> Credential:
    """``lookup_access_key``, refusing unknown and disabled keys (and accounts) alike."""
    credential = lookup_access_key(rt, key_id)
    if credential is None:
        raise Unauthenticated("the access key does not exist or is disabled", field="key_id")
    return credential


def lookup_access_key(rt: Runtime, key_id: str) -> Credential | None:
    """An enabled key of an enabled account: two Core statements (the second only for RAM keys)."""
    if not issuable(key_id, AccessKey.key_id):
        return None
    with rt.db.engine.connect() as connection:
        row = connection.execute(_KEY_LOOKUP, {"key_id": key_id}).first()
        if row is None or not row.key_enabled or not row.account_enabled:
            rt.caches.credentials.discard(key_id)
            return None
        if row.ram_user_id is None:
            actor = Actor(ActorKind.ACCOUNT, str(row.user_id), row.account_id, key_id=key_id, user_id=row.user_id)
        else:
            documents = connection.execute(_POLICY_LOOKUP, {"ram_user_id": row.ram_user_id}).scalars()
            policies = tuple(_parsed_policy(json.dumps(d, sort_keys=True)) for d in documents)
            name = f"{row.user_id}/{row.ram_name}"
            actor = Actor(ActorKind.RAM_USER, name, row.account_id, row.ram_user_id, key_id, policies, row.user_id)
    credential = Credential(
        actor, rt.box.open(row.secret_sealed), row.user_id, row.user_nick, row.account_id, row.revision
    )
    rt.caches.credentials.put(key_id, credential, (row.revision,))
    return credential


def resolve_app(rt: Runtime, app_key: str) -> AppCredential | None:
    """The enabled app a TOP request (or the operator, for it) names."""
    if not issuable(app_key, ProviderApp.app_key):
        return None
    with rt.db.engine.connect() as connection:
        row = connection.execute(_APP_LOOKUP, {"app_key": app_key}).first()
    if row is None or not row.enabled:
        rt.caches.apps.discard(app_key)
        return None
    credential = AppCredential(row.id, app_key, rt.box.open(row.secret_sealed), row.revision)
    rt.caches.apps.put(app_key, credential, (row.revision,))
    return credential


def resolve_session(rt: Runtime, app_id: int, session_key: str) -> SessionGrant | None:
    """The app's session of that key as stored (revoked and expired ones too: refusing them, and why, is
    ``auth.service``'s decision, on every request)."""
    if not issuable(session_key, max_length=SESSION_KEY_LENGTH):
        return None
    with rt.db.engine.connect() as connection:
        # Sessions are stored sealed, found by their keyed digest: under any key, during a key rotation.
        digests = list(rt.box.digests(session_key))
        row = connection.execute(_SESSION_LOOKUP, {"session_digests": digests, "app_id": app_id}).first()
    if row is None:
        rt.caches.sessions.discard((app_id, session_key))
        return None
    merchant = MerchantSession(app_id, row.account_id, row.user_id, row.user_nick)
    grant = SessionGrant(merchant, row.revoked, row.expires_at, (row.app_revision, row.account_revision))
    rt.caches.sessions.put((app_id, session_key), grant, grant.revisions)
    return grant


def issuable(value: str, column: InstrumentedAttribute[str] | None = None, *, max_length: int | None = None) -> bool:
    """Whether ``value`` could have been issued as a credential stored in ``column`` (or a secret of at most
    ``max_length`` characters, for one stored only sealed). One that could not is unknown without asking the
    database, and values the database would refuse to compare (NUL on PostgreSQL) never reach it from an
    unauthenticated request."""
    length = getattr(column.type, "length", None) if column is not None else max_length
    return storable(value) and (length is None or len(value) <= length)


# What a stored document that no longer parses (attached before a rule it breaks, or written by SQL) grants:
# nothing. Refusing every action fails closed where ignoring the part not understood could fail open.
_UNUSABLE = Policy((Statement(Effect.DENY, ("*",)),))


@functools.lru_cache(maxsize=1024)
def _parsed_policy(document: str) -> Policy:
    """Parsed once per process and document: requests only evaluate."""
    try:
        return parse_policy(document)
    except ValidationFailed as exc:
        log.warning("ram_policy.unusable", reason=exc.message)
        return _UNUSABLE


# Each lookup reads its scopes' revisions in the same statement, so what it returns is at least that new
# (and the policies read next are at least as new as the key).
_ACCOUNT_REVISION = revisions.revision_of(revisions.scope_of(revisions.ACCOUNT_PREFIX, Account.id))
_KEY_LOOKUP = (
    select(
        AccessKey.enabled.label("key_enabled"),
        AccessKey.secret_sealed,
        AccessKey.ram_user_id,
        Account.id.label("account_id"),
        Account.user_id,
        Account.user_nick,
        Account.enabled.label("account_enabled"),
        RamUser.name.label("ram_name"),
        _ACCOUNT_REVISION.label("revision"),
    )
    .join(Account, Account.id == AccessKey.account_id)
    .outerjoin(RamUser, RamUser.id == AccessKey.ram_user_id)
    .where(AccessKey.key_id == bindparam("key_id"))
)
_POLICY_LOOKUP = select(RamPolicy.document).where(RamPolicy.ram_user_id == bindparam("ram_user_id"))
_APP_LOOKUP = select(
    ProviderApp.id,
    ProviderApp.enabled,
    ProviderApp.secret_sealed,
    revisions.revision_of(revisions.scope_of(revisions.APP_PREFIX, ProviderApp.id)).label("revision"),
).where(ProviderApp.app_key == bindparam("app_key"))
_SESSION_LOOKUP = (
    select(
        ProviderSession.revoked,
        ProviderSession.expires_at,
        Account.id.label("account_id"),
        Account.user_id,
        Account.user_nick,
        revisions.revision_of(revisions.scope_of(revisions.APP_PREFIX, ProviderSession.app_id)).label("app_revision"),
        _ACCOUNT_REVISION.label("account_revision"),
    )
    .join(Account, Account.id == ProviderSession.account_id)
    .where(
        ProviderSession.session_digest.in_(bindparam("session_digests", expanding=True)),
        ProviderSession.app_id == bindparam("app_id"),
    )
)
