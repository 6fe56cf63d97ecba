"""What address use cases return."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from fapiao.domain.addresses import AddressData
from fapiao.store.tables import Account, Address

_FIELDS = tuple(f.name for f in dataclasses.fields(AddressData))


@dataclass(frozen=True)
class AddressView:
    id: int
    user_id: int
    user_nick: str
    data: AddressData
    delivery_address: str  # the parts joined, province first
    created_at: datetime


def address_data(row: Address) -> AddressData:
    return AddressData(**{name: getattr(row, name) for name in _FIELDS})


def address_view(row: Address, account: Account) -> AddressView:
    data = address_data(row)
    return AddressView(row.id, account.user_id, account.user_nick, data, data.delivery_address, row.created_at)
