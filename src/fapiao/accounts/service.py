"""Accounts, their access keys, RAM users and RAM policies."""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fapiao.audit import service as audit
from fapiao.crypto import random_token
from fapiao.domain.errors import Conflict, NotFound, ValidationFailed
from fapiao.domain.policies import parse_policy
from fapiao.runtime import Runtime
from fapiao.store.tables import AccessKey, Account, RamPolicy, RamUser
from fapiao.usecases.actor import Actor
from fapiao.usecases.serialize import to_jsonable

_KEY_ID_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class AccountView:
    id: int
    user_id: int
    user_nick: str
    real_name_verified: bool
    enabled: bool
    created_at: datetime


@dataclass(frozen=True)
class AccessKeyView:
    key_id: str
    user_id: int
    ram_user: str | None
    enabled: bool
    created_at: datetime


@dataclass(frozen=True)
class NewAccessKey:
    """A key as created: the only time its secret is shown."""

    key: AccessKeyView
    secret: str


@dataclass(frozen=True)
class RamUserView:
    id: int
    user_id: int
    name: str
    display_name: str
    policies: dict[str, dict[str, Any]]


def create_account(
    rt: Runtime, actor: Actor, user_nick: str, *, user_id: int | None = None, real_name_verified: bool = False
) -> AccountView:
    user_nick = user_nick.strip()
    if not user_nick or len(user_nick) > 64:
        raise ValidationFailed("user_nick must have 1 to 64 characters", field="user_nick")
    if user_id is None:
        user_id = 10**15 + secrets.randbelow(9 * 10**15)  # 16 digits, like Alibaba Cloud account ids
    elif not 0 < user_id < 2**63:
        raise ValidationFailed("user_id must be a positive 64-bit integer", field="user_id")
    try:
        with rt.db.transaction() as session:
            row = Account(user_id=user_id, user_nick=user_nick, real_name_verified=real_name_verified)
            session.add(row)
            session.flush()
            view = account_view(row)
            audit.record(session, actor, "account.create", "account", user_id, account_id=row.id, after=_jsonable(view))
    except IntegrityError:
        raise Conflict(f"an account with user_id {user_id} or nick {user_nick!r} exists", field="user_id") from None
    return view


def list_accounts(rt: Runtime, actor: Actor) -> list[AccountView]:
    with rt.db.transaction() as session:
        query = select(Account).order_by(Account.id)
        if actor.is_customer:
            query = query.where(Account.id == actor.account_id)
        return [account_view(a) for a in session.scalars(query)]


def get_account(rt: Runtime, actor: Actor, user_id: int) -> AccountView:
    with rt.db.transaction() as session:
        row = load_account(session, user_id)
        actor.require_account(row.id)
        return account_view(row)


def load_account(session: Session, user_id: int) -> Account:
    row = session.scalars(select(Account).where(Account.user_id == user_id)).first()
    if row is None:
        raise NotFound(f"account {user_id} does not exist", field="user_id")
    return row


def create_access_key(
    rt: Runtime, actor: Actor, user_id: int, *, ram_user: str | None = None, key_id: str | None = None
) -> NewAccessKey:
    """Create a key for the account (root) or one of its RAM users. ``key_id`` is only for fixed demo keys."""
    secret = random_token(30)
    with rt.db.transaction() as session:
        account = load_account(session, user_id)
        actor.require_account(account.id)
        ram = _load_ram_user(session, account.id, ram_user) if ram_user else None
        row = AccessKey(
            key_id=key_id or "LTAI" + random_token(20, _KEY_ID_ALPHABET),
            secret_sealed=rt.box.seal(secret),
            account_id=account.id,
            ram_user_id=ram.id if ram else None,
        )
        session.add(row)
        session.flush()
        view = AccessKeyView(row.key_id, user_id, ram_user, True, row.created_at)
        audit.record(
            session,
            actor,
            "access_key.create",
            "access_key",
            row.key_id,
            account_id=account.id,
            after={"key_id": row.key_id, "ram_user": ram_user},
        )
    return NewAccessKey(view, secret)


def list_access_keys(rt: Runtime, actor: Actor, user_id: int) -> list[AccessKeyView]:
    with rt.db.transaction() as session:
        account = load_account(session, user_id)
        actor.require_account(account.id)
        rows = session.execute(
            select(AccessKey, RamUser.name)
            .outerjoin(RamUser, RamUser.id == AccessKey.ram_user_id)
            .where(AccessKey.account_id == account.id)
            .order_by(AccessKey.id)
        )
        return [AccessKeyView(k.key_id, user_id, name, k.enabled, k.created_at) for k, name in rows]


