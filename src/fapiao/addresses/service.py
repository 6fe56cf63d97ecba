"""Mailing addresses of an account."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fapiao.accounts.service import load_account
from fapiao.audit import service as audit
from fapiao.domain.addresses import AddressData, check_address
from fapiao.domain.errors import NotFound
from fapiao.runtime import Runtime
from fapiao.store.tables import Account, Address
from fapiao.usecases.actor import Actor
from fapiao.usecases.pagination import Page, PageRequest, paginate

_FIELDS = tuple(f.name for f in dataclasses.fields(AddressData))


@dataclass(frozen=True)
class AddressView:
    id: int
    user_id: int
    user_nick: str
    data: AddressData
    delivery_address: str
    created_at: datetime


def create_address(rt: Runtime, actor: Actor, user_id: int, data: AddressData) -> AddressView:
    data = check_address(data)
    with rt.db.transaction() as session:
        account = load_account(session, user_id)
        actor.require_account(account.id)
        row = Address(account_id=account.id, **data.to_json())
        session.add(row)
        session.flush()
        audit.record(session, actor, "address.create", "address", row.id, account_id=account.id, after=data.to_json())
        return _view(row, account)


def update_address(rt: Runtime, actor: Actor, address_id: int, changes: dict[str, Any]) -> AddressView:
    with rt.db.transaction() as session:
        row, account = _load(session, actor, address_id)
        before = _data(row)
        data = check_address(AddressData.from_json({**before.to_json(), **changes}))
        for name, value in data.to_json().items():
            setattr(row, name, value)
        session.flush()
        audit.record(
            session,
            actor,
            "address.update",
            "address",
            row.id,
            account_id=account.id,
            before=before.to_json(),
            after=data.to_json(),
        )
        return _view(row, account)


def delete_address(rt: Runtime, actor: Actor, address_id: int) -> None:
    """Soft delete: applications filed with the address keep their snapshot and their history."""
    with rt.db.transaction() as session:
        row, account = _load(session, actor, address_id)
        row.deleted = True
        audit.record(
            session,
            actor,
            "address.delete",
            "address",
            row.id,
            account_id=account.id,
            before=_data(row).to_json(),
        )


def get_address(rt: Runtime, actor: Actor, address_id: int) -> AddressView:
    with rt.db.transaction() as session:
        row, account = _load(session, actor, address_id)
        return _view(row, account)


def list_addresses(
    rt: Runtime, actor: Actor, page: PageRequest, *, user_id: int | None = None, search: str | None = None
) -> Page[AddressView]:
    query = select(Address, Account).join(Account, Account.id == Address.account_id).where(~Address.deleted)
    if actor.is_customer:
        query = query.where(Address.account_id == actor.account_id)
    if user_id is not None:
        query = query.where(Account.user_id == user_id)
    if search:
        pattern = f"%{search.strip()}%"
        query = query.where(Address.addressee.like(pattern) | Address.street.like(pattern) | Address.city.like(pattern))
    with rt.db.transaction() as session:
        return paginate(session, query, Address.id, page, _view)


def _load(session: Session, actor: Actor, address_id: int) -> tuple[Address, Account]:
    pair = session.execute(
        select(Address, Account)
        .join(Account, Account.id == Address.account_id)
        .where(Address.id == address_id, ~Address.deleted)
    ).first()
    if pair is None:
        raise NotFound(f"address {address_id} does not exist", field="id")
    actor.require_account(pair[1].id)
    return pair[0], pair[1]


def _data(row: Address) -> AddressData:
    return AddressData(**{name: getattr(row, name) for name in _FIELDS})


def _view(row: Address, account: Account) -> AddressView:
    data = _data(row)
    return AddressView(row.id, account.user_id, account.user_nick, data, data.delivery_address, row.created_at)
