"""Framework-agnostic parsing of a ``/router/rest`` request into decoded parameters (reference §1.1, §1.5).

Clients split parameters differently (py-taobao-open: common ones in the query, business ones in the body;
taobaopy: all in the body), so the query, a urlencoded body and multipart fields are merged into one map.
That one map is what gets signed, checked and used, so no component can read a different copy.

Precedence when a name repeats (the reference is silent): the later occurrence wins, the body after the
query. This matches py-taobao-open, the one client that can repeat a name: it signs its business value
(sent in the body) over a same-named system value (sent in the query).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import unquote_to_bytes

from python_multipart.multipart import MultipartParser, parse_options_header

from fapiao.protocols.top.errors import Code, TopError, platform_error

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

DEFAULT_CHARSET = "utf-8"
# Parameters per request, query and body together: far above any TOP method (a few each), and the RPC
# gateway's cap (aliyun.request.MAX_FIELDS). Counted before decoding, so a body of a million parameters costs
# a scan for separators, not a million decodes.
MAX_PARAMS = 2000
# Declared charset (lower-case, ``_`` as ``-``) → the codec that decodes it.
CHARSETS = {"utf-8": "utf-8", "utf8": "utf-8", "gbk": "gbk", "cp936": "gbk", "gb2312": "gbk"}


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class ParsedRequest:
    params: Mapping[str, str]  # text parameters: signed and validated
    files: Mapping[str, UploadedFile] = field(default_factory=dict)  # file parts: never signed


def parse_request(http_method: str, query_string: bytes | str, content_type: str | None, body: bytes) -> ParsedRequest:
    """Merge query and body parameters; raise ``TopError`` 9 for other verbs, 43 for an undecodable body.

    ``query_string`` is the raw, still percent-encoded query: bytes as ASGI gives it, or a str (its latin-1
    view, as in Starlette's ``url.query``). The body is read only for POST, as a servlet container does. Its
    charset comes from the Content-Type (a multipart part may name its own) and defaults to UTF-8; the query
    is always UTF-8. Bytes that do not decode are refused rather than replaced, so a signature is never
    checked against text the client did not send.
    """
    if http_method not in ("GET", "POST"):  # TOP demands the upper-case verbs
        raise platform_error(Code.HTTP_ACTION_NOT_ALLOWED)
    raw_query = query_string if isinstance(query_string, bytes) else _query_bytes(query_string)
    _check_count(raw_query.count(b"&") + 1)
    params = _decode_urlencoded(raw_query, DEFAULT_CHARSET)
    files: dict[str, UploadedFile] = {}
    if http_method == "POST" and body:
        media_type, options = parse_options_header(content_type)
        if media_type == b"application/x-www-form-urlencoded":
            _check_count(len(params) + body.count(b"&") + 1)
            params.update(_decode_urlencoded(body, _charset(options.get(b"charset"), DEFAULT_CHARSET)))
        elif media_type == b"multipart/form-data":
            boundary = options.get(b"boundary")
            if boundary:  # each part opens with its delimiter; one more closes the body
                _check_count(len(params) + body.count(b"--" + boundary) - 1)
            charset = _charset(options.get(b"charset"), DEFAULT_CHARSET)
            fields, files = _parse_multipart(body, boundary, charset)
            params.update(fields)
    return ParsedRequest(params, files)


def _check_count(count: int) -> None:
    """43 for more than ``MAX_PARAMS`` parameters (empty pieces such as ``a=1&&b=2`` count too)."""
    if count > MAX_PARAMS:
        raise _bad_body(f"more than {MAX_PARAMS} parameters")


def _query_bytes(query: str) -> bytes:
    try:
        return query.encode("latin-1")
    except UnicodeEncodeError:  # already-decoded text from some framework
        return query.encode("utf-8")


def _bad_body(reason: str) -> TopError:
    return platform_error(Code.PARAMETER_ERROR, sub_msg=reason)


def _charset(raw: bytes | None, default: str) -> str:
    """The codec a declared charset names, if it is one TOP clients send; else 43.

    Only UTF-8 (every client) and GBK (older Chinese clients; GB2312 is its subset) are accepted. Python knows
    many more codecs, and some are not charsets at all: ``punycode``, ``idna`` and ``unicode_escape`` raise
    errors other than ``UnicodeDecodeError`` or turn escapes into NUL and lone surrogates.
    """
    if raw is None:
        return default
    name = raw.decode("latin-1")
    codec = CHARSETS.get(name.strip().lower().replace("_", "-"))
    if codec is None:
        raise _bad_body(f"unknown charset {name[:40]!r}: UTF-8 or GBK")
    return codec


def _decode(raw: bytes, charset: str, what: str) -> str:
    try:
        return raw.decode(charset)
    except UnicodeDecodeError:
        raise _bad_body(f"{what} not valid {charset}") from None


def _decode_urlencoded(raw: bytes, charset: str) -> dict[str, str]:
    # Not urllib's parse_qsl: it rejects raw (not percent-encoded) non-ASCII bytes when given bytes.
    params: dict[str, str] = {}
    for pair in raw.split(b"&"):
        if not pair:
            continue
        name, _, value = pair.partition(b"=")
        params[_unquote(name, charset)] = _unquote(value, charset)
    return params


def _unquote(raw: bytes, charset: str) -> str:
    return _decode(unquote_to_bytes(raw.replace(b"+", b" ")), charset, "parameters are")


class _PartCollector:
    """Callbacks for python-multipart's streaming parser, gathering each part's headers and bytes."""

    def __init__(self) -> None:
        self.parts: list[tuple[dict[str, str], bytearray]] = []
        self.ended = False
        self._field = bytearray()
        self._value = bytearray()

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": lambda: self.parts.append(({}, bytearray())),
            "on_header_field": lambda data, start, end: self._field.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self._value.extend(data[start:end]),
            "on_header_end": self._header_end,
            "on_part_data": lambda data, start, end: self.parts[-1][1].extend(data[start:end]),
            "on_end": self._end,
        }

    def _header_end(self) -> None:
        self.parts[-1][0][self._field.decode("latin-1").lower()] = self._value.decode("latin-1")
        self._field.clear()
        self._value.clear()

    def _end(self) -> None:
        self.ended = True


def _parse_multipart(
    body: bytes, boundary: bytes | None, charset: str
) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    if not boundary:
        raise _bad_body("multipart body without a boundary")
    collector = _PartCollector()
    try:
        parser = MultipartParser(boundary, collector.callbacks())
        parser.write(body)
        parser.finalize()
    except ValueError as exc:  # python-multipart's errors derive from ValueError
        raise _bad_body(f"malformed multipart body: {exc}") from None
    if not collector.ended:
        raise _bad_body("truncated multipart body")
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    for headers, data in collector.parts:
        # Only the options matter: the official SDK writes ``Content-Disposition: file; name=…; filename=…``
        # where browsers write ``form-data``. A part with a filename is a file, and files are never signed.
        _, options = parse_options_header(headers.get("content-disposition"))
        name = _decode(options.get(b"name", b""), charset, "a part name is")
        part_type, part_options = parse_options_header(headers.get("content-type"))
        if b"filename" in options:
            filename = _decode(options[b"filename"], charset, "a file name is")
            files[name] = UploadedFile(filename, part_type.decode("latin-1"), bytes(data))
            continue
        fields[name] = _decode(bytes(data), _charset(part_options.get(b"charset"), charset), f"field {name!r} is")
    return fields, files
