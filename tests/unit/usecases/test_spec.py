"""``spec.Pattern`` holds wherever a command is read: ``spec.check`` and pydantic (so REST bodies) alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import pytest
from pydantic import TypeAdapter, ValidationError

from fapiao.domain.errors import ValidationFailed
from fapiao.usecases import spec
from fapiao.usecases.spec import Doc, Pattern


@dataclass(frozen=True)
class Mail:
    postal_code: Annotated[str, Pattern(r"[0-9]{6}"), Doc("Six digits.")]
    area: Annotated[str | None, Pattern(r"[0-9]{3}|")] = None


ADAPTER: TypeAdapter[Mail] = TypeAdapter(Mail)


@pytest.mark.parametrize("value", ["12345", "1234567", "x123456", "123456\n", "12 456"])
def test_pydantic_refuses_what_check_refuses(value: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        spec.check(Mail(value))
    assert refused.value.field == "postal_code"
    with pytest.raises(ValidationError) as invalid:
        ADAPTER.validate_python({"postal_code": value})
    assert [e["loc"] for e in invalid.value.errors()] == [("postal_code",)]


def test_a_matching_value_and_an_absent_optional_one_pass_both() -> None:
    for body in (
        {"postal_code": "311121"},
        {"postal_code": "311121", "area": "571"},
        {"postal_code": "311121", "area": ""},
    ):
        command = ADAPTER.validate_python(body)
        spec.check(command)
    with pytest.raises(ValidationError):
        ADAPTER.validate_python({"postal_code": "311121", "area": "5710"})


def test_the_json_schema_documents_the_full_match() -> None:
    properties = ADAPTER.json_schema()["properties"]
    assert properties["postal_code"]["pattern"] == "^(?:[0-9]{6})$"
    assert {"type": "string", "pattern": "^(?:[0-9]{3}|)$"} in properties["area"]["anyOf"]


def test_a_pattern_on_a_number_is_a_declaration_error() -> None:
    @dataclass(frozen=True)
    class Wrong:
        count: Annotated[int, Pattern("[0-9]+")]

    with pytest.raises(TypeError, match="Pattern applies to text"):
        TypeAdapter(Wrong)


def test_fields_of_reports_the_pattern_in_words() -> None:
    field: Any = spec.field_of(Mail, "postal_code")
    assert field.pattern == "[0-9]{6}" and field.limits() == "matches `[0-9]{6}`"
