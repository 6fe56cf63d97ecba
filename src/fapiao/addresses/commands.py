"""What callers ask of mailing addresses, in domain names, with the limits every protocol enforces.

``CreateAddress`` declares the limits of ``AddressData`` field by field (any ``AddressData`` is accepted where
a ``CreateAddress`` is); ``check_address`` enforces the same ``FIELD_LIMIT``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Annotated, Any

from annotated_types import Ge, Le, MaxLen, MinLen

from fapiao.domain.addresses import FIELD_LIMIT, AddressData
from fapiao.usecases.pagination import MAX_PAGE, MAX_PAGE_SIZE
from fapiao.usecases.spec import Doc, Pattern

Required = Annotated[str, MinLen(1), MaxLen(FIELD_LIMIT)]
Optional = Annotated[str, MaxLen(FIELD_LIMIT)]
Change = Annotated[str | None, MaxLen(FIELD_LIMIT)]
POSTAL_CODE = Pattern(r"([0-9]{6})?")  # six digits, or none


@dataclass(frozen=True)
class CreateAddress(AddressData):
    """Add a mailing address for paper invoices."""

    addressee: Annotated[Required, Doc("Who receives the parcel.")]
    phone: Annotated[Required, Doc("The addressee's phone.")]
    province: Annotated[Required, Doc("Province.")]
    city: Annotated[Required, Doc("City.")]
    street: Annotated[Required, Doc("Street and number.")]
    county: Annotated[Optional, Doc("County or district.")] = ""
    postal_code: Annotated[str, POSTAL_CODE, Doc("Six digits.")] = ""
    biz_type: Annotated[Optional, Doc("Invoicing entity the address is for.")] = ""


@dataclass(frozen=True)
class ChangeAddress:
    """Change fields of an address; absent (``None``) fields keep their value."""

    address_id: Annotated[int, Ge(1), Doc("The address to change.")]
    addressee: Annotated[Change, Doc("Who receives the parcel.")] = None
    phone: Annotated[Change, Doc("The addressee's phone.")] = None
    province: Annotated[Change, Doc("Province.")] = None
    city: Annotated[Change, Doc("City.")] = None
    street: Annotated[Change, Doc("Street and number.")] = None
    county: Annotated[Change, Doc("County or district.")] = None
    postal_code: Annotated[str | None, POSTAL_CODE, Doc("Six digits.")] = None
    biz_type: Annotated[Change, Doc("Invoicing entity the address is for.")] = None

    def changes(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name != "address_id" and getattr(self, f.name) is not None
        }


@dataclass(frozen=True)
class ListAddresses:
    """Addresses (deleted ones excluded), oldest first; customers see their own account's only."""

    search: Annotated[str | None, MaxLen(100), Doc("Part of the addressee, street or city.")] = None
    page: Annotated[int, Ge(1), Le(MAX_PAGE), Doc("Page number, from 1.")] = 1
    page_size: Annotated[int, Ge(1), Le(MAX_PAGE_SIZE), Doc("Entries per page.")] = 20
    user_id: Annotated[int | None, Ge(1), Doc("Operators only: this account's addresses.")] = None
