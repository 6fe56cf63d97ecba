"""Declared API parameters and their checks: 40 ``Missing required arguments:<name>``, 41 ``Invalid
arguments:<name>``.

Each parameter feeds one field of the method's command and takes its limits from that field's declaration
(``usecases.spec.fields_of``), so TOP refuses exactly what the use case would, with TOP's codes and names.
TOP sends every value as text: numbers in decimal, ``String[]`` comma-separated. An empty value counts as
absent (both Python clients send ``ex_info=`` for "nothing"). Parameters an API does not declare are ignored,
as TOP ignores them; they are still part of the signature.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fapiao.protocols.top.errors import invalid_parameter, missing_parameter
from fapiao.usecases.spec import fields_of

_INTEGER = re.compile(r"-?[0-9]{1,18}")

ParamValue = str | int | tuple[str, ...] | None
Decoder = Callable[[Any], object]  # a checked wire value → the command field's value; ValueError: 41


class Kind(StrEnum):
    STRING = "String"
    NUMBER = "Number"
    STRING_LIST = "String[]"


@dataclass(frozen=True)
class Param:
    name: str  # the wire name
    kind: Kind = Kind.STRING
    required: bool = False
    max_length: int | None = None  # characters of a String, items of a String[]
    minimum: int | None = None
    maximum: int | None = None
    choices: frozenset[int] | None = None
    item_max_length: int | None = None  # characters of each String[] item
    field: str | None = None  # the command field this parameter feeds
    doc: str = ""
    decode: Decoder | None = None

    def limits(self) -> str:
        """The limits in words, for the reference page."""
        parts: list[str] = []
        if self.choices is not None:
            parts.append("one of " + ", ".join(f"`{c}`" for c in sorted(self.choices)))
        if self.minimum is not None or self.maximum is not None:
            parts.append(f"{_bound(self.minimum)}–{_bound(self.maximum)}")
        if self.max_length is not None:
            parts.append(f"≤ {self.max_length} {'items' if self.kind is Kind.STRING_LIST else 'characters'}")
        if self.item_max_length is not None:
            parts.append(f"each ≤ {self.item_max_length} characters")
        return "; ".join(parts)

    def value_of(self, raw: ParamValue) -> object:
        """The command field's value of a checked wire value (41 when it cannot be one)."""
        if self.decode is None or raw is None:
            return raw
        try:
            return self.decode(raw)
        except ValueError as exc:
            raise invalid_parameter(self.name, str(exc)) from None


def param(
    name: str,
    command: type[Any],
    field: str,
    kind: Kind = Kind.STRING,
    *,
    required: bool | None = None,
    max_length: int | None = None,
    choices: frozenset[int] | None = None,
    decode: Decoder | None = None,
    doc: str | None = None,
) -> Param:
    """A wire parameter feeding ``command.field``, with that field's limits (and doc); overrides are for
    values whose wire form differs from the field (a JSON text for an object, a code for an enum)."""
    spec = fields_of(command)[field]
    return Param(
        name,
        kind,
        required=spec.required if required is None else required,
        max_length=spec.max_length if max_length is None else max_length,
        minimum=spec.minimum if kind is Kind.NUMBER else None,
        maximum=spec.maximum if kind is Kind.NUMBER else None,
        choices=choices,
        field=field,
        doc=spec.doc if doc is None else doc,
        decode=decode,
    )


def parse_params(declared: tuple[Param, ...], received: Mapping[str, str]) -> dict[str, ParamValue]:
    """Every declared parameter by name (``None`` when absent), checked in declaration order."""
    return {param.name: _parse(param, received.get(param.name, "")) for param in declared}


def _bound(value: int | None) -> str:
    return "" if value is None else str(value)


def _parse(param: Param, raw: str) -> ParamValue:
    if raw == "":
        if param.required:
            raise missing_parameter(param.name)
        return None
    if "\x00" in raw:  # text no store keeps (PostgreSQL refuses NUL)
        raise invalid_parameter(param.name, "contains a NUL character")
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
