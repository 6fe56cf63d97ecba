"""JSON text from clients, parsed with bounds: nesting depth is checked before the parser runs.

The standard parser recurses once per nested array or object, so ``[[[[…`` a few thousand levels deep
raises ``RecursionError`` (or worse, with a raised recursion limit). The parsers at hand have no depth
setting (orjson's fixed cap is 1024 levels and it cannot read numbers as ``Decimal``), so a linear scan
written here counts the depth first: one pass over the text, strings skipped, nothing allocated.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

MAX_DEPTH = 32  # far beyond any document a wire parameter carries (two levels: a list of objects)


class JsonTextError(ValueError):
    """The text is not JSON, or nests deeper than allowed."""


def depth_of(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text`` (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def loads(text: str, *, max_depth: int = MAX_DEPTH, parse_float: Callable[[str], Any] | None = None) -> Any:
    """``json.loads`` for untrusted text: ``JsonTextError`` for anything that is not JSON within
    ``max_depth`` levels, including ``NaN``/``Infinity`` and integers beyond Python's digit limit."""
    if depth_of(text) > max_depth:
        raise JsonTextError(f"JSON nested deeper than {max_depth} levels")
    try:
        return json.loads(text, parse_float=parse_float, parse_constant=_reject_constant)
    except ValueError as exc:  # JSONDecodeError, and the int-digits limit's plain ValueError
        raise JsonTextError(str(exc)) from None


def _reject_constant(constant: str) -> object:
    raise ValueError(f"{constant} is not JSON")
