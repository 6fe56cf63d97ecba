"""Use cases declared once: a command is a frozen dataclass whose fields carry their limits and their doc.

The limits are ``annotated_types`` constraints (``MaxLen(500)``, ``Ge(1)``), the vocabulary pydantic reads too,
so one declaration drives every adapter: the REST API takes the command as its request body (pydantic validates
it and writes the OpenAPI schema), the Alibaba Cloud and TOP catalogs read the same limits through
``fields_of`` for their parameter checks and reference pages, and ``check`` enforces them for callers that
build commands themselves (the CLI, the demo, tests). Field names are domain names; each protocol's catalog maps
its wire names onto them.

Two rules hold for every field without being declared on each, because they are the stores' rather than a use
case's: an integer is one a 64-bit column holds (a field kept in a 32-bit column declares ``Le(MAX_INT32)``),
and text holds no character a store cannot keep (``storable``).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

import annotated_types as at

from fapiao.domain.errors import ValidationFailed

if TYPE_CHECKING:  # pydantic calls the hooks below; this module does not need it to run
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema

MAX_INT64 = 2**63 - 1  # BIGINT: ids, amounts in fen, user ids
MIN_INT64 = -(2**63)
MAX_INT32 = 2**31 - 1  # INTEGER columns (issue types, cycles, process ways, statuses)
MIN_INT32 = -(2**31)

# PostgreSQL refuses NUL in text, and neither driver can encode a lone surrogate (a JSON "\ud800" escape
# decodes to one). SQLite would keep a NUL, so it is refused on both stores: they hold the same texts.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_TEXT = "contains a character no store keeps (NUL or a lone surrogate)"


def storable(text: str) -> bool:
    """Whether both stores can keep ``text`` as it is."""
    return _UNSTORABLE.search(text) is None


def check_storable(text: str) -> str:
    """``text``, or ``ValueError`` (which pydantic reports as a validation error) when a store cannot keep it."""
    if not storable(text):
        raise ValueError(UNSTORABLE_TEXT)
    return text


@dataclass(frozen=True, slots=True)
class StoredText:
    """pydantic metadata for text that is not a command field (a REST path or query parameter): refuse what
    ``storable`` refuses, as a validation error of that parameter."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(_storable_value, handler(source))


STORED_TEXT = StoredText()


