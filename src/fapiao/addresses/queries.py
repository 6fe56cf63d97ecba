"""The statements address use cases run (deleted addresses are never read)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, select

from fapiao.addresses.commands import ListAddresses
from fapiao.store.tables import Account, Address

Joined = Select[Address, Account]


def live() -> Joined:
    return select(Address, Account).join(Account, Account.id == Address.account_id).where(~Address.deleted)


def by_id(address_id: int) -> Joined:
    return live().where(Address.id == address_id)


def listing(command: ListAddresses, account_id: int | None) -> Joined:
    """``account_id``: a customer's own account, which bounds every other condition."""
    conditions: list[ColumnElement[bool]] = []
    if account_id is not None:
        conditions.append(Address.account_id == account_id)
    if command.user_id is not None:
        conditions.append(Account.user_id == command.user_id)
    if command.search and command.search.strip():
        pattern = f"%{command.search.strip()}%"
        conditions.append(Address.addressee.like(pattern) | Address.street.like(pattern) | Address.city.like(pattern))
    return live().where(*conditions)
