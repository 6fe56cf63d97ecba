"""Accounts, their access keys, RAM users and RAM policies: one function per use case, each one transaction
that checks the actor and records the audit entry. Opening accounts is an operator's (or the system's);
a customer acts on its own account only, and another account's records read as not found."""

from __future__ import annotations

import dataclasses
import json
import secrets
import string
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fapiao.accounts import queries
from fapiao.accounts.commands import (
    AttachPolicy,
    CreateAccessKey,
    CreateAccount,
    CreateRamUser,
    DetachPolicy,
    SetAccessKeyEnabled,
)
from fapiao.accounts.views import AccessKeyView, AccountView, NewAccessKey, RamUserView, account_view, ram_user_view
from fapiao.audit import service as audit
from fapiao.crypto import random_token
from fapiao.domain.errors import Conflict, NotFound, PermissionDenied, Reason, ValidationFailed
from fapiao.domain.policies import parse_policy
from fapiao.runtime import Runtime
from fapiao.store.tables import AccessKey, Account, RamPolicy, RamUser
from fapiao.usecases import spec
from fapiao.usecases.actor import Actor, ActorKind
from fapiao.usecases.serialize import to_jsonable

_KEY_ID_ALPHABET = string.ascii_letters + string.digits
_OPERATORS = (ActorKind.OPERATOR, ActorKind.SYSTEM)


def create_account(rt: Runtime, actor: Actor, command: CreateAccount) -> AccountView:
    """Open an account; without a ``user_id`` it gets 16 random digits, like Alibaba Cloud account ids."""
    if actor.kind not in _OPERATORS:
        raise PermissionDenied("only an operator may open accounts", reason=Reason.FORBIDDEN)
    command = dataclasses.replace(command, user_nick=command.user_nick.strip())
    spec.check(command)
    user_id = command.user_id if command.user_id is not None else 10**15 + secrets.randbelow(9 * 10**15)
    try:
        with rt.db.transaction() as session:
            row = Account(user_id=user_id, user_nick=command.user_nick, real_name_verified=command.real_name_verified)
            session.add(row)
            session.flush()
            view = account_view(row)
            audit.record(session, actor, "account.create", "account", user_id, account_id=row.id, after=_jsonable(view))
    except IntegrityError:
        raise Conflict(
            f"an account with user_id {user_id} or nick {command.user_nick!r} exists", field="user_id"
        ) from None
    return view


def list_accounts(rt: Runtime, actor: Actor) -> list[AccountView]:
    """Every account for operators; a customer's own account for a customer."""
    query = queries.ALL_ACCOUNTS
    if actor.is_customer:
        query = query.where(Account.id == actor.account_id)
    with rt.db.transaction() as session:
        return [account_view(a) for a in session.scalars(query)]


def get_account(rt: Runtime, actor: Actor, user_id: int) -> AccountView:
    with rt.db.transaction() as session:
        row = load_account(session, user_id, actor)
        return account_view(row)


def load_account(session: Session, user_id: int, actor: Actor | None = None) -> Account:
    """The account with this UserId, for every feature's use cases (inside their transaction). With an
    ``actor``, one it may see: another customer's account answers as one that does not exist."""
    row = session.scalars(queries.ACCOUNT_BY_USER_ID, {"user_id": user_id}).first()
    if row is None or (actor is not None and not actor.sees(row.id)):
        raise NotFound(f"account {user_id} does not exist", field="user_id")
    return row


