"""Declared API parameters and their checks: 40 ``Missing required arguments:<name>``, 41 ``Invalid
arguments:<name>``.

TOP sends every value as text: numbers in decimal, ``String[]`` comma-separated. An empty value counts as
absent (both Python clients send ``ex_info=`` for "nothing"). Parameters an API does not declare are ignored,
as TOP ignores them; they are still part of the signature.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from fapiao.protocols.top.errors import invalid_parameter, missing_parameter

_INTEGER = re.compile(r"-?[0-9]{1,18}")

ParamValue = str | int | tuple[str, ...] | None


class Kind(StrEnum):
    STRING = "String"
    NUMBER = "Number"
    STRING_LIST = "String[]"


@dataclass(frozen=True)
class Param:
    name: str
    kind: Kind = Kind.STRING
    required: bool = False
    max_length: int | None = None  # characters of a String, items of a String[]
    minimum: int | None = None
    maximum: int | None = None
    choices: frozenset[int] | None = None
    item_max_length: int | None = None  # characters of each String[] item


def parse_params(declared: tuple[Param, ...], received: Mapping[str, str]) -> dict[str, ParamValue]:
    """Every declared parameter by name (``None`` when absent), checked in declaration order."""
    return {param.name: _parse(param, received.get(param.name, "")) for param in declared}


def _parse(param: Param, raw: str) -> ParamValue:
    if raw == "":
        if param.required:
            raise missing_parameter(param.name)
        return None
    if param.kind is Kind.NUMBER:
        return _number(param, raw)
    if param.kind is Kind.STRING_LIST:
        return _string_list(param, raw)
    if param.max_length is not None and len(raw) > param.max_length:
        raise invalid_parameter(param.name, f"longer than {param.max_length} characters")
    return raw


def _number(param: Param, raw: str) -> int:
    if not _INTEGER.fullmatch(raw.strip()):
        raise invalid_parameter(param.name, "not an integer")
    value = int(raw)
    if param.choices is not None and value not in param.choices:
        raise invalid_parameter(param.name, f"must be one of {', '.join(map(str, sorted(param.choices)))}")
    if param.minimum is not None and value < param.minimum:
        raise invalid_parameter(param.name, f"must be at least {param.minimum}")
    if param.maximum is not None and value > param.maximum:
        raise invalid_parameter(param.name, f"must be at most {param.maximum}")
    return value


def _string_list(param: Param, raw: str) -> tuple[str, ...]:
    items = tuple(part.strip() for part in raw.split(","))
    if any(not item for item in items):
        raise invalid_parameter(param.name, "empty item in the comma-separated list")
    if param.max_length is not None and len(items) > param.max_length:
        raise invalid_parameter(param.name, f"more than {param.max_length} items")
    if param.item_max_length is not None and any(len(item) > param.item_max_length for item in items):
        raise invalid_parameter(param.name, f"an item is longer than {param.item_max_length} characters")
    return items
