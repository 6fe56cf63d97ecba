"""Rendering of RPC answers: success documents and the ``{RequestId, HostId, Code, Message, Recommend}``
error document.

JSON is what every current client asks for; XML exists only for an explicit ``Format=XML`` (reachable through
the core SDK's deprecated ``do_action()``). XML follows the Alibaba RPC convention: the success root is
``<{Action}Response>`` and the error root is ``<Error>``; a dict becomes nested elements, a list repeats its
own element name once per item (so ``{"CustomerInvoice": [a, b]}`` → two ``<CustomerInvoice>``), ``None`` is
omitted, booleans are ``true``/``false``. Floats are refused in both formats: money is integer cents (2017) or
``"12.50"`` strings (2023), and a float would silently round.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NoReturn
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from fapiao.protocols.aliyun.errors import RpcError

JSON_CONTENT_TYPE = "application/json;charset=utf-8"
# The current SDK parses XML errors only with exactly this content type [reference §6.4].
XML_CONTENT_TYPE = "text/xml;charset=utf-8"
XML_DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>"
DEFAULT_HOST_ID = "business.aliyuncs.com"
ERROR_ROOT = "Error"
_XML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*", re.ASCII)


class Format(StrEnum):
    """Response format; ``Format`` is compared case-insensitively (tea sends ``json``, core ``JSON``)."""

    JSON = "JSON"
    XML = "XML"

    @classmethod
    def parse(cls, value: str | None) -> Format:
        """``XML`` (any case) → XML; anything else, including absence, → JSON."""
        return cls.XML if value is not None and value.upper() == "XML" else cls.JSON


@dataclass(frozen=True, slots=True)
class Rendered:
    """A complete HTTP answer for the web layer to send as is."""

    status: int
    body: bytes
    content_type: str
    headers: Mapping[str, str] = field(default_factory=dict)


def new_request_id() -> str:
    """Upper-case UUID4, the real gateway's RequestId shape (``BBEF51A3-E933-4F40-A534-C673CBDB9C80``)."""
    return str(uuid.uuid4()).upper()


def recommend_url(code: str, request_id: str) -> str:
    """The troubleshooting link the real gateway puts in ``Recommend`` (ignored by every SDK)."""
    query = urlencode({"q": code, "product": "BssOpenApi", "requestId": request_id})
    return f"https://api.aliyun.com/troubleshoot?{query}"


def success_document(data: Mapping[str, object], request_id: str) -> dict[str, object]:
    """``RequestId`` first, then the operation's fields (a ``RequestId`` inside ``data`` is replaced)."""
    return {"RequestId": request_id, **{k: v for k, v in data.items() if k != "RequestId"}}


def error_document(error: RpcError, request_id: str, host_id: str = DEFAULT_HOST_ID) -> dict[str, object]:
    """The exact key set the SDKs read (``Code``/``Message``/``RequestId``) plus ``HostId``, ``Recommend``."""
    recommend = error.recommend if error.recommend is not None else recommend_url(error.code, request_id)
    document: dict[str, object] = {
        "RequestId": request_id,
        "HostId": host_id,
        "Code": error.code,
        "Message": error.message,
        "Recommend": recommend,
    }
    if error.access_denied_detail is not None:
        document["AccessDeniedDetail"] = dict(error.access_denied_detail)
    return document


def _reject_floats(value: object) -> NoReturn:
    raise TypeError(f"cannot render {type(value).__name__} {value!r}; use int cents or a decimal string")


def to_json(document: Mapping[str, object]) -> bytes:
    """Compact UTF-8 JSON with non-ASCII kept (``示例``, not ``\\u793a``)."""
    _check_no_floats(document)
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=_reject_floats).encode()


_SCALARS = frozenset({str, int, bool, type(None)})


def _check_no_floats(document: object) -> None:
    """Money never leaves as a float; walked without recursion, as every response passes through here."""
    pending = [document]
    while pending:
        value = pending.pop()
        if type(value) in _SCALARS:
            continue
        if isinstance(value, float):
            _reject_floats(value)
        elif isinstance(value, Mapping):
            pending.extend(value.values())
        elif isinstance(value, list | tuple):
            pending.extend(value)


def _append(parent: ET.Element, name: str, value: object) -> None:
    if value is None:
        return
    if isinstance(value, list | tuple):
        for item in value:
            _append(parent, name, item)
        return
    if not _XML_NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a usable XML element name")
    element = ET.SubElement(parent, name)
    if isinstance(value, Mapping):
        for key, item in value.items():
            _append(element, str(key), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif isinstance(value, int | str):
        element.text = str(value)
    else:
        _reject_floats(value)


def to_xml(document: Mapping[str, object], root: str) -> bytes:
    """``<?xml …?><root>…</root>`` in UTF-8, elements in document order."""
    if not _XML_NAME.fullmatch(root):
        raise ValueError(f"{root!r} is not a usable XML element name")
    element = ET.Element(root)
    for key, value in document.items():
        _append(element, key, value)
    return (XML_DECLARATION + ET.tostring(element, encoding="unicode")).encode("utf-8")


def render_success(data: Mapping[str, object], *, action: str, request_id: str, fmt: Format = Format.JSON) -> Rendered:
    """HTTP 200 with the success document; XML root ``<{action}Response>``."""
    document = success_document(data, request_id)
    if fmt is Format.XML:
        return Rendered(200, to_xml(document, f"{action}Response"), XML_CONTENT_TYPE)
    return Rendered(200, to_json(document), JSON_CONTENT_TYPE)


def render_error(
    error: RpcError, *, request_id: str, host_id: str = DEFAULT_HOST_ID, fmt: Format = Format.JSON
) -> Rendered:
    """The error's status and headers (``x-acs-retry-after`` for throttling) with the error document."""
    document = error_document(error, request_id, host_id)
    headers = error.response_headers()
    if fmt is Format.XML:
        return Rendered(error.status, to_xml(document, ERROR_ROOT), XML_CONTENT_TYPE, headers)
    return Rendered(error.status, to_json(document), JSON_CONTENT_TYPE, headers)
