"""TOP response envelopes: one field model rendered as JSON, simplified JSON or XML (reference §3, §4.1).

A response is a mapping of field name to value, in the order TOP emits it. List fields are wrapped in
``ListOf`` so the renderer knows the item-type layer (``user_invoice_item_d_t_o``) that plain JSON and XML
add and ``simplify=true`` drops. Amounts are strings on this wire; floats and Decimals are refused so a number
can never silently change form.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeAlias

from fapiao.protocols.top.errors import TopError
from fapiao.protocols.top.timestamps import format_gmt8

XML_DECLARATION = '<?xml version="1.0" encoding="utf-8" ?>'
ERROR_ROOT = "error_response"


class Format(StrEnum):
    XML = "xml"  # TOP's default when ``format`` is absent
    JSON = "json"


@dataclass(frozen=True)
class ListOf:
    """A list field: ``item_tag`` is the layer TOP inserts between the field and its items."""

    item_tag: str
    items: Sequence[Value]

    @classmethod
    def of_type(cls, type_name: str, items: Sequence[Value]) -> ListOf:
        """Build from the documented element type, e.g. ``ListOf.of_type("UserInvoiceItemDTO", rows)``."""
        return cls(list_layer_name(type_name), items)


Value: TypeAlias = "str | int | bool | datetime | ListOf | Mapping[str, Value] | None"


@dataclass(frozen=True)
class Rendered:
    body: bytes
    media_type: str


def list_layer_name(type_name: str) -> str:
    """``UserInvoiceItemDTO`` → ``user_invoice_item_d_t_o``, ``String[]`` → ``string`` (per capital)."""
    name = type_name.removesuffix("[]")
    return re.sub(r"[A-Z]", lambda m: "_" + m.group().lower(), name).lstrip("_")


def response_root(method: str) -> str:
    """``alibaba.einvoice.invoiceapply.get`` → ``alibaba_einvoice_invoiceapply_get_response``."""
    return method.removeprefix("taobao.").replace(".", "_") + "_response"


def new_request_id() -> str:
    """12–13 lowercase base-36 characters, like ``r4lu3uaf87g2``."""
    number = 36**11 + secrets.randbelow(2**64 - 36**11)
    digits = ""
    while number:
        number, rest = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[rest] + digits
    return digits


def requested_format(params: Mapping[str, str]) -> Format:
    """Lenient format for rendering an error before (or because) ``format`` was validated."""
    return Format.JSON if params.get("format", "").lower() == Format.JSON else Format.XML


def render_success(
    method: str, fields: Mapping[str, Value], *, fmt: Format, simplify: bool, request_id: str
) -> Rendered:
    """``{"<root>": {fields…, "request_id"}}``; ``simplify`` (JSON only) drops the root and list layers."""
    body = {**fields, "request_id": request_id}
    if fmt is Format.JSON:
        data = _json_value(body, simplify)
        return _json(data if simplify else {response_root(method): data})
    return _xml(response_root(method), body)


def render_error(error: TopError, *, fmt: Format, request_id: str) -> Rendered:
    """``error_response`` with code, msg, [sub_code], [sub_msg], request_id; ``simplify`` never changes it."""
    fields: dict[str, Value] = {
        "code": error.code,
        "msg": error.msg,
        "sub_code": error.sub_code,
        "sub_msg": error.sub_msg,
        "request_id": request_id,
    }
    if fmt is Format.JSON:
        return _json({ERROR_ROOT: _json_value(fields, simplify=False)})
    return _xml(ERROR_ROOT, fields)


# --- JSON -------------------------------------------------------------------------------------------------


def _json(data: object) -> Rendered:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Rendered(text.encode("utf-8"), "application/json;charset=UTF-8")


def _json_value(value: Value, simplify: bool) -> object:
    if isinstance(value, ListOf):
        items = [_json_value(_list_item(item), simplify) for item in value.items]
        return items if simplify else {value.item_tag: items}
    if isinstance(value, Mapping):
        return {key: _json_value(child, simplify) for key, child in value.items() if child is not None}
    return _scalar(value) if isinstance(value, datetime) else _check_scalar(value)


# --- XML --------------------------------------------------------------------------------------------------
# A small writer instead of xml.etree: ElementTree leaves '"' unescaped in text, TOP writes &quot; (the TMC
# consume doc shows it inside <content>), and ElementTree's own declaration uses single quotes.

_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not representable in XML 1.0


def _xml(root: str, fields: Mapping[str, Value]) -> Rendered:
    out = [XML_DECLARATION]
    _xml_element(root, fields, out)
    return Rendered("".join(out).encode("utf-8"), "text/xml;charset=UTF-8")


def _xml_element(tag: str, value: Value, out: list[str]) -> None:
    if value is None:
        return
    out.append(f"<{tag}>")
    if isinstance(value, ListOf):
        for item in value.items:
            _xml_element(value.item_tag, _list_item(item), out)
    elif isinstance(value, Mapping):
        for key, child in value.items():
            _xml_element(key, child, out)
    else:
        out.append(_XML_ILLEGAL.sub("", _scalar(value)).translate(_XML_ESCAPES))
    out.append(f"</{tag}>")


# --- scalars ----------------------------------------------------------------------------------------------


def _list_item(item: Value) -> Value:
    if isinstance(item, ListOf) or item is None:
        raise TypeError("TOP lists hold objects or scalars, not nested lists or nulls")
    return item


def _check_scalar(value: Value) -> str | int | bool:
    if isinstance(value, str | int):  # bool is an int
        return value
    raise TypeError(f"unsupported TOP value {value!r}: amounts travel as strings such as '250.00'")


def _scalar(value: Value) -> str:
    """Text form shared by XML and JSON dates: booleans ``true``/``false``, dates GMT+8."""
    if isinstance(value, datetime):
        return format_gmt8(value)
    checked = _check_scalar(value)
    if isinstance(checked, bool):
        return "true" if checked else "false"
    return str(checked)
