"""Invoice service provider apps, merchants' authorisations of them (sessions), and routing: one function
per use case, each one transaction of Core statements (``queries``). Registering apps, choosing the default
and routing accounts are an operator's: other actors are refused."""

from __future__ import annotations

import secrets
import string
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Row, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fapiao.audit import service as audit
from fapiao.crypto import random_token
from fapiao.domain.errors import Conflict, NotFound, PermissionDenied, Reason
from fapiao.providers import queries
from fapiao.providers.commands import AuthorizeApp, CreateProviderApp, RouteAccount
from fapiao.providers.views import NewProviderApp, ProviderAppView, RouteView, SessionView, app_view
from fapiao.runtime import Runtime
from fapiao.store.tables import ProviderApp, utcnow
from fapiao.usecases import spec
from fapiao.usecases.actor import Actor, ActorKind

__all__ = ["NewProviderApp", "ProviderAppView", "RouteView", "SessionView"]

SESSION_LIFETIME = timedelta(days=365)
_OPERATORS = (ActorKind.OPERATOR, ActorKind.SYSTEM)


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
    command = CreateProviderApp(name.strip(), default, app_key, app_secret)
    _require_operator(actor)
    spec.check(command)
    key = command.app_key or str(10_000_000 + secrets.randbelow(89_999_999))  # 8 digits, like TOP app keys
    secret = command.app_secret or random_token(32, string.ascii_lowercase + string.digits)
    values = {"app_key": key, "secret_sealed": rt.box.seal(secret), "name": command.name, "is_default": default}
    try:
        with rt.db.begin() as connection:
            if default:
                connection.execute(queries.CLEAR_DEFAULT)
            view = app_view(connection.execute(queries.INSERT_APP, values).one()._mapping)
            after = {"app_key": key, "name": command.name, "is_default": default}
            audit.record(connection, actor, "provider_app.create", "provider_app", key, account_id=None, after=after)
    except IntegrityError:
        raise Conflict(f"app key {key} exists", field="app_key") from None
    return NewProviderApp(view, secret)


def list_apps(rt: Runtime, actor: Actor) -> list[ProviderAppView]:
    """Every app (without secrets); operators only."""
    _require_operator(actor)
    with rt.db.reads() as connection:
        return [app_view(row._mapping) for row in connection.execute(queries.ALL_APPS)]


def set_default(rt: Runtime, actor: Actor, app_key: str) -> ProviderAppView:
    """Make an app the receiver of the applications of accounts without a routing rule."""
    _require_operator(actor)
    with rt.db.begin() as connection:
        app = _app(connection, app_key)
        connection.execute(queries.CLEAR_DEFAULT)
        view = app_view(connection.execute(queries.MAKE_DEFAULT, {"app_id": app.id}).one()._mapping)
        audit.record(
            connection,
            actor,
            "provider_app.default",
            "provider_app",
            app_key,
            account_id=None,
            after={"is_default": True},
        )
        return view


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
    command = AuthorizeApp(app_key, user_id, session_key)
    spec.check(command)
    key = command.session_key or random_token(48, string.ascii_lowercase + string.digits)
    with rt.db.begin() as connection:
        app = _app(connection, app_key)
        account = _account(connection, user_id, actor)
        expires_at = utcnow() + lifetime
        sealed = {"session_digest": rt.box.digest(key), "session_sealed": rt.box.seal(key)}
        row = {**sealed, "app_id": app.id, "account_id": account.id, "expires_at": expires_at}
        connection.execute(queries.INSERT_SESSION, row)
        audit.record(
            connection,
            actor,
            "provider_session.create",
            "provider_app",
            app_key,
            account_id=account.id,
            after={"app_key": app_key, "user_id": user_id},
        )
        return SessionView(key, app_key, account.user_id, account.user_nick, expires_at)


def route(rt: Runtime, actor: Actor, user_id: int, app_key: str | None) -> RouteView:
    """Send an account's new applications to ``app_key`` (``None``: back to the default app)."""
    command = RouteAccount(user_id, app_key)
    _require_operator(actor)
    spec.check(command)
    with rt.db.begin() as connection:
        account = _account(connection, user_id)
        existing = connection.execute(queries.RULE_OF, {"account_id": account.id}).first()
        target = _app(connection, app_key).id if app_key is not None else None
        connection.execute(queries.DELETE_RULE, {"account_id": account.id})
        if target is not None:
            connection.execute(queries.INSERT_RULE, {"account_id": account.id, "app_id": target})
        audit.record(
            connection,
            actor,
            "routing.set",
            "account",
            user_id,
            account_id=account.id,
            before={"app_id": existing.app_id} if existing else None,
            after={"app_key": app_key},
        )
    return RouteView(user_id, app_key)


def load_app(session: Session, app_key: str) -> ProviderApp:
    row = session.scalars(select(ProviderApp).where(ProviderApp.app_key == app_key)).first()
    if row is None:
        raise NotFound(f"provider app {app_key} does not exist", field="app_key")
    return row


def _require_operator(actor: Actor) -> None:
    if actor.kind not in _OPERATORS:
        raise PermissionDenied("only an operator may manage provider apps and routing", reason=Reason.FORBIDDEN)


def _app(connection: Connection, app_key: str) -> Row[Any]:
    row = connection.execute(queries.APP_BY_KEY, {"app_key": app_key}).first()
    if row is None:
        raise NotFound(f"provider app {app_key} does not exist", field="app_key")
    return row


def _account(connection: Connection, user_id: int, actor: Actor | None = None) -> Row[int, int, str]:
    row = connection.execute(queries.ACCOUNT_BY_USER_ID, {"user_id": user_id}).first()
    if row is None or (actor is not None and not actor.sees(row.id)):  # another's reads as absent
        raise NotFound(f"account {user_id} does not exist", field="user_id")
    return row
