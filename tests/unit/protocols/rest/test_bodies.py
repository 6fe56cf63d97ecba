"""A use-case command as a REST request body: its declared limits hold, and the wire adds only strictness."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from fapiao.applications.commands import FileApplication
from fapiao.protocols.rest.bodies import as_command, body_of
from fapiao.protocols.rest.schemas import MAX_ID

ADAPTER: TypeAdapter[Any] = TypeAdapter(body_of(FileApplication))


def _refused(body: dict[str, Any]) -> list[Any]:
    with pytest.raises(ValidationError) as refused:
        ADAPTER.validate_python(body)
    return [error["loc"] for error in refused.value.errors()]


def test_a_valid_body_is_the_plain_command() -> None:
    parsed = ADAPTER.validate_python({"title_id": 3, "item_ids": [1, 2], "user_remark": "PO 7"})
    command = as_command(FileApplication, parsed)
    assert type(command) is FileApplication
    assert command == FileApplication(title_id=3, item_ids=(1, 2), user_remark="PO 7")


def test_the_commands_limits_and_the_stores_range_are_enforced() -> None:
    assert _refused({"title_id": 0, "item_ids": [1]}) == [("title_id",)]
    assert _refused({"title_id": 1, "item_ids": []}) == [("item_ids",)]
    assert _refused({"title_id": 1, "item_ids": [1], "user_remark": "x" * 501}) == [("user_remark",)]
    assert _refused({"title_id": MAX_ID + 1, "item_ids": [1]}) == [("title_id",)]
    assert ("item_ids", 0) in _refused({"title_id": 1, "item_ids": [MAX_ID + 1]})


def test_unknown_fields_are_refused_not_ignored() -> None:
    assert _refused({"title_id": 1, "item_ids": [1], "amount": 100}) == [("amount",)]


def test_the_schema_carries_the_declared_docs_and_limits() -> None:
    schema = ADAPTER.json_schema()
    assert schema["additionalProperties"] is False and schema["title"] == "FileApplication"
    title_id = schema["properties"]["title_id"]
    assert title_id["description"] == "An approved invoice title of the caller."
    assert (title_id["minimum"], title_id["maximum"]) == (1, MAX_ID)
    assert schema["properties"]["user_remark"]["maxLength"] == 500
