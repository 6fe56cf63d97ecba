"""What the account use cases return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fapiao.store.tables import Account, RamUser


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
    ram_user: str | None  # None: the account's root key
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
    policies: dict[str, dict[str, Any]]  # documents by policy name


def account_view(row: Account) -> AccountView:
    return AccountView(row.id, row.user_id, row.user_nick, row.real_name_verified, row.enabled, row.created_at)


def ram_user_view(row: RamUser, user_id: int) -> RamUserView:
    return RamUserView(row.id, user_id, row.name, row.display_name, {p.name: p.document for p in row.policies})
