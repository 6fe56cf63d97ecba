"""Taxpayer identifiers: the Unified Social Credit Code (GB 32100-2015), the organisation code inside it
(GB 11714), resident identity numbers (GB 11643) and legacy taxpayer ids.

Written here rather than taken from python-stdnum because stdnum's USCC validator refuses codes whose
first characters are letters (department codes A, N, Y), which are valid and in use.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_USCC_FORMAT = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_LEGACY = re.compile(r"^[0-9A-Z]{15}$|^[0-9A-Z]{17}$|^[0-9A-Z]{20}$")
_NATURAL_PERSON = re.compile(r"^[0-9A-Z]{6,26}$")
_ENTERPRISE_DEPARTMENT = "9"


class HolderKind(enum.StrEnum):
    """Who a title names: decides which check applies (never sniffed from the value itself)."""

    ENTERPRISE = "enterprise"
    ORGANISATION = "organisation"  # government body, public institution, social organisation
    INDIVIDUAL = "individual"


def normalise(value: str) -> str:
    """Strip spaces and hyphens, fold full-width characters to half-width, upper-case."""
    folded = unicodedata.normalize("NFKC", value)
    return re.sub(r"[\s\-]", "", folded).upper()


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_VALUE[ch] * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def organisation_code_ok(code9: str) -> bool:
    """GB 11714 check of a 9-character organisation code (positions 9–17 of a USCC)."""
    if len(code9) != 9 or not code9[:8].isalnum():
        return False
    values = [int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10 for ch in code9[:8]]
    c = 11 - sum(v * w for v, w in zip(values, _ORG_WEIGHTS, strict=True)) % 11
    expected = "X" if c == 10 else "0" if c == 11 else str(c)
    return code9[8] == expected


def is_valid_resident_id(number: str) -> bool:
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _RESIDENT_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17]


@dataclass(frozen=True)
class TaxIdCheck:
    """Outcome of checking a buyer id: ``ok`` False means the id fails a rule that production refuses."""

    value: str
    ok: bool
    problem: str | None = None
    warnings: tuple[str, ...] = field(default=())


def check_tax_id(raw: str, holder: HolderKind) -> TaxIdCheck:
    value = normalise(raw)
    if holder is HolderKind.INDIVIDUAL:
        return _check_natural_person(value)
    if len(value) == 18:
        return _check_uscc(value, holder)
    if _LEGACY.match(value):
        return TaxIdCheck(value, True, warnings=(f"legacy {len(value)}-character taxpayer id",))
    return TaxIdCheck(value, False, "not a unified social credit code or a legacy 15/17/20-character taxpayer id")


def _check_uscc(value: str, holder: HolderKind) -> TaxIdCheck:
    if not _USCC_FORMAT.match(value):
        return TaxIdCheck(value, False, "unified social credit code has characters outside its alphabet")
    expected = uscc_check_char(value[:17])
    if expected != value[17]:
        return TaxIdCheck(value, False, f"unified social credit code check character should be {expected}")
    warnings: list[str] = []
    if not organisation_code_ok(value[8:17]):
        warnings.append("organisation code inside the credit code fails its own check (typo in positions 9-17?)")
    if holder is HolderKind.ENTERPRISE and value[0] != _ENTERPRISE_DEPARTMENT:
        warnings.append("credit code is not registered with market regulation, yet the title is an enterprise")
    return TaxIdCheck(value, True, warnings=tuple(warnings))


def _check_natural_person(value: str) -> TaxIdCheck:
    if len(value) == 18 and value[:17].isdigit():
        if is_valid_resident_id(value):
            return TaxIdCheck(value, True)
        return TaxIdCheck(value, False, "resident identity number check character is wrong")
    if len(value) == 15 and value.isdigit():
        return TaxIdCheck(value, True, warnings=("15-digit resident identity number",))
    if _NATURAL_PERSON.match(value):
        return TaxIdCheck(value, True, warnings=("natural-person id of another format",))
    return TaxIdCheck(value, False, "not a valid natural-person id")
