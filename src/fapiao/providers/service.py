"""Invoice service provider apps, merchants' authorisations of them (sessions), and routing."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Row, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fapiao.accounts.service import load_account
from fapiao.audit import service as audit
from fapiao.crypto import random_token
from fapiao.domain.errors import Conflict, NotFound, Reason, ValidationFailed
from fapiao.runtime import Runtime
from fapiao.store.tables import ProviderApp, ProviderSession, RoutingRule, utcnow
from fapiao.usecases.actor import Actor

SESSION_LIFETIME = timedelta(days=365)


@dataclass(frozen=True)
class ProviderAppView:
    id: int
    app_key: str
    name: str
    is_default: bool
    enabled: bool
    created_at: datetime


@dataclass(frozen=True)
class NewProviderApp:
    """An app as created: the only time its secret is shown."""

    app: ProviderAppView
    app_secret: str


@dataclass(frozen=True)
class SessionView:
    session: str
    app_key: str
    user_id: int
    user_nick: str
    expires_at: datetime | None


def create_app(
    rt: Runtime,
    actor: Actor,
    name: str,
    *,
    default: bool = False,
    app_key: str | None = None,
    app_secret: str | None = None,
) -> NewProviderApp:
    """Register a provider app. ``app_key``/``app_secret`` are for fixed demo apps only."""
    if not name.strip():
        raise ValidationFailed("name is required", field="name")
    key = app_key or str(10_000_000 + secrets.randbelow(89_999_999))  # 8 digits, like TOP app keys
    secret = app_secret or random_token(32, string.ascii_lowercase + string.digits)
    try:
        with rt.db.transaction() as session:
            if default:
                session.execute(update(ProviderApp).values(is_default=False))
            row = ProviderApp(app_key=key, secret_sealed=rt.box.seal(secret), name=name.strip(), is_default=default)
            session.add(row)
            session.flush()
            view = _view(row)
            audit.record(
                session,
                actor,
                "provider_app.create",
                "provider_app",
                key,
                account_id=None,
                after={"app_key": key, "name": row.name, "is_default": default},
            )
    except IntegrityError:
        raise Conflict(f"app key {key} exists", field="app_key") from None
    return NewProviderApp(view, secret)


def list_apps(rt: Runtime, actor: Actor) -> list[ProviderAppView]:
    with rt.db.transaction() as session:
        return [_view(r) for r in session.scalars(select(ProviderApp).order_by(ProviderApp.id))]


def set_default(rt: Runtime, actor: Actor, app_key: str) -> ProviderAppView:
    with rt.db.transaction() as session:
        row = load_app(session, app_key)
        session.execute(update(ProviderApp).values(is_default=False))
        row.is_default = True
        audit.record(
            session, actor, "provider_app.default", "provider_app", app_key, account_id=None, after={"is_default": True}
        )
        return _view(row)


def authorize(
    rt: Runtime,
    actor: Actor,
    app_key: str,
    user_id: int,
    *,
    session_key: str | None = None,
    lifetime: timedelta = SESSION_LIFETIME,
) -> SessionView:
    """A merchant (account) authorises an app; the session lets the app act for that merchant only."""
    key = session_key or random_token(48, string.ascii_lowercase + string.digits)
    with rt.db.transaction() as session:
        app = load_app(session, app_key)
        account = load_account(session, user_id)
        actor.require_account(account.id)
        row = ProviderSession(session_key=key, app_id=app.id, account_id=account.id, expires_at=utcnow() + lifetime)
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            "provider_session.create",
            "provider_app",
            app_key,
            account_id=account.id,
            after={"app_key": app_key, "user_id": user_id},
        )
        return SessionView(key, app_key, account.user_id, account.user_nick, row.expires_at)


def route(rt: Runtime, actor: Actor, user_id: int, app_key: str | None) -> dict[str, object]:
    """Send an account's applications to ``app_key`` (``None``: back to the default app)."""
    with rt.db.transaction() as session:
        account = load_account(session, user_id)
        existing = session.get(RoutingRule, account.id)
        before = {"app_id": existing.app_id} if existing else None
        if existing is not None:
            session.delete(existing)
            session.flush()
        if app_key is not None:
            session.add(RoutingRule(account_id=account.id, app_id=load_app(session, app_key).id))
        audit.record(
            session,
            actor,
            "routing.set",
            "account",
            user_id,
            account_id=account.id,
            before=before,
            after={"app_key": app_key},
        )
    return {"user_id": user_id, "app_key": app_key}


def routed_app(session: Session, account_id: int) -> ProviderApp:
    """The app an account's new application goes to: its rule, else the default app."""
    rule = session.get(RoutingRule, account_id)
    if rule is not None:
        app = session.get_one(ProviderApp, rule.app_id)
        if app.enabled:
            return app
    default = session.scalars(select(ProviderApp).where(ProviderApp.is_default, ProviderApp.enabled)).first()
    if default is None:
        raise Conflict(
            "no invoice service provider is configured to receive applications",
            field="provider",
            reason=Reason.UNAVAILABLE,
        )
    return default


def routed_app_row(connection: Connection, account_id: int) -> Row[int, str]:
    """``routed_app`` for Core callers: the app's ``id`` and ``app_key``, in one statement when routed."""
    routed = connection.execute(_ROUTED_APP, {"account_id": account_id}).first()
    if routed is not None:
        return routed
    default = connection.execute(_DEFAULT_APP).first()
    if default is None:
        raise Conflict(
            "no invoice service provider is configured to receive applications",
            field="provider",
            reason=Reason.UNAVAILABLE,
        )
    return default


_ROUTED_APP = (
    select(ProviderApp.id, ProviderApp.app_key)
    .join(RoutingRule, RoutingRule.app_id == ProviderApp.id)
    .where(RoutingRule.account_id == bindparam("account_id"), ProviderApp.enabled)
)
_DEFAULT_APP = select(ProviderApp.id, ProviderApp.app_key).where(ProviderApp.is_default, ProviderApp.enabled).limit(1)


def load_app(session: Session, app_key: str) -> ProviderApp:
    row = session.scalars(select(ProviderApp).where(ProviderApp.app_key == app_key)).first()
    if row is None:
        raise NotFound(f"provider app {app_key} does not exist", field="app_key")
    return row


def _view(row: ProviderApp) -> ProviderAppView:
    return ProviderAppView(row.id, row.app_key, row.name, row.is_default, row.enabled, row.created_at)
