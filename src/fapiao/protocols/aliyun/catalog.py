"""The operation catalog: each BssOpenApi action declared once, with its wire name, parameters, RAM
permission, handler and response shape.

Everything else is derived from the declaration: parameter validation (``MissingParameter`` /
``InvalidParameter`` naming the wire key, so no handler re-checks a type or a limit), the RAM check in the
pipeline, the routing table (a dict built once at import, never a per-request scan) and the reference page
``docs/aliyun-api.md`` (``fapiao docs aliyun``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeAlias

from fapiao.domain.clock import china_to_utc_naive
from fapiao.domain.errors import ValidationFailed
from fapiao.domain.money import yuan_str_to_fen
from fapiao.protocols.aliyun import errors
from fapiao.protocols.aliyun.params import JsonValue, flat_list, json_int_list, json_list, json_str_list, parse_bool

if TYPE_CHECKING:
    from fapiao.auth.credentials import Credential
    from fapiao.runtime import Runtime

_INTEGER = re.compile(r"-?[0-9]{1,19}")
_INT64 = 2**63
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class Kind(StrEnum):
    """How a parameter travels; the value is what the reference page prints as its type."""

    INTEGER = "Long"
    STRING = "String"
    BOOLEAN = "Boolean (`true`/`false`, any case)"
    TIME = "String `yyyy-MM-dd HH:mm:ss` (China time)"
    AMOUNT = 'String, yuan with ≤ 2 decimals (`"12.50"`)'
    FLAT_STRINGS = "List of String, flattened (`Name.1`, `Name.2`, …)"
    FLAT_INTEGERS = "List of Long, flattened (`Name.1`, `Name.2`, …)"
    JSON_INTEGERS = "JSON array of integers (`[202401,202402]`)"
    JSON_STRINGS = 'JSON array of strings (`["a","b"]`)'
    JSON_OBJECTS = "JSON array of objects"


Value: TypeAlias = "int | str | bool | datetime | list[int] | list[str] | list[JsonValue]"


@dataclass(frozen=True, slots=True)
class Param:
    """One request parameter and its limits. An empty value counts as absent (the SDKs omit ``None``)."""

    name: str
    kind: Kind
    doc: str
    required: bool = False
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[int, ...] = ()
    max_length: int | None = None
    max_items: int | None = None
    pattern: str | None = None

    def parse(self, params: Mapping[str, str]) -> Value | None:
        """The typed value, None when absent; ``MissingParameter`` / ``InvalidParameter`` naming ``name``."""
        if self.kind in (Kind.FLAT_STRINGS, Kind.FLAT_INTEGERS):
            return self._items(flat_list(params, self.name, required=self.required))
        raw = params.get(self.name, "")
        if raw == "":
            if self.required:
                raise errors.missing_parameter(self.name)
            return None
        if self.kind is Kind.JSON_INTEGERS:
            return self._items(json_int_list(params, self.name, required=self.required))
        if self.kind is Kind.JSON_STRINGS:
            return self._items(json_str_list(params, self.name, required=self.required))
        if self.kind is Kind.JSON_OBJECTS:
            values = json_list(params, self.name, required=self.required)
            if not all(isinstance(v, dict) for v in values):
                raise errors.invalid_parameter(self.name)
            return self._items(values)
        return self._scalar(raw)

    def _scalar(self, raw: str) -> Value:
        if self.kind is Kind.BOOLEAN:
            return parse_bool(raw, name=self.name)
        if self.kind is Kind.INTEGER:
            return self._integer(raw)
        if self.kind is Kind.TIME:
            try:
                return china_to_utc_naive(datetime.strptime(raw, _TIME_FORMAT))
            except ValueError:
                raise errors.invalid_parameter(self.name) from None
        if self.kind is Kind.AMOUNT:
            try:
                return yuan_str_to_fen(raw, self.name)
            except ValidationFailed:
                raise errors.invalid_parameter(self.name) from None
        return self._string(raw)

    def _integer(self, raw: str) -> int:
        if not _INTEGER.fullmatch(raw.strip()):
            raise errors.invalid_parameter(self.name)
        return self._bounded(int(raw))

    def _bounded(self, value: int) -> int:
        bad = (
            not -_INT64 <= value < _INT64
            or (self.minimum is not None and value < self.minimum)
            or (self.maximum is not None and value > self.maximum)
            or (self.choices and value not in self.choices)
        )
        if bad:
            raise errors.invalid_parameter(self.name)
        return value

    def _string(self, raw: str) -> str:
        if self.max_length is not None and len(raw) > self.max_length:
            raise errors.invalid_parameter(self.name)
        if self.pattern is not None and not re.fullmatch(self.pattern, raw):
            raise errors.invalid_parameter(self.name)
        return raw

    def _items(self, values: list[str] | list[int] | list[JsonValue]) -> Value:
        if self.max_items is not None and len(values) > self.max_items:
            raise errors.invalid_parameter(self.name)
        if self.kind is Kind.FLAT_INTEGERS:
            return [self._integer(v) for v in values if isinstance(v, str)]
        if self.kind is Kind.JSON_INTEGERS:
            return [self._bounded(v) for v in values if isinstance(v, int)]
        if self.kind in (Kind.FLAT_STRINGS, Kind.JSON_STRINGS):
            return [self._string(v) for v in values if isinstance(v, str)]
        return values

    def limits(self) -> str:
        """Human-readable limits for the reference page."""
        parts = []
        if self.choices:
            parts.append("one of " + ", ".join(str(c) for c in self.choices))
        if self.minimum is not None and self.maximum is not None:
            parts.append(f"{self.minimum}–{self.maximum}")
        elif self.minimum is not None:
            parts.append(f"≥ {self.minimum}")
        elif self.maximum is not None:
            parts.append(f"≤ {self.maximum}")
        if self.max_length is not None:
            parts.append(f"≤ {self.max_length} characters")
        if self.max_items is not None:
            parts.append(f"≤ {self.max_items} items")
        if self.pattern is not None:
            parts.append(f"matches `{self.pattern}`")
        return "; ".join(parts)


class Args:
    """Validated parameters by wire name, with typed readers (the values were checked by ``Param.parse``)."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Value | None]) -> None:
        self._values = values

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._values.get(name) is not None

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self._values.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else default

    def text(self, name: str, default: str = "") -> str:
        value = self._values.get(name)
        return value if isinstance(value, str) else default

    def flag(self, name: str) -> bool | None:
        value = self._values.get(name)
        return value if isinstance(value, bool) else None

    def time(self, name: str) -> datetime | None:
        value = self._values.get(name)
        return value if isinstance(value, datetime) else None

    def integers(self, name: str) -> list[int]:
        value = self._values.get(name)
        return [v for v in value if isinstance(v, int)] if isinstance(value, list) else []

    def strings(self, name: str) -> list[str]:
        value = self._values.get(name)
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    def objects(self, name: str) -> list[dict[str, JsonValue]]:
        value = self._values.get(name)
        return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


