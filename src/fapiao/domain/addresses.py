"""Mailing addresses that paper invoices are shipped to."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from fapiao.domain.errors import MissingValue, ValidationFailed

_REQUIRED = ("addressee", "phone", "province", "city", "street")
FIELD_LIMIT = 200  # characters, every field


@dataclass(frozen=True)
class AddressData:
    addressee: str
    phone: str
    province: str
    city: str
    street: str
    county: str = ""
    postal_code: str = ""
    biz_type: str = ""

    @property
    def delivery_address(self) -> str:
        """The full address as printed on a parcel: the parts joined, province first."""
        return "".join(part for part in (self.province, self.city, self.county, self.street) if part)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AddressData:
        names = {f.name for f in dataclasses.fields(cls)}
        for key in data:
            if key not in names:
                raise ValidationFailed(f"unknown field {key}", field=key)
        return cls(**data)


def check_address(data: AddressData) -> AddressData:
    data = dataclasses.replace(data, **{f.name: str(getattr(data, f.name)).strip() for f in dataclasses.fields(data)})
    for name in _REQUIRED:
        if not getattr(data, name):
            raise MissingValue(f"{name} is required", field=name)
    for f in dataclasses.fields(data):
        if len(getattr(data, f.name)) > FIELD_LIMIT:
            raise ValidationFailed(f"{f.name} is longer than {FIELD_LIMIT} characters", field=f.name)
    if data.postal_code and not (data.postal_code.isdigit() and len(data.postal_code) == 6):
        raise ValidationFailed("postal_code has 6 digits", field="postal_code")
    return data
