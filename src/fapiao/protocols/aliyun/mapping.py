"""Wire integers ↔ domain enums for BssOpenApi, one explicit table per field (reference domain.md §11).

The same concept has different integers on different wires (title ``Type`` 0 plain / 1 special, but
``ApplyInvoice.InvoicingType`` 0 special / 1 plain), so nothing here is derived from anything else and no raw
wire integer ever reaches a service.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Generic, TypeVar

from fapiao.domain.titles import AdjustType, CustomerType, InvoiceKind, TaxpayerType, TitleStatus

E = TypeVar("E", bound=StrEnum)


class WireTable(Generic[E]):
    """A one-to-one table between a domain enum and the integers of one wire field."""

    def __init__(self, field: str, table: Mapping[E, int]) -> None:
        if len(set(table.values())) != len(table):
            raise ValueError(f"{field}: two members share a wire value")
        self.field = field
        self.to_wire_table: Mapping[E, int] = MappingProxyType(dict(table))
        self.from_wire_table: Mapping[int, E] = MappingProxyType({v: k for k, v in table.items()})

    def to_wire(self, member: E) -> int:
        return self.to_wire_table[member]

    def from_wire(self, value: int) -> E | None:
        """The member for ``value``, or None when the wire value means nothing here."""
        return self.from_wire_table.get(value)

    @property
    def wire_values(self) -> tuple[int, ...]:
        return tuple(sorted(self.from_wire_table))


# QueryInvoicingCustomerList (2017-12-14)
TITLE_TYPE = WireTable("Type", {InvoiceKind.PLAIN: 0, InvoiceKind.SPECIAL: 1})
TITLE_STATUS = WireTable(
    "Status",
    {
        TitleStatus.APPLYING: 1,
        TitleStatus.APPROVED: 2,
        TitleStatus.REJECTED: 3,
        TitleStatus.INVALID: 4,
        TitleStatus.WITHDRAWN: 5,
    },
)
ADJUST_TYPE = WireTable("AdjustType", {AdjustType.DETAILS: 1, AdjustType.OTHER_TITLE: 4, AdjustType.VERIFIED_TITLE: 5})
TAXPAYER_TYPE = WireTable("TaxpayerType", {TaxpayerType.GENERAL: 1, TaxpayerType.SMALL_SCALE: 2})
CUSTOMER_TYPE = WireTable("CustomerType", {CustomerType.INDIVIDUAL: 1, CustomerType.COMPANY: 2})

# ApplyInvoice (2017-12-14), current documentation and the 5.1.2 model: inverted relative to the title Type.
INVOICING_TYPE = WireTable("InvoicingType", {InvoiceKind.SPECIAL: 0, InvoiceKind.PLAIN: 1})

# CreateInvoice (2023-09-30): the values are undocumented. Fapiao pins 1 plain / 2 special, the convention
# of the TOP side and of most Chinese invoicing APIs, and documents it in docs/aliyun-api.md.
CREATE_INVOICE_TYPE = WireTable("InvoiceType", {InvoiceKind.PLAIN: 1, InvoiceKind.SPECIAL: 2})
