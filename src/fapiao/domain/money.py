"""Money is integer fen inside the system; each protocol gets its own rendering at its boundary."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from fapiao.domain.errors import ValidationFailed

_YUAN = re.compile(r"^-?\d{1,13}(\.\d{1,2})?$")


def fen_to_yuan_str(fen: int) -> str:
    """``25000`` → ``"250.00"`` (TOP and BssOpenApi 2023-09-30)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def yuan_str_to_fen(text: str, field: str) -> int:
    """Parse ``"250.00"``/``"250"``; more than two decimals is an error, never silently rounded."""
    if not _YUAN.match(text.strip()):
        raise ValidationFailed(f"{field} must be an amount with at most two decimals", field=field)
    try:
        value = Decimal(text.strip())
    except InvalidOperation:  # pragma: no cover - the regex already guards this
        raise ValidationFailed(f"{field} is not a number", field=field) from None
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
