"""A command's declared limits, as every adapter reads them (``fields_of``) and as ``check`` enforces them:
the error names the domain field, and the limits read the same in words on the reference pages."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Annotated

import annotated_types as at
import pytest

from fapiao.domain.errors import ValidationFailed
from fapiao.usecases import spec
from fapiao.usecases.spec import Doc, Pattern


class Colour(enum.StrEnum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True)
class Order:
    title_id: Annotated[int, at.Gt(0), Doc("the title")]
    item_ids: Annotated[tuple[int, ...], at.Len(1, 3)]
    remark: Annotated[str, at.MaxLen(5)] = ""
    code: Annotated[str | None, at.MinLen(2), Pattern("[A-Z]+")] = None
    amount_fen: Annotated[int | None, at.Interval(ge=1, lt=1000)] = None
    colour: Colour = Colour.RED
    tags: tuple[str, ...] = field(default_factory=tuple)


def test_fields_are_read_in_declaration_order_with_their_limits() -> None:
    fields = spec.fields_of(Order)
    assert list(fields) == ["title_id", "item_ids", "remark", "code", "amount_fen", "colour", "tags"]
    title, items, code, amount = fields["title_id"], fields["item_ids"], fields["code"], fields["amount_fen"]
    assert (title.type, title.required, title.nullable, title.minimum, title.doc) == (int, True, False, 1, "the title")
    assert (items.is_sequence, items.item_type, items.min_length, items.max_length) == (True, int, 1, 3)
    assert (code.type, code.nullable, code.required, code.pattern) == (str, True, False, "[A-Z]+")
    assert (amount.minimum, amount.maximum) == (1, 999)
    assert fields["colour"].choices == ("red", "blue") and fields["tags"].required is False


def test_limits_in_words() -> None:
    fields = spec.fields_of(Order)
    assert fields["title_id"].limits() == "≥ 1"
    assert fields["item_ids"].limits() == "1–3 items"
    assert fields["remark"].limits() == "≤ 5 characters"
    assert fields["code"].limits() == "≥ 2 characters; matches `[A-Z]+`"
    assert fields["amount_fen"].limits() == "1–999"
    assert fields["colour"].limits() == "one of `red`, `blue`"


def test_a_valid_command_passes() -> None:
    spec.check(Order(title_id=1, item_ids=(1, 2), remark="ok", code="AB", amount_fen=999))


@pytest.mark.parametrize(
    ("order", "field_name", "words"),
    [
        (Order(title_id=0, item_ids=(1,)), "title_id", "must be at least 1"),
        (Order(title_id=1, item_ids=()), "item_ids", "needs at least 1 items"),
        (Order(title_id=1, item_ids=(1, 2, 3, 4)), "item_ids", "has more than 3 items"),
        (Order(title_id=1, item_ids=(1,), remark="toolong"), "remark", "has more than 5 characters"),
        (Order(title_id=1, item_ids=(1,), code="A"), "code", "needs at least 2 characters"),
        (Order(title_id=1, item_ids=(1,), code="ab"), "code", "does not match"),
        (Order(title_id=1, item_ids=(1,), amount_fen=1000), "amount_fen", "must be at most 999"),
        (Order(title_id=None, item_ids=(1,)), "title_id", "is required"),  # type: ignore[arg-type]
    ],
)
def test_a_broken_limit_names_the_domain_field(order: Order, field_name: str, words: str) -> None:
    with pytest.raises(ValidationFailed, match=words) as caught:
        spec.check(order)
    assert caught.value.field == field_name


def test_an_undeclared_field_is_a_programming_error() -> None:
    assert spec.field_of(Order, "remark").max_length == 5
    with pytest.raises(KeyError, match="Order declares no field 'nope'"):
        spec.field_of(Order, "nope")


# --- the stores' rules, undeclared: every adapter refuses the same text and integers -------------------------


@dataclass(frozen=True)
class Details:
    message: str = ""


@dataclass(frozen=True)
class Note:
    text: str = ""
    tags: tuple[str, ...] = ()
    count: int = 0
    details: Details = field(default_factory=Details)
    extra: dict[str, str] = field(default_factory=dict)


@pytest.mark.parametrize(
    ("note", "field_name"),
    [
        (Note(text="a\x00b"), "text"),  # PostgreSQL refuses it; SQLite would keep it
        (Note(text="a\ud800"), "text"),  # a lone surrogate (a JSON "\ud800" escape): no driver encodes it
        (Note(tags=("ok", "\udfff")), "tags"),
        (Note(details=Details("\x00")), "details"),
        (Note(extra={"k\x00": "v"}), "extra"),
        (Note(count=spec.MAX_INT64 + 1), "count"),
        (Note(count=spec.MIN_INT64 - 1), "count"),
    ],
)
def test_what_no_store_keeps_is_refused_naming_the_field(note: Note, field_name: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        spec.check(note)
    assert caught.value.field == field_name


def test_what_every_store_keeps_passes() -> None:
    spec.check(Note("发票 \t\n\x7f \U0001f600", ("a",), spec.MAX_INT64, Details("ok"), {"k": "v"}))
    spec.check(Note(count=spec.MIN_INT64))
    assert spec.storable("\ue000\uffff") and not spec.storable("\x00")


def test_text_outside_commands_takes_the_rule_as_pydantic_metadata() -> None:
    from pydantic import TypeAdapter, ValidationError

    adapter: TypeAdapter[str] = TypeAdapter(Annotated[str, spec.STORED_TEXT])
    assert adapter.validate_python("ok") == "ok"
    for bad in ("\x00", "a\ud800"):
        with pytest.raises(ValidationError, match="no store keeps"):
            adapter.validate_python(bad)
