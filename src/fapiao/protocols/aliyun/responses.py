"""Responses declared as data: each wire field names the view attribute it is read from and how it is
rendered (an enum table of ``mapping.py``, cents or yuan, China time), so the handler's answer and the
reference page's field list come from one declaration."""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from fapiao.domain.clock import format_china
from fapiao.domain.money import fen_to_yuan_str
from fapiao.protocols.aliyun.mapping import WireTable


class Render(enum.Enum):
    """How a view value becomes a wire value; the value is what the reference page prints as its type."""

    INTEGER = "Long"
    TEXT = "String"
    BOOLEAN = "Boolean"
    ID_TEXT = "String (an id)"
    CENTS = "Long, cents"
    YUAN = 'String, yuan (`"250.00"`)'
    TIME = "String `yyyy-MM-dd HH:mm:ss` (China time)"
    YYYYMM = "Integer `YYYYMM`"

    def apply(self, value: Any) -> object:
        if self is Render.ID_TEXT:
            return str(value)
        if self is Render.YUAN:
            return "" if value is None else fen_to_yuan_str(value)
        if self is Render.TIME:
            return format_china(value)
        if self is Render.YYYYMM:
            return int(str(value).replace("-", ""))
        return value


@dataclass(frozen=True, slots=True)
class Out:
    """One response field: wire ``name`` ← the view attribute ``source`` (dotted for nested values)."""

    name: str
    source: str
    render: Render | WireTable[Any] = Render.TEXT
    doc: str = ""
    # How to read and render the value, worked out once: every signed list renders each record per request.
    value: Callable[[object], object] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _reader(operator.attrgetter(self.source), self.render))

    @property
    def type_label(self) -> str:
        if isinstance(self.render, WireTable):
            pairs = ", ".join(f"{wire} {member.value}" for member, wire in self.render.to_wire_table.items())
            return f"Integer: {pairs}"
        return self.render.value


def _reader(read: Callable[[object], Any], render: Render | WireTable[Any]) -> Callable[[object], object]:
    if isinstance(render, WireTable):
        to_wire = render.to_wire
        return lambda view: None if (value := read(view)) is None else to_wire(value)
    if render is Render.YUAN:
        return lambda view: "" if (value := read(view)) is None else fen_to_yuan_str(value)
    if render in (Render.ID_TEXT, Render.TIME, Render.YYYYMM):
        apply = render.apply
        return lambda view: None if (value := read(view)) is None else apply(value)
    return read  # INTEGER, TEXT, BOOLEAN, CENTS: the value as it is


@dataclass(frozen=True, slots=True)
class Const:
    """A field with a fixed value (``Metadata`` ``{}``, ``HostId``)."""

    name: str
    constant: object
    doc: str = ""


@dataclass(frozen=True, slots=True)
class Record:
    """The fields of one listed record. ``drop_none``: absent values are left out, as the real gateway does."""

    fields: tuple[Out, ...]
    drop_none: bool = False

    def render(self, view: object) -> dict[str, object]:
        if self.drop_none:
            return {out.name: value for out in self.fields if (value := out.value(view)) is not None}
        return {out.name: out.value(view) for out in self.fields}


@dataclass(frozen=True, slots=True)
class Items:
    """A list of records at ``path`` (dotted wrappers such as ``EvaluateList.Evaluate``), read from the
    result's ``source`` attribute (empty: the result is the list)."""

    path: str
    record: Record
    source: str = ""
    doc: str = ""

    def render(self, result: object) -> dict[str, object]:
        views: Sequence[object] = getattr(result, self.source) if self.source else result  # type: ignore[assignment]
        value: object = [self.record.render(v) for v in views]
        for name in reversed(self.path.split(".")):
            value = {name: value}
        assert isinstance(value, dict)
        return value


Part = Out | Const | Items


@dataclass(frozen=True, slots=True)
class Response:
    """An action's answer, in wire order; 2017 actions put it under ``Data`` inside their envelope."""

    parts: tuple[Part, ...]

    def render(self, result: object) -> dict[str, object]:
        document: dict[str, object] = {}
        for part in self.parts:
            if isinstance(part, Out):
                document[part.name] = part.value(result)
            elif isinstance(part, Const):
                document[part.name] = part.constant
            else:
                document |= part.render(result)
        return document

    def rows(self) -> Iterator[tuple[str, str, str]]:
        """``(wire path, type, meaning)`` of every field, for the reference page."""
        for part in self.parts:
            if isinstance(part, Out):
                yield part.name, part.type_label, part.doc
            elif isinstance(part, Const):
                yield part.name, f"always `{_literal(part.constant)}`", part.doc
            else:
                yield f"{part.path}[]", "List of records", part.doc
                for out in part.record.fields:
                    yield f"{part.path}[].{out.name}", out.type_label, out.doc


def _literal(value: object) -> str:
    return "{}" if value == {} else str(value)
