"""The account commands declare their limits once: the spec, and pydantic (REST bodies), read the same ones."""

from __future__ import annotations

import pydantic
import pytest

from fapiao.accounts.commands import MAX_POLICY_DOCUMENT_LENGTH, AttachPolicy, CreateAccount, CreateRamUser
from fapiao.domain.errors import ValidationFailed
from fapiao.usecases import spec


def test_the_spec_reads_rams_limits() -> None:
    assert spec.field_of(AttachPolicy, "document").max_length == MAX_POLICY_DOCUMENT_LENGTH == 6144
    name = spec.field_of(CreateRamUser, "name")
    assert (name.min_length, name.max_length, name.required) == (1, 64, True)
    assert "matches" in name.limits()
    nick, user_id = spec.field_of(CreateAccount, "user_nick"), spec.field_of(CreateAccount, "user_id")
    assert (nick.max_length, user_id.minimum, user_id.maximum, user_id.nullable) == (64, 1, 2**63 - 1, True)


@pytest.mark.parametrize("name", ["ops", "billing.bot_1-x@shop", "记账员", "a" * 64])
def test_ram_user_names_that_pass(name: str) -> None:
    spec.check(CreateRamUser(1, name))


@pytest.mark.parametrize("name", ["", "a b", "a/b", "a" * 65, "bot!"])
def test_ram_user_names_that_fail(name: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        spec.check(CreateRamUser(1, name))
    assert refused.value.field == "name"


def test_pydantic_enforces_the_same_lengths() -> None:
    adapter = pydantic.TypeAdapter(AttachPolicy)
    too_long = {"user_id": 1, "ram_user": "bot", "policy_name": "p", "document": "x" * 6145}
    with pytest.raises(pydantic.ValidationError) as refused:
        adapter.validate_python(too_long)
    assert refused.value.errors()[0]["loc"] == ("document",)
    assert adapter.validate_python({**too_long, "document": "{}"}).document == "{}"