def create_access_key(rt: Runtime, actor: Actor, command: CreateAccessKey) -> NewAccessKey:
    """Create a key for the account's root or one of its RAM users. ``key_id`` is only for fixed demo keys."""
    spec.check(command)
    secret = random_token(30)
    with rt.db.transaction() as session:
        account = load_account(session, command.user_id, actor)
        ram = _load_ram_user(session, account.id, command.ram_user) if command.ram_user else None
        row = AccessKey(
            key_id=command.key_id or "LTAI" + random_token(20, _KEY_ID_ALPHABET),
            secret_sealed=rt.box.seal(secret),
            account_id=account.id,
            ram_user_id=ram.id if ram else None,
        )
        session.add(row)
        session.flush()
        view = AccessKeyView(row.key_id, command.user_id, command.ram_user, True, row.created_at)
        audit.record(
            session,
            actor,
            "access_key.create",
            "access_key",
            row.key_id,
            account_id=account.id,
            after={"key_id": row.key_id, "ram_user": command.ram_user},
        )
    return NewAccessKey(view, secret)


def list_access_keys(rt: Runtime, actor: Actor, user_id: int) -> list[AccessKeyView]:
    """An account's keys, oldest first, without their secrets."""
    with rt.db.transaction() as session:
        account = load_account(session, user_id, actor)
        rows = session.execute(queries.KEYS_OF_ACCOUNT, {"account_id": account.id})
        return [AccessKeyView(k.key_id, user_id, name, k.enabled, k.created_at) for k, name in rows]


def set_access_key_enabled(rt: Runtime, actor: Actor, command: SetAccessKeyEnabled) -> AccessKeyView:
    spec.check(command)
    key_id, enabled = command.key_id, command.enabled
    with rt.db.transaction() as session:
        row = session.scalars(queries.KEY_BY_ID, {"key_id": key_id}).first()
        if row is None or not actor.sees(row.account_id):
            raise NotFound(f"access key {key_id} does not exist", field="key_id")
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


def create_ram_user(rt: Runtime, actor: Actor, command: CreateRamUser) -> RamUserView:
    command = dataclasses.replace(command, name=command.name.strip())
    spec.check(command)
    user_id, name = command.user_id, command.name
    try:
        with rt.db.transaction() as session:
            account = load_account(session, user_id, actor)
            row = RamUser(account_id=account.id, name=name, display_name=command.display_name)
            session.add(row)
            session.flush()
            view = ram_user_view(row, user_id)
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
    """An account's RAM users with their policies."""
    with rt.db.transaction() as session:
        account = load_account(session, user_id, actor)
        rows = session.scalars(queries.RAM_USERS_OF_ACCOUNT, {"account_id": account.id})
        return [ram_user_view(r, user_id) for r in rows]


def attach_policy(rt: Runtime, actor: Actor, command: AttachPolicy) -> RamUserView:
    """Attach (or replace) a named policy on a RAM user; the document is validated first."""
    command = dataclasses.replace(command, policy_name=command.policy_name.strip())
    spec.check(command)
    data = _policy_document(command.document)
    user_id, ram_user, policy_name = command.user_id, command.ram_user, command.policy_name
    with rt.db.transaction() as session:
        account = load_account(session, user_id, actor)
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
        return ram_user_view(ram, user_id)


def detach_policy(rt: Runtime, actor: Actor, command: DetachPolicy) -> RamUserView:
    command = dataclasses.replace(command, policy_name=command.policy_name.strip())
    spec.check(command)
    user_id, ram_user, policy_name = command.user_id, command.ram_user, command.policy_name
    with rt.db.transaction() as session:
        account = load_account(session, user_id, actor)
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
        return ram_user_view(ram, user_id)


def _load_ram_user(session: Session, account_id: int, name: str) -> RamUser:
    row = session.scalars(queries.RAM_USER_BY_NAME, {"account_id": account_id, "name": name}).first()
    if row is None:
        raise NotFound(f"RAM user {name} does not exist", field="ram_user")
    return row


def _policy_document(document: str) -> dict[str, Any]:
    """The parsed document, once the domain accepts it; its refusals name the command's field."""
    try:
        parse_policy(document)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, field="document") from None
    value = json.loads(document)
    assert isinstance(value, dict)
    return value


def _jsonable(view: object) -> dict[str, Any]:
    value = to_jsonable(view)
    assert isinstance(value, dict)
    return value
