"""Client JSON is parsed within bounds: too deep, not JSON or beyond the digit limit is one error, never a
``RecursionError``."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fapiao.domain import jsontext


@pytest.mark.parametrize(
    ("text", "depth"),
    [("1", 0), ("[]", 1), ('[{"a":[1]}]', 3), ('["[[[[", "\\"[["]', 1), ('{"a":"}}}]]]"}', 1)],
)
def test_depth_counts_brackets_outside_strings(text: str, depth: int) -> None:
    assert jsontext.depth_of(text) == depth


def test_documents_within_the_depth_parse_as_json() -> None:
    assert jsontext.loads('[{"a":[1.5]}]', parse_float=Decimal) == [{"a": [Decimal("1.5")]}]
    assert jsontext.loads("[" * jsontext.MAX_DEPTH + "]" * jsontext.MAX_DEPTH) is not None


@pytest.mark.parametrize(
    "text",
    [
        "[" * (jsontext.MAX_DEPTH + 1) + "]" * (jsontext.MAX_DEPTH + 1),
        "[" * 100_000 + "]" * 100_000,  # the standard parser's RecursionError
        '{"a":' * 5000 + "1" + "}" * 5000,
        "[" * 100_000,  # unbalanced too
        "NaN",
        "[Infinity]",
        "9" * 5000,  # beyond Python's integer digit limit: a plain ValueError from the parser
        "not json",
    ],
)
def test_anything_else_is_one_error(text: str) -> None:
    with pytest.raises(jsontext.JsonTextError):
        jsontext.loads(text)
