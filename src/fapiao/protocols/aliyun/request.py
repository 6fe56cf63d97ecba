"""Framework-agnostic parsing of an RPC request into what routing, signing and the operations read.

Rules (reference aliyun-rpc.md §1.3–1.4):
- query and body are decoded as ``application/x-www-form-urlencoded`` (``+`` = space, UTF-8), since each
  transport encodes differently; signing re-canonicalises from the decoded values;
- a body is form data only if it is non-empty *and* form-typed (async tea sends an empty
  ``application/octet-stream`` body); other bodies (JSON, octet-stream) are kept raw, for the v3 body hash;
- ``params`` = query, then form fields, a form field replacing a query field of the same name: both SDK
  signers build exactly that dict, so the signature and the operation see the same values. A name repeated
  inside the query (or inside the body) is ambiguous and rejected with ``InvalidParameter``;
- v3 (``Authorization: ACS3-…``) takes Action/Version from ``x-acs-action``/``x-acs-version`` only; v1 and
  unsigned requests from the ``Action``/``Version`` parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import unquote_plus

from fapiao.protocols.aliyun import errors
from fapiao.protocols.aliyun.envelope import Format
from fapiao.protocols.aliyun.headers import HeaderInput, HeaderMap
from fapiao.protocols.aliyun.params import bool_param, flat_list, json_list, parse_bool
from fapiao.protocols.aliyun.signing import Scheme, detect_scheme

__all__ = [
    "FORM_CONTENT_TYPE",
    "MAX_FIELDS",
    "RpcRequest",
    "bool_param",
    "decode_form",
    "flat_list",
    "json_list",
    "parse_bool",
    "parse_request",
]

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
ALLOWED_METHODS = frozenset({"GET", "POST"})
# Far above any BSS action (ApplyInvoice with a long SelectedIds list); bounds work per request.
MAX_FIELDS = 2000


@dataclass(frozen=True, slots=True)
class RpcRequest:
    """A decoded RPC request; ``scheme`` None = unsigned (``signing.credentials`` rejects it)."""

    method: str
    path: str
    headers: HeaderMap
    query: Mapping[str, str]
    form: Mapping[str, str]
    params: Mapping[str, str]
    body: bytes
    content_type: str
    format: Format
    scheme: Scheme | None
    action: str | None
    version: str | None

    def route(self) -> tuple[str, str]:
        """``(version, action)`` for the routing table; ``UnsupportedHTTPMethod`` / ``MissingParameter``."""
        if self.method not in ALLOWED_METHODS:
            raise errors.unsupported_http_method()
        v3 = self.scheme is Scheme.V3
        if not self.action:
            raise errors.missing_parameter("x-acs-action" if v3 else "Action")
        if not self.version:
            raise errors.missing_parameter("x-acs-version" if v3 else "Version")
        return self.version, self.action


def decode_form(raw: bytes | str) -> dict[str, str]:
    """Decode ``k=v&…`` (``+`` = space, percent-escapes as UTF-8) into a dict.

    Undecodable UTF-8 or a repeated name → ``InvalidParameter`` naming the field; more than ``MAX_FIELDS``
    fields → ``InvalidParameter`` naming ``QueryString``.
    """
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise errors.invalid_parameter("QueryString") from None
    # Split at most 2 × MAX_FIELDS times, so a body of a million separators costs no more than a legal one;
    # that many separators (empty pieces are skipped) is refused like too many fields.
    split = text.split("&", 2 * MAX_FIELDS)
    pieces = [piece for piece in split if piece]
    if len(split) > 2 * MAX_FIELDS or len(pieces) > MAX_FIELDS:
        raise errors.invalid_parameter("QueryString")
    fields: dict[str, str] = {}
    for piece in pieces:
        raw_key, _, raw_value = piece.partition("=")
        try:
            key = unquote_plus(raw_key, errors="strict")
            value = unquote_plus(raw_value, errors="strict")
        except UnicodeDecodeError:
            raise errors.invalid_parameter(raw_key) from None
        if key in fields:
            raise errors.invalid_parameter(key)
        fields[key] = value
    return fields


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def parse_request(
    method: str,
    query_string: bytes | str,
    headers: HeaderInput,
    body: bytes = b"",
    *,
    path: str = "/",
    content_type: str | None = None,
) -> RpcRequest:
    """Decode one request; ``content_type`` defaults to the ``Content-Type`` header.

    Raises ``RpcError`` only for undecodable input (render it as JSON: the format is unknown then).
    """
    header_map = headers if isinstance(headers, HeaderMap) else HeaderMap(headers)
    media_type = _media_type(content_type if content_type is not None else header_map.get("content-type"))
    query = decode_form(query_string)
    form = decode_form(body) if body and media_type == FORM_CONTENT_TYPE else {}
    params = {**query, **form}
    try:
        scheme: Scheme | None = detect_scheme(header_map, params)
    except errors.RpcError:
        scheme = None
    if scheme is Scheme.V3:
        action, version = header_map.get("x-acs-action"), header_map.get("x-acs-version")
    else:
        action, version = params.get("Action"), params.get("Version")
    return RpcRequest(
        method=method.upper(),
        path=path or "/",
        headers=header_map,
        query=MappingProxyType(query),
        form=MappingProxyType(form),
        params=MappingProxyType(params),
        body=body,
        content_type=media_type,
        format=Format.parse(params.get("Format")),
        scheme=scheme,
        action=action or None,
        version=version or None,
    )