@dataclass(frozen=True, slots=True)
class Call:
    """What a handler works with: the runtime, the authenticated key and this request's id."""

    rt: Runtime
    credential: Credential
    request_id: str


Handler = Callable[[Call, Args], dict[str, object]]


@dataclass(frozen=True, slots=True)
class Operation:
    """One action. ``envelope`` adds 2017-12-14's ``Code``/``Message``/``Success`` around ``Data``."""

    version: str
    action: str
    permission: str
    summary: str
    params: tuple[Param, ...]
    handler: Handler
    response: str
    envelope: bool
    permission_source: str = "Fapiao's choice; not documented upstream"
    notes: tuple[str, ...] = ()
    # Service field names (``bill_cycle``) → wire names, for domain errors raised below the gateway.
    fields: Mapping[str, str] = field(default_factory=dict)

    def parse_args(self, params: Mapping[str, str]) -> Args:
        return Args({p.name: p.parse(params) for p in self.params})

    def wire_field(self, name: str | None) -> str | None:
        return None if name is None else self.fields.get(name, name)


class Catalog:
    """The routing table: ``(version, action)`` → operation, computed once."""

    def __init__(self, operations: Iterable[Operation]) -> None:
        table: dict[tuple[str, str], Operation] = {}
        for op in operations:
            key = (op.version, op.action)
            if key in table:
                raise ValueError(f"{key} declared twice")
            table[key] = op
        self.operations: Mapping[tuple[str, str], Operation] = MappingProxyType(table)
        self.versions = frozenset(version for version, _ in table)

    def resolve(self, version: str, action: str) -> Operation:
        """The operation, or ``InvalidVersion`` (unknown version) / ``InvalidAction.NotFound``."""
        op = self.operations.get((version, action))
        if op is not None:
            return op
        if version not in self.versions:
            raise errors.invalid_version()
        raise errors.action_not_found()

    def ordered(self) -> list[Operation]:
        """Every operation by version, then action (the reference page's order)."""
        return sorted(self.operations.values(), key=lambda op: (op.version, op.action))
