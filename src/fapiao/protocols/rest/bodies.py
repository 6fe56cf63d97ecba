"""Use-case commands as REST request bodies, as declared: pydantic reads the commands' ``Annotated`` limits.

A body is a dataclass with the command's fields (less those the URL carries, such as a ``title_id``), their
types, limits, defaults and ``Doc`` texts; ``as_command`` turns a parsed body, plus the URL's values, into the
command. Three things are added for the wire, not to the commands: unknown fields are refused (a misspelt
``amount_fen`` must not file for the default amount), the stores' rules that ``spec.check`` applies to every
command are pydantic's too (``spec.storable_everywhere``: a 20-digit id or a NUL in a text is a 400 as the body
is parsed, never a database error), and the OpenAPI document may show examples.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from pydantic import ConfigDict, Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from fapiao.usecases import spec

C = TypeVar("C")


def body_of(
    command: type[Any],
    *,
    without: tuple[str, ...] = (),
    examples: Mapping[str, object] | None = None,
    names: Mapping[str, str] | None = None,
) -> type[Any]:
    """The request body of ``command``: its fields but ``without`` (given by the URL), documented by their
    ``Doc`` and these ``examples``; ``names`` gives a field the wire name an API published before the command
    (``{"is_default": "default"}``). The same arguments give the same type (one OpenAPI component)."""
    key = (command, without, tuple((examples or {}).items()), tuple((names or {}).items()))
    if key not in _BODIES:
        _BODIES[key] = _body(*key)
    return _BODIES[key]


def as_command(command: type[C], body: object, **given: object) -> C:
    """The plain command a parsed body stands for, with ``given`` (the URL's values) for the fields it lacks;
    services and idempotency fingerprints never see a wire type."""
    if isinstance(body, type) or not dataclasses.is_dataclass(body):
        raise TypeError(f"not a parsed body: {body!r}")
    values = {f.name: getattr(body, f.name) for f in dataclasses.fields(body)}
    return command(**values, **given)


_Pairs = tuple[tuple[str, Any], ...]
_BODIES: dict[tuple[type[Any], tuple[str, ...], _Pairs, _Pairs], type[Any]] = {}


def _body(command: type[Any], without: tuple[str, ...], examples: _Pairs, names: _Pairs) -> type[Any]:
    declared = spec.fields_of(command)
    unknown = (set(without) | {name for name, _ in examples} | {name for name, _ in names}) - set(declared)
    if unknown:
        raise KeyError(f"{command.__name__} declares no field {sorted(unknown)}")
    hints = typing.get_type_hints(command, include_extras=True)
    wire = dict(names)
    fields = [
        (
            f.name,
            Annotated[hints[f.name], Field(alias=wire[f.name])] if f.name in wire else hints[f.name],
            dataclasses.field(default=f.default, default_factory=f.default_factory),
        )
        for f in dataclasses.fields(command)
        if f.name not in without
    ]
    docs = {wire.get(name, name): field.doc for name, field in declared.items() if field.doc and name not in without}
    examples = tuple((wire.get(name, name), example) for name, example in examples)

    def core_schema(cls: type[Any], source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        stored: CoreSchema = spec.storable_everywhere(handler(source))
        return stored

    def json_schema(cls: type[Any], schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        document = handler.resolve_ref_schema(handler(schema))
        properties = document.get("properties", {})
        for name, text in docs.items():
            properties.get(name, {}).setdefault("description", text)
        for name, example in examples:
            properties.get(name, {}).setdefault("examples", [example])
        return document

    namespace = {
        "__doc__": command.__doc__,
        "__pydantic_config__": ConfigDict(extra="forbid"),
        "__get_pydantic_core_schema__": classmethod(core_schema),
        "__get_pydantic_json_schema__": classmethod(json_schema),
    }
    body = dataclasses.make_dataclass(command.__name__, fields, namespace=namespace, frozen=True)
    body.__module__, body.__qualname__ = command.__module__, command.__qualname__
    return body