def set_access_key_enabled(rt: Runtime, actor: Actor, key_id: str, enabled: bool) -> AccessKeyView:
    with rt.db.transaction() as session:
        row = session.scalars(select(AccessKey).where(AccessKey.key_id == key_id)).first()
        if row is None:
            raise NotFound(f"access key {key_id} does not exist", field="key_id")
        actor.require_account(row.account_id)
        before = row.enabled
        row.enabled = enabled
        account = session.get_one(Account, row.account_id)
        ram = session.get(RamUser, row.ram_user_id) if row.ram_user_id else None
        audit.record(
            session,
            actor,
            "access_key.enable" if enabled else "access_key.disable",
            "access_key",
            key_id,
            account_id=row.account_id,
            before={"enabled": before},
            after={"enabled": enabled},
        )
        return AccessKeyView(key_id, account.user_id, ram.name if ram else None, enabled, row.created_at)


def create_ram_user(rt: Runtime, actor: Actor, user_id: int, name: str, display_name: str = "") -> RamUserView:
    name = name.strip()
    if not name or len(name) > 64 or not all(c.isalnum() or c in "._-@" for c in name):
        raise ValidationFailed("RAM user names have 1 to 64 letters, digits, '.', '_', '-' or '@'", field="name")
    try:
        with rt.db.transaction() as session:
            account = load_account(session, user_id)
            actor.require_account(account.id)
            row = RamUser(account_id=account.id, name=name, display_name=display_name)
            session.add(row)
            session.flush()
            view = _ram_view(row, user_id)
            audit.record(
                session,
                actor,
                "ram_user.create",
                "ram_user",
                f"{user_id}/{name}",
                account_id=account.id,
                after=_jsonable(view),
            )
    except IntegrityError:
        raise Conflict(f"RAM user {name} exists", field="name") from None
    return view


def list_ram_users(rt: Runtime, actor: Actor, user_id: int) -> list[RamUserView]:
    with rt.db.transaction() as session:
        account = load_account(session, user_id)
        actor.require_account(account.id)
        rows = session.scalars(select(RamUser).where(RamUser.account_id == account.id).order_by(RamUser.id))
        return [_ram_view(r, user_id) for r in rows]


def attach_policy(
    rt: Runtime, actor: Actor, user_id: int, ram_user: str, policy_name: str, document: str | dict[str, Any]
) -> RamUserView:
    """Attach (or replace) a named policy on a RAM user; the document is validated first."""
    parse_policy(document)
    data = document if isinstance(document, dict) else _loads(document)
    if not policy_name.strip():
        raise ValidationFailed("policy name is required", field="policy_name")
    with rt.db.transaction() as session:
        account = load_account(session, user_id)
        actor.require_account(account.id)
        ram = _load_ram_user(session, account.id, ram_user)
        existing = next((p for p in ram.policies if p.name == policy_name), None)
        before = existing.document if existing else None
        if existing:
            existing.document = data
        else:
            ram.policies.append(RamPolicy(name=policy_name, document=data))
        session.flush()
        audit.record(
            session,
            actor,
            "ram_policy.attach",
            "ram_user",
            f"{user_id}/{ram_user}",
            account_id=account.id,
            before={policy_name: before} if before else None,
            after={policy_name: data},
        )
        return _ram_view(ram, user_id)


def detach_policy(rt: Runtime, actor: Actor, user_id: int, ram_user: str, policy_name: str) -> RamUserView:
    with rt.db.transaction() as session:
        account = load_account(session, user_id)
        actor.require_account(account.id)
        ram = _load_ram_user(session, account.id, ram_user)
        existing = next((p for p in ram.policies if p.name == policy_name), None)
        if existing is None:
            raise NotFound(f"RAM user {ram_user} has no policy {policy_name}", field="policy_name")
        ram.policies.remove(existing)
        session.flush()
        audit.record(
            session,
            actor,
            "ram_policy.detach",
            "ram_user",
            f"{user_id}/{ram_user}",
            account_id=account.id,
            before={policy_name: existing.document},
        )
        return _ram_view(ram, user_id)


def _load_ram_user(session: Session, account_id: int, name: str) -> RamUser:
    row = session.scalars(select(RamUser).where(RamUser.account_id == account_id, RamUser.name == name)).first()
    if row is None:
        raise NotFound(f"RAM user {name} does not exist", field="ram_user")
    return row


def _loads(document: str) -> dict[str, Any]:
    value = json.loads(document)  # parse_policy has validated it already
    assert isinstance(value, dict)
    return value


def account_view(row: Account) -> AccountView:
    return AccountView(row.id, row.user_id, row.user_nick, row.real_name_verified, row.enabled, row.created_at)


def _ram_view(row: RamUser, user_id: int) -> RamUserView:
    return RamUserView(row.id, user_id, row.name, row.display_name, {p.name: p.document for p in row.policies})


def _jsonable(view: object) -> dict[str, Any]:
    value = to_jsonable(view)
    assert isinstance(value, dict)
    return value
