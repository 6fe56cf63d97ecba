"""Readers for the value shapes the SDKs put into RPC parameters.

- 2017-12-14 lists are flattened and 1-based: ``SelectedIds.1=101&SelectedIds.2=102``.
- 2023-09-30 lists are one compact JSON string: ``BillingCycles=[202401,202402]``.
- Booleans arrive as ``True``/``False`` from Python and ``true``/``false`` from other languages.

The SDKs validate nothing client-side, so every malformed value must become ``InvalidParameter`` here,
naming the offending wire key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import TypeAlias

from fapiao.domain import jsontext
from fapiao.protocols.aliyun import errors

_INT = re.compile(r"-?[0-9]+")
_INDEX = re.compile(r"[1-9][0-9]{0,8}")

JsonValue: TypeAlias = "bool | int | Decimal | str | list[JsonValue] | dict[str, JsonValue] | None"


def parse_bool(value: str, *, name: str) -> bool:
    """``true``/``false`` in any case (Python sends ``True``); anything else → ``InvalidParameter``."""
    lowered = value.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise errors.invalid_parameter(name)


def bool_param(params: Mapping[str, str], name: str) -> bool | None:
    """Optional boolean parameter; absent → None."""
    value = params.get(name)
    return None if value is None else parse_bool(value, name=name)


def _flat_index(key: str, prefix: str) -> int:
    digits = key[len(prefix) :]
    # 1-based, decimal, no sign/leading zero/nesting: "SelectedIds.01" or "SelectedIds.1.Key" is garbage.
    if not _INDEX.fullmatch(digits):
        raise errors.invalid_parameter(key)
    return int(digits)


def flat_list(params: Mapping[str, str], name: str, *, required: bool = False) -> list[str]:
    """Values of ``name.1``, ``name.2``, … in index order.

    A bare ``name`` or a malformed index → ``InvalidParameter`` naming the key; a gap (``.1`` and ``.3``)
    → ``MissingParameter`` naming the first missing key; none at all → ``[]`` (or ``MissingParameter``
    ``name`` when ``required``).
    """
    if name in params:
        raise errors.invalid_parameter(name)
    prefix = f"{name}."
    items = sorted((_flat_index(k, prefix), v) for k, v in params.items() if k.startswith(prefix))
    for expected, (index, _) in enumerate(items, start=1):
        if index != expected:
            raise errors.missing_parameter(f"{name}.{expected}")
    if required and not items:
        raise errors.missing_parameter(name)
    return [value for _, value in items]


def json_list(params: Mapping[str, str], name: str, *, required: bool = False) -> list[JsonValue]:
    """The JSON array in ``name`` (numbers with a fraction become ``Decimal``, never float).

    Absent or empty → ``[]`` (or ``MissingParameter`` when ``required``); not a JSON array, or nested deeper
    than ``jsontext.MAX_DEPTH`` → ``InvalidParameter``.
    """
    raw = params.get(name, "")
    if not raw.strip():
        if required:
            raise errors.missing_parameter(name)
        return []
    try:
        value = jsontext.loads(raw, parse_float=Decimal)
    except jsontext.JsonTextError:
        raise errors.invalid_parameter(name) from None
    if not isinstance(value, list):
        raise errors.invalid_parameter(name)
    return value


def json_int_list(params: Mapping[str, str], name: str, *, required: bool = False) -> list[int]:
    """A JSON array of integers (``[202401,202402]``); decimal-digit strings are accepted too."""
    result: list[int] = []
    for item in json_list(params, name, required=required):
        if isinstance(item, int) and not isinstance(item, bool):
            result.append(item)
        elif isinstance(item, str) and _INT.fullmatch(item):
            result.append(int(item))
        else:
            raise errors.invalid_parameter(name)
    return result


def json_str_list(params: Mapping[str, str], name: str, *, required: bool = False) -> list[str]:
    """A JSON array of strings (``["c1","c2"]``); integers are accepted and stringified."""
    result: list[str] = []
    for item in json_list(params, name, required=required):
        if isinstance(item, str):
            result.append(item)
        elif isinstance(item, int) and not isinstance(item, bool):
            result.append(str(item))
        else:
            raise errors.invalid_parameter(name)
    return result
