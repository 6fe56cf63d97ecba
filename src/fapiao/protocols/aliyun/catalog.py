"""The operation catalog: each BssOpenApi action declared once — its wire parameters mapped onto a
command's fields, its RAM permission, its handler and its response.

Everything else is derived from the declaration: parameter validation with the command's own limits
(``MissingParameter`` / ``InvalidParameter`` naming the wire key, so no handler re-checks a type or a limit),
the wire name of a domain error's field, the RAM check in the pipeline, the routing table (a dict built once
at import, never a per-request scan) and the reference page ``docs/aliyun-api.md`` (``fapiao docs aliyun``).
"""

from __future__ import annotations

import dataclasses
import enum
import re
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import annotated_types as at

from fapiao.domain.clock import china_to_utc_naive
from fapiao.domain.errors import ValidationFailed
from fapiao.domain.money import yuan_str_to_fen
from fapiao.protocols.aliyun import errors
from fapiao.protocols.aliyun.mapping import WireTable
from fapiao.protocols.aliyun.params import JsonValue, flat_list, json_int_list, json_list, json_str_list, parse_bool
from fapiao.protocols.aliyun.responses import Response
from fapiao.usecases import spec
from fapiao.usecases.spec import FieldSpec, Pattern

if TYPE_CHECKING:
    from fapiao.auth.credentials import Credential
    from fapiao.runtime import Runtime

C = TypeVar("C")
_INTEGER = re.compile(r"-?[0-9]{1,19}")
_ID = re.compile(r"[0-9]{1,18}")
_INT64 = 2**63
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class Kind(StrEnum):
    """How a parameter travels; the value is what the reference page prints as its type."""

    INTEGER = "Long"
    STRING = "String"
    ID_STRING = "String of digits (an id)"
    BOOLEAN = "Boolean (`true`/`false`, any case)"
    TIME = "String `yyyy-MM-dd HH:mm:ss` (China time)"
    AMOUNT = 'String, yuan with ≤ 2 decimals (`"12.50"`)'
    FLAT_STRINGS = "List of String, flattened (`Name.1`, `Name.2`, …)"
    FLAT_INTEGERS = "List of Long, flattened (`Name.1`, `Name.2`, …)"
    JSON_INTEGERS = "JSON array of integers (`[202401,202402]`)"
    JSON_STRINGS = 'JSON array of strings (`["a","b"]`)'
    JSON_ID_STRINGS = 'JSON array of digit strings (`["101","102"]`)'
    JSON_OBJECTS = "JSON array of objects"


Value: TypeAlias = "int | str | bool | datetime | list[int] | list[str] | list[JsonValue]"
_NUMBERS = frozenset({Kind.INTEGER, Kind.AMOUNT, Kind.ID_STRING})
_SEQUENCES = frozenset(
    {
        Kind.FLAT_STRINGS,
        Kind.FLAT_INTEGERS,
        Kind.JSON_INTEGERS,
        Kind.JSON_STRINGS,
        Kind.JSON_ID_STRINGS,
        Kind.JSON_OBJECTS,
    }
)


