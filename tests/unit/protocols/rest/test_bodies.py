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
from fapiao.providers.commands import CreateProviderApp, RouteAccount
from fapiao.titles.commands import MAX_ISSUE_TYPE, ChangeTitle
from fapiao.usecases import spec
from fapiao.webhooks.commands import CreateEndpoint, RotateSecret

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


def test_a_field_keeps_the_wire_name_it_was_published_under() -> None:
    app = TypeAdapter(body_of(CreateProviderApp, without=("app_key", "app_secret"), names={"is_default": "default"}))
    command = as_command(CreateProviderApp, app.validate_python({"name": "服务商", "default": True}))
    assert command == CreateProviderApp("服务商", is_default=True)
    assert _refused_by(app, {"name": "服务商", "is_default": True}) == [("is_default",)]  # the domain name is not wire
    assert _refused_by(app, {"name": "服务商", "app_secret": "s"}) == [("app_secret",)]  # left out: demo apps only
    properties = app.json_schema()["properties"]
    assert set(properties) == {"name", "default"} and properties["name"]["maxLength"] == 128
    assert properties["default"]["description"] == spec.field_of(CreateProviderApp, "is_default").doc
    with pytest.raises(KeyError, match="CreateProviderApp declares no field"):
        body_of(CreateProviderApp, names={"default": "is_default"})


def test_routing_names_its_app_even_when_it_is_the_default() -> None:
    routing = TypeAdapter(body_of(RouteAccount, without=("user_id",)))
    assert as_command(RouteAccount, routing.validate_python({"app_key": None}), user_id=5) == RouteAccount(5, None)
    assert _refused_by(routing, {}) == [("app_key",)]  # a forgotten field must not undo a rule
    assert _refused_by(routing, {"app_key": "1" * 33}) == [("app_key",)]


def test_webhook_bodies_hold_the_endpoint_limits() -> None:
    create = TypeAdapter(body_of(CreateEndpoint, without=("user_id", "app_key")))
    command = as_command(CreateEndpoint, create.validate_python({"url": "https://example.com/h"}), user_id=3)
    assert command == CreateEndpoint("https://example.com/h", user_id=3)
    assert _refused_by(create, {"url": "https://example.com/h", "event_types": ["*"] * 65}) == [("event_types",)]
    assert _refused_by(create, {"url": "https://example.com/" + "x" * 2048}) == [("url",)]
    assert _refused_by(create, {"url": "https://example.com/h", "user_id": 4}) == [("user_id",)]
    rotation = TypeAdapter(body_of(RotateSecret, without=("endpoint_id",)))
    assert as_command(RotateSecret, rotation.validate_python({}), endpoint_id=2) == RotateSecret(2)
    assert _refused_by(rotation, {"overlap_seconds": 7 * 86400 + 1}) == [("overlap_seconds",)]


@pytest.mark.parametrize("text", ["a\x00b", "\ud800", "ok\udc80"])
def test_text_no_store_keeps_is_refused_in_every_text_field(text: str) -> None:
    """PostgreSQL refuses NUL, SQLite keeps it: the body refuses it on both, in fields and in list items."""
    assert _refused({"title_id": 1, "item_ids": [1], "user_remark": text}) == [("user_remark",)]
    assert _refused({"title_id": 1, "item_ids": [1], "client_token": text}) == [("client_token",)]
    endpoints: TypeAdapter[Any] = TypeAdapter(body_of(CreateEndpoint, without=("user_id", "app_key")))
    assert _refused_by(endpoints, {"url": "https://example.com/", "event_types": [text]}) == [("event_types", 0)]


def test_an_integer_kept_in_a_32_bit_column_is_bounded_to_it() -> None:
    assert _refused({"title_id": 1, "item_ids": [1], "process_way": 2**31}) == [("process_way",)]
    assert ADAPTER.json_schema()["properties"]["process_way"]["maximum"] == 2**31 - 1
