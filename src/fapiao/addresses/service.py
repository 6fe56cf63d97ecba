"""Mailing addresses of an account: add, change, delete (softly), show, list."""

from __future__ import annotations

from sqlalchemy.orm import Session

from fapiao.accounts.service import load_account
from fapiao.addresses import queries
from fapiao.addresses.commands import ChangeAddress, ListAddresses
from fapiao.addresses.views import AddressView, address_data, address_view
from fapiao.audit import service as audit
from fapiao.domain.addresses import AddressData, check_address
from fapiao.domain.errors import NotFound
from fapiao.runtime import Runtime
from fapiao.store.tables import Account, Address
from fapiao.usecases import spec
from fapiao.usecases.actor import Actor
from fapiao.usecases.pagination import Page, PageRequest, paginate


def create_address(rt: Runtime, actor: Actor, user_id: int, command: AddressData) -> AddressView:
    """Add an address (``command``: a ``CreateAddress``, or any ``AddressData``)."""
    spec.check(command)
    data = check_address(command)
    with rt.db.transaction() as session:
        account = load_account(session, user_id, actor)
        row = Address(account_id=account.id, **data.to_json())
        session.add(row)
        session.flush()
        audit.record(session, actor, "address.create", "address", row.id, account_id=account.id, after=data.to_json())
        return address_view(row, account)


def update_address(rt: Runtime, actor: Actor, command: ChangeAddress) -> AddressView:
    spec.check(command)
    with rt.db.transaction() as session:
        row, account = _load(session, actor, command.address_id)
        before = address_data(row)
        data = check_address(AddressData.from_json({**before.to_json(), **command.changes()}))
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
        return address_view(row, account)


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
            before=address_data(row).to_json(),
        )


def get_address(rt: Runtime, actor: Actor, address_id: int) -> AddressView:
    with rt.db.transaction() as session:
        row, account = _load(session, actor, address_id)
        return address_view(row, account)


def list_addresses(rt: Runtime, actor: Actor, command: ListAddresses) -> Page[AddressView]:
    spec.check(command)
    own = actor.visible_account
    with rt.db.transaction() as session:
        page = PageRequest(command.page, command.page_size)
        return paginate(session, queries.listing(command, own), Address.id, page, address_view)


def _load(session: Session, actor: Actor, address_id: int) -> tuple[Address, Account]:
    pair = session.execute(queries.by_id(address_id)).first()
    if pair is None or not actor.sees(pair[1].id):
        raise NotFound(f"address {address_id} does not exist", field="id")
    return pair[0], pair[1]
