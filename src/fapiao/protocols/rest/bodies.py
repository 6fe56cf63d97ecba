"""Use-case commands as REST request bodies, as declared: pydantic reads the commands' ``Annotated`` limits.

Two things are added for the wire, not to the commands: unknown fields are refused (a misspelt
``amount_fen`` must not file for the default amount), and every integer is kept within what the stores hold,
so a 20-digit id is a 400 rather than a database overflow. The fields' ``Doc`` texts describe the body in the
OpenAPI document.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, TypeVar

from pydantic import ConfigDict, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from fapiao.protocols.rest.schemas import MAX_ID
from fapiao.usecases import spec

C = TypeVar("C")


@functools.cache
def body_of(command: type[C]) -> type[C]:
    """``command`` as a request body type; its values are instances of ``command`` (see ``as_command``)."""
    docs = {name: field.doc for name, field in spec.fields_of(command).items() if field.doc}

    def core_schema(cls: type[Any], source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        schema = handler(source)
        _bound_integers(schema)
        return schema

    def json_schema(cls: type[Any], schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        document = handler.resolve_ref_schema(handler(schema))
        for name, text in docs.items():
            document.get("properties", {}).get(name, {}).setdefault("description", text)
        return document

    namespace = {
        "__module__": command.__module__,
        "__qualname__": command.__qualname__,
        "__doc__": command.__doc__,
        "__pydantic_config__": ConfigDict(extra="forbid"),
        "__get_pydantic_core_schema__": classmethod(core_schema),
        "__get_pydantic_json_schema__": classmethod(json_schema),
    }
    body = type(command.__name__, (command,), namespace)
    return dataclasses.dataclass(frozen=True)(body)


def as_command(command: type[C], body: C) -> C:
    """The plain command a parsed body stands for (services and fingerprints see no wire type)."""
    return command(**{f.name: getattr(body, f.name) for f in dataclasses.fields(command)})  # type: ignore[arg-type]


def _bound_integers(schema: Any) -> None:
    """Give every integer of a pydantic core schema the stores' range, unless it declares a tighter one."""
    if isinstance(schema, dict):
        if schema.get("type") == "int":
            schema.setdefault("le", MAX_ID)
            schema.setdefault("ge", -MAX_ID)
        for value in schema.values():
            _bound_integers(value)
    elif isinstance(schema, list):
        for value in schema:
            _bound_integers(value)