def storable_everywhere(schema: Any) -> Any:
    """A pydantic core schema whose every text refuses what ``storable`` refuses and whose every integer without
    a tighter declared range holds in 64 bits: the stores' rules, for a command pydantic reads (a REST body)."""
    if isinstance(schema, list):
        return [storable_everywhere(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    # What a value serialises to and the schema's metadata are not inputs: left as they are.
    walked = {k: v if k in _NOT_INPUT else storable_everywhere(v) for k, v in schema.items()}
    if walked.get("type") == "int":
        walked.setdefault("le", MAX_INT64)
        walked.setdefault("ge", MIN_INT64)
    if walked.get("type") == "str":
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(_storable_value, walked)
    return walked


_NOT_INPUT = frozenset({"serialization", "metadata"})


def _storable_value(value: Any) -> Any:
    return check_storable(value) if isinstance(value, str) else value


@dataclass(frozen=True, slots=True)
class Doc:
    """What a field means, for every generated reference page."""

    text: str


@dataclass(frozen=True, slots=True)
class Pattern:
    """A regular expression a text field must match in full."""

    regex: str

    @property
    def anchored(self) -> str:
        """The regex for engines that search rather than match in full (pydantic, JSON Schema)."""
        return f"^(?:{self.regex})$"

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        """pydantic skips metadata it does not know: this hook makes it enforce and document the pattern too,
        so a command used as a REST body refuses what ``check`` refuses."""
        schema = handler(source)
        text: Any = schema
        while text.get("type") in ("nullable", "default"):  # ``str | None``, a default value
            text = text["schema"]
        if text.get("type") != "str":
            raise TypeError(f"Pattern applies to text, not to {source!r}")
        text["pattern"] = self.anchored
        return schema


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One command field: its type and limits as every adapter reads them."""

    name: str
    type: Any  # the value type, ``None`` stripped (``int``, ``str``, ``tuple[int, ...]``, an enum)
    required: bool  # no default: every caller must give it
    nullable: bool  # ``None`` is a valid value (absent)
    doc: str = ""
    minimum: int | None = None  # numbers
    maximum: int | None = None
    min_length: int | None = None  # text: characters; sequences: items
    max_length: int | None = None
    pattern: str | None = None

    @property
    def is_sequence(self) -> bool:
        return typing.get_origin(self.type) in (tuple, list)

    @property
    def item_type(self) -> Any:
        args = typing.get_args(self.type)
        return args[0] if args else Any

    @property
    def choices(self) -> tuple[str, ...]:
        """An enum field's values."""
        if isinstance(self.type, type) and issubclass(self.type, enum.Enum):
            return tuple(str(member.value) for member in self.type)
        return ()

    def check(self, value: object) -> None:
        """``ValidationFailed`` naming this field when ``value`` breaks a limit or a store's rule."""
        if value is None:
            if not self.nullable:
                raise ValidationFailed(f"{self.name} is required", field=self.name)
            return
        if isinstance(value, int | str | tuple | list):
            self._check_bounds(value)
        problem = _unkeepable(value)
        if problem is not None:
            raise ValidationFailed(f"{self.name} {problem}", field=self.name)

    def _check_bounds(self, value: int | str | tuple[object, ...] | list[object]) -> None:
        if isinstance(value, int) and not isinstance(value, bool):
            if self.minimum is not None and value < self.minimum:
                raise ValidationFailed(f"{self.name} must be at least {self.minimum}", field=self.name)
            if self.maximum is not None and value > self.maximum:
                raise ValidationFailed(f"{self.name} must be at most {self.maximum}", field=self.name)
            return
        if isinstance(value, int):
            return
        size = len(value)
        unit = "characters" if isinstance(value, str) else "items"
        if self.min_length is not None and size < self.min_length:
            raise ValidationFailed(f"{self.name} needs at least {self.min_length} {unit}", field=self.name)
        if self.max_length is not None and size > self.max_length:
            raise ValidationFailed(f"{self.name} has more than {self.max_length} {unit}", field=self.name)
        if isinstance(value, str) and self.pattern is not None and not re.fullmatch(self.pattern, value):
            raise ValidationFailed(f"{self.name} does not match {self.pattern}", field=self.name)

    def limits(self) -> str:
        """The limits in words, for reference pages."""
        parts: list[str] = []
        if self.choices:
            parts.append("one of " + ", ".join(f"`{c}`" for c in self.choices))
        if self.minimum is not None and self.maximum is not None:
            parts.append(f"{self.minimum}–{self.maximum}")
        elif self.minimum is not None:
            parts.append(f"≥ {self.minimum}")
        elif self.maximum is not None:
            parts.append(f"≤ {self.maximum}")
        unit = "items" if self.is_sequence else "characters"
        if self.min_length is not None and self.max_length is not None:
            parts.append(f"{self.min_length}–{self.max_length} {unit}")
        elif self.max_length is not None:
            parts.append(f"≤ {self.max_length} {unit}")
        elif self.min_length is not None:
            parts.append(f"≥ {self.min_length} {unit}")
        if self.pattern is not None:
            parts.append(f"matches `{self.pattern}`")
        return "; ".join(parts)


def _unkeepable(value: object) -> str | None:
    """What in ``value`` a store cannot keep, looking into items, mappings and nested records (a provider's
    ``details`` are a record of texts); None when it can keep all of it."""
    if isinstance(value, str):
        return None if storable(value) else UNSTORABLE_TEXT
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if MIN_INT64 <= value <= MAX_INT64 else "is beyond what a 64-bit integer holds"
    if isinstance(value, Mapping):
        parts: list[object] = [*value.keys(), *value.values()]
    elif isinstance(value, tuple | list | set | frozenset):
        parts = list(value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        parts = [getattr(value, f.name) for f in dataclasses.fields(value)]
    else:
        return None
    return next((problem for part in parts if (problem := _unkeepable(part)) is not None), None)


def fields_of(command_type: type[Any]) -> Mapping[str, FieldSpec]:
    """The declared fields of a command (or result) dataclass, by domain name, in declaration order."""
    return _fields_of(typing.cast(Any, command_type))


@functools.cache
def _fields_of(command_type: Any) -> Mapping[str, FieldSpec]:
    hints = typing.get_type_hints(command_type, include_extras=True)
    specs: dict[str, FieldSpec] = {}
    for declared in dataclasses.fields(command_type):
        specs[declared.name] = _spec(declared, hints[declared.name])
    return types.MappingProxyType(specs)


def field_of(command_type: type[Any], name: str) -> FieldSpec:
    try:
        return fields_of(command_type)[name]
    except KeyError:
        raise KeyError(f"{command_type.__name__} declares no field {name!r}") from None


def check(command: object) -> None:
    """Enforce a command's declared limits (adapters that parse with the catalogs or pydantic already did)."""
    for name, spec in fields_of(type(command)).items():
        spec.check(getattr(command, name))


def _spec(declared: dataclasses.Field[Any], hint: Any) -> FieldSpec:
    metadata: tuple[Any, ...] = ()
    if typing.get_origin(hint) is typing.Annotated:
        hint, *extras = typing.get_args(hint)
        metadata = tuple(extras)
    value_type, nullable = _strip_none(hint)
    required = declared.default is dataclasses.MISSING and declared.default_factory is dataclasses.MISSING
    limits: dict[str, Any] = {}
    for item in _flatten(metadata):
        if isinstance(item, Doc):
            limits["doc"] = item.text
        elif isinstance(item, Pattern):
            limits["pattern"] = item.regex
        elif isinstance(item, at.Ge):
            limits["minimum"] = item.ge
        elif isinstance(item, at.Gt):
            limits["minimum"] = int(typing.cast(int, item.gt)) + 1
        elif isinstance(item, at.Le):
            limits["maximum"] = item.le
        elif isinstance(item, at.Lt):
            limits["maximum"] = int(typing.cast(int, item.lt)) - 1
        elif isinstance(item, at.MinLen):
            limits["min_length"] = item.min_length
        elif isinstance(item, at.MaxLen):
            limits["max_length"] = item.max_length
    return FieldSpec(declared.name, value_type, required, nullable, **limits)


def _flatten(metadata: tuple[Any, ...]) -> list[Any]:
    """``Interval``/``Len`` group several constraints; annotated-types unpacks them itself."""
    flat: list[Any] = []
    for item in metadata:
        if isinstance(item, at.GroupedMetadata):
            flat.extend(item)
        else:
            flat.append(item)
    return flat


def _strip_none(hint: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) < len(typing.get_args(hint)):
            return (args[0] if len(args) == 1 else Union[tuple(args)]), True  # noqa: UP007
    return hint, False