@dataclass(frozen=True, slots=True)
class Param:
    """One request parameter. ``field`` names the command field it fills (None: a wire-only parameter); the
    limits of a field come from the command (``Operation`` binds them), a Param declares only what the
    command cannot say (a wire format, wire-only parameters). An empty value counts as absent (the SDKs
    omit ``None``)."""

    name: str
    kind: Kind
    doc: str = ""
    field: str | None = None
    required: bool | None = None  # None: as the command field (wire-only: optional)
    wire: WireTable[Any] | None = None  # the field is an enum carried as these integers
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[int, ...] = ()
    max_length: int | None = None  # characters of a text, or of each text in a list
    min_items: int | None = None
    max_items: int | None = None
    pattern: str | None = None  # of a text, or of each text in a list
    members: type[enum.IntEnum] | None = None  # the field's enum, when its wire integers are its values

    def bind(self, spec: FieldSpec | None) -> Param:
        """This parameter with the limits of the command field it fills."""
        if spec is None:
            return self
        limits: dict[str, Any] = {"required": spec.required if self.required is None else self.required}
        limits["doc"] = self.doc or spec.doc
        if self.wire is not None:
            limits["choices"] = self.wire.wire_values
        elif isinstance(spec.type, type) and issubclass(spec.type, enum.IntEnum):
            limits["choices"] = tuple(int(member) for member in spec.type)
            limits["members"] = spec.type
        if self.kind in _NUMBERS:
            limits |= {"minimum": spec.minimum, "maximum": spec.maximum}
        elif self.kind in _SEQUENCES:
            limits |= {"min_items": spec.min_length, "max_items": spec.max_length}
            limits |= _item_limits(spec.item_type)
        elif self.kind is Kind.STRING:
            limits |= {"max_length": spec.max_length, "pattern": spec.pattern}
        taken = {k: v for k, v in limits.items() if v not in (None, ())}
        for name in taken.keys() - {"required", "doc", "members"}:
            if getattr(self, name) not in (None, ()):
                raise ValueError(f"{self.name}: {name} is the command's limit; declare it there, once")
        return dataclasses.replace(self, **taken)

    def parse(self, params: Mapping[str, str]) -> Value | None:
        """The typed value, None when absent; ``MissingParameter`` / ``InvalidParameter`` naming ``name``."""
        required = bool(self.required)
        if self.kind in (Kind.FLAT_STRINGS, Kind.FLAT_INTEGERS):
            return self._items(flat_list(params, self.name, required=required))
        raw = params.get(self.name, "")
        if raw == "":
            if required:
                raise errors.missing_parameter(self.name)
            return None
        if self.kind is Kind.JSON_INTEGERS:
            return self._items(json_int_list(params, self.name, required=required))
        if self.kind in (Kind.JSON_STRINGS, Kind.JSON_ID_STRINGS):
            return self._items(json_str_list(params, self.name, required=required))
        if self.kind is Kind.JSON_OBJECTS:
            values = json_list(params, self.name, required=required)
            if not all(isinstance(v, dict) for v in values):
                raise errors.invalid_parameter(self.name)
            return self._items(values)
        return self._scalar(raw)

    def _scalar(self, raw: str) -> Value:
        if self.kind is Kind.BOOLEAN:
            return parse_bool(raw, name=self.name)
        if self.kind is Kind.INTEGER:
            return self._integer(raw)
        if self.kind is Kind.ID_STRING:
            return self._bounded(self._id(raw))
        if self.kind is Kind.TIME:
            try:
                return china_to_utc_naive(datetime.strptime(raw, _TIME_FORMAT))
            except (ValueError, OverflowError):  # OverflowError: China time before 0001-01-01 08:00 has no UTC
                raise errors.invalid_parameter(self.name) from None
        if self.kind is Kind.AMOUNT:
            try:
                return self._bounded(yuan_str_to_fen(raw, self.name))
            except ValidationFailed:
                raise errors.invalid_parameter(self.name) from None
        return self._string(raw)

    def _integer(self, raw: str) -> int:
        if not _INTEGER.fullmatch(raw.strip()):
            raise errors.invalid_parameter(self.name)
        return self._bounded(int(raw))

    def _id(self, raw: str) -> int:
        if not _ID.fullmatch(raw):
            raise errors.invalid_parameter(self.name)
        return int(raw)

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
        if "\x00" in raw:  # text no store keeps (PostgreSQL refuses NUL): refused here, named by its wire key
            raise errors.invalid_parameter(self.name)
        if self.max_length is not None and len(raw) > self.max_length:
            raise errors.invalid_parameter(self.name)
        if self.pattern is not None and not re.fullmatch(self.pattern, raw):
            raise errors.invalid_parameter(self.name)
        return raw

    def _items(self, values: list[str] | list[int] | list[JsonValue]) -> Value:
        if (self.max_items is not None and len(values) > self.max_items) or (
            self.min_items is not None and len(values) < self.min_items
        ):
            raise errors.invalid_parameter(self.name)
        if self.kind is Kind.FLAT_INTEGERS:
            return [self._integer(v) for v in values if isinstance(v, str)]
        if self.kind is Kind.JSON_INTEGERS:
            return [self._bounded(v) for v in values if isinstance(v, int)]
        if self.kind is Kind.JSON_ID_STRINGS:
            return [self._id(v) for v in values if isinstance(v, str)]
        if self.kind in (Kind.FLAT_STRINGS, Kind.JSON_STRINGS):
            return [self._string(v) for v in values if isinstance(v, str)]
        return values

    def to_field(self, value: Value) -> object:
        """The parsed value as the command field holds it: tuples for lists, enum members for enums."""
        if self.wire is not None and isinstance(value, int):
            return self.wire.from_wire(value)
        if self.members is not None and isinstance(value, int):
            return self.members(value)
        if isinstance(value, list):
            return tuple(value)
        return value

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
            parts.append(f"≤ {self.max_length} characters" + (" each" if self.kind in _SEQUENCES else ""))
        if self.min_items is not None:
            parts.append(f"≥ {self.min_items} items")
        if self.max_items is not None:
            parts.append(f"≤ {self.max_items} items")
        if self.pattern is not None:
            parts.append(f"matches `{self.pattern}`" + (" each" if self.kind in _SEQUENCES else ""))
        return "; ".join(parts)


