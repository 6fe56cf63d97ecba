"""Invoiceable items (the objects of QueryEvaluateList): what a customer was billed and may invoice."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from fapiao.domain.errors import ValidationFailed


class BizType(enum.StrEnum):
    ALIYUN = "ALIYUN"
    MARKETPLACE = "MARKETPLACE"


@dataclass(frozen=True)
class ItemAmounts:
    """Amounts of one item in fen. Offsets are refunds (unsubscriptions, downgrades) that reduce what
    may be invoiced; reserved is what pending invoice applications hold."""

    original: int
    offset: int = 0
    invoiced: int = 0
    reserved: int = 0

    @property
    def can_invoice(self) -> int:
        return self.original - self.offset - self.invoiced - self.reserved


def check_amounts(amounts: ItemAmounts) -> ItemAmounts:
    for name in ("offset", "invoiced", "reserved"):
        if getattr(amounts, name) < 0:
            raise ValidationFailed(f"{name} amount must not be negative", field=f"{name}_fen")
    if amounts.original >= 0 and amounts.can_invoice < 0:
        raise ValidationFailed("offsets and invoiced amounts exceed the original amount", field="offset_fen")
    return amounts
