"""A use-case command as a REST request body: its declared limits hold, and the wire adds only strictness
(and examples); a body may leave out the fields its URL carries."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from fapiao.addresses.commands import CreateAddress
from fapiao.applications.commands import FileApplication
from fapiao.domain.titles import TITLE_LIMITS, InvoiceKind
from fapiao.protocols.rest.bodies import as_command, body_of
from fapiao.protocols.rest.schemas import MAX_ID
from fapiao.titles.commands import MAX_ISSUE_TYPE, ChangeTitle
from fapiao.usecases import spec

ADAPTER: TypeAdapter[Any] = TypeAdapter(body_of(FileApplication))


def _refused(body: dict[str, Any]) -> list[Any]:
    return _refused_by(ADAPTER, body)


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


CHANGE_BODY = body_of(ChangeTitle, without=("title_id",), examples={"bank": "招商银行"})
CHANGES: TypeAdapter[Any] = TypeAdapter(CHANGE_BODY)


def test_a_body_without_the_urls_field_makes_the_command_with_it() -> None:
    parsed = CHANGES.validate_python({"bank": "招商银行", "invoice_kind": "special"})
    command = as_command(ChangeTitle, parsed, title_id=7)
    assert command == ChangeTitle(7, bank="招商银行", invoice_kind=InvoiceKind.SPECIAL)
    assert command.changes() == {"bank": "招商银行", "invoice_kind": "special"}
    assert _refused_by(CHANGES, {"title_id": 7}) == [("title_id",)]  # the URL's, not the body's


def test_a_derived_body_keeps_the_commands_limits_docs_and_gets_the_examples() -> None:
    assert _refused_by(CHANGES, {"default_remark": "x" * (TITLE_LIMITS["default_remark"] + 1)}) == [("default_remark",)]
    assert _refused_by(CHANGES, {"issue_type": MAX_ISSUE_TYPE + 1}) == [("issue_type",)]
    schema = CHANGES.json_schema()
    assert "title_id" not in schema["properties"] and "required" not in schema
    bank = schema["properties"]["bank"]
    assert bank["description"] == spec.field_of(ChangeTitle, "bank").doc and bank["examples"] == ["招商银行"]
    assert body_of(ChangeTitle, without=("title_id",), examples={"bank": "招商银行"}) is CHANGE_BODY


def test_a_commands_pattern_holds_in_its_body() -> None:
    address = TypeAdapter(body_of(CreateAddress))
    base = {"addressee": "张三", "phone": "18588888888", "province": "浙江省", "city": "杭州市", "street": "文一西路"}
    assert as_command(CreateAddress, address.validate_python({**base, "postal_code": "311121"})).postal_code == "311121"
    assert as_command(CreateAddress, address.validate_python(base)).postal_code == ""
    assert _refused_by(address, {**base, "postal_code": "31112"}) == [("postal_code",)]


def test_a_misnamed_field_is_a_declaration_error() -> None:
    with pytest.raises(KeyError, match="ChangeTitle declares no field"):
        body_of(ChangeTitle, without=("id",))


def _refused_by(adapter: TypeAdapter[Any], body: dict[str, Any]) -> list[Any]:
    with pytest.raises(ValidationError) as refused:
        adapter.validate_python(body)
    return [error["loc"] for error in refused.value.errors()]