def _item_limits(item_type: Any) -> dict[str, Any]:
    """Per-item limits of a sequence field declared as ``tuple[Annotated[str, MaxLen(32)], ...]``."""
    if typing.get_origin(item_type) is not typing.Annotated:
        return {}
    limits: dict[str, Any] = {}
    for item in typing.get_args(item_type)[1:]:
        if isinstance(item, at.MaxLen):
            limits["max_length"] = item.max_length
        elif isinstance(item, Pattern):
            limits["pattern"] = item.regex
    return limits


class Args:
    """Validated parameters by wire name, with typed readers (the values were checked by ``Param.parse``)."""

    __slots__ = ("_params", "_values")

    def __init__(self, values: Mapping[str, Value | None], params: tuple[Param, ...] = ()) -> None:
        self._values = values
        self._params = params

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._values.get(name) is not None

    def command(self, command_type: type[C], **given: object) -> C:
        """The command the field parameters fill (absent ones keep the command's defaults), plus ``given``."""
        values: dict[str, object] = {}
        for param in self._params:
            value = self._values.get(param.name)
            if param.field is not None and value is not None:
                values[param.field] = param.to_field(value)
        return command_type(**(values | given))

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self._values.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else default

    def text(self, name: str, default: str = "") -> str:
        value = self._values.get(name)
        return value if isinstance(value, str) else default

    def flag(self, name: str) -> bool | None:
        value = self._values.get(name)
        return value if isinstance(value, bool) else None

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


Handler = Callable[[Call, Args], object]


@dataclass(frozen=True)
class Operation:
    """One action: its wire parameters mapped onto ``command``'s fields, its RAM permission, the handler
    that runs the use case and the declared ``response`` it renders. ``envelope`` adds 2017-12-14's
    ``Code``/``Message``/``Success`` around ``Data``."""

    version: str
    action: str
    permission: str
    summary: str
    params: tuple[Param, ...]
    handler: Handler
    response: Response
    envelope: bool
    command: type[Any] | None = None
    permission_source: str = "Fapiao's choice; not documented upstream"
    notes: tuple[str, ...] = ()
    wire_names: Mapping[str, str] = dataclasses.field(init=False, repr=False, compare=False)  # domain → wire

    def __post_init__(self) -> None:
        fields = spec.fields_of(self.command) if self.command is not None else {}
        bound = []
        for param in self.params:
            if param.field is not None and param.field not in fields:
                raise ValueError(f"{self.action}.{param.name}: the command has no field {param.field!r}")
            bound.append(param.bind(fields.get(param.field) if param.field else None))
        object.__setattr__(self, "params", tuple(bound))
        object.__setattr__(self, "wire_names", MappingProxyType({p.field: p.name for p in bound if p.field}))

    def parse_args(self, params: Mapping[str, str]) -> Args:
        return Args({p.name: p.parse(params) for p in self.params}, self.params)

    def run(self, call: Call, params: Mapping[str, str]) -> dict[str, object]:
        """Parse, run the use case, render the declared response."""
        return self.response.render(self.handler(call, self.parse_args(params)))

    def wire_field(self, name: str | None) -> str | None:
        """The wire parameter a domain field arrived in (None: not one of this action's parameters)."""
        return None if name is None else self.wire_names.get(name)


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
