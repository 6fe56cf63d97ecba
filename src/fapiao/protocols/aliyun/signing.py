"""Server-side verification of Alibaba Cloud RPC signatures: v1 (HMAC-SHA1) and v3 (ACS3-HMAC-SHA256).

No library verifies these signatures on the server side (the SDKs only sign), so the algorithms of reference
aliyun-rpc.md §2–3 are implemented here with the standard library's ``hmac`` and ``hashlib``.

Everything works on *decoded* parameters: the transports percent-encode differently (``+`` vs ``%20``,
literal ``:``/``/``/``*`` from aiohttp), so the raw query string is never signed; it is re-canonicalised.
Parameters are a ``Mapping[str, str]`` in which a form body's value replaces a query value of the same name:
that is the dict both SDK signers build (``request.parse_request`` produces it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol
from urllib.parse import quote

from fapiao.protocols.aliyun import errors
from fapiao.protocols.aliyun.headers import HeaderMap

V1_SIGNATURE_METHOD = "HMAC-SHA1"
V1_SIGNATURE_VERSION = "1.0"
V3_ALGORITHM = "ACS3-HMAC-SHA256"
V3_PREFIX = "ACS3-"
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()
# Headers a v3 signature must cover, else a request could be replayed elsewhere [reference §3.2, inferred].
V3_REQUIRED_SIGNED_HEADERS = frozenset(
    {"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"}
)
# With a body, its media type must be signed too: the body is covered only by its hash, so an unsigned
# ``content-type`` would let a middlebox switch how the same bytes are read (form fields or raw). Alibaba's v3
# rules ask every common header present to be signed; the official SDKs sign it whenever they send a body.
V3_REQUIRED_WITH_BODY = V3_REQUIRED_SIGNED_HEADERS | {"content-type"}
CLOCK_SKEW = timedelta(minutes=15)
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", re.ASCII)
_CONTROL = re.compile("[\x00-\x1f\x7f]")


class Scheme(StrEnum):
    """Signature scheme, named after the wire (``SignatureVersion=1.0`` / ``ACS3-…``), not the SDK's 'v2'."""

    V1 = "v1"
    V3 = "v3"


@dataclass(frozen=True, slots=True)
class Verdict:
    """Outcome of a verification; ``string_to_sign`` is what the server signed, for the error message."""

    ok: bool
    string_to_sign: str
    reason: str = ""


class SignedRequest(Protocol):
    """What verification needs from a parsed request (``request.RpcRequest`` satisfies it)."""

    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def query(self) -> Mapping[str, str]: ...
    @property
    def params(self) -> Mapping[str, str]: ...
    @property
    def headers(self) -> HeaderMap: ...
    @property
    def body(self) -> bytes: ...


def pct(value: str) -> str:
    """RFC 3986 percent-encoding over UTF-8: only ``A–Z a–z 0–9 - _ . ~`` stay literal, hex upper-case."""
    return quote(value, safe="~", encoding="utf-8", errors="strict")


def _equal(expected: str, sent: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), sent.encode("utf-8"))


# --- v1 --------------------------------------------------------------------------------------------------


def v1_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """``METHOD&%2F&pct(sorted pct(k)=pct(v) joined by &)``, ``Signature`` excluded."""
    canonical = "&".join(f"{pct(k)}={pct(v)}" for k, v in sorted(params.items()) if k != "Signature")
    return f"{method.upper()}&{pct('/')}&{pct(canonical)}"


def v1_signature(string_to_sign: str, secret: str) -> str:
    """Base64 HMAC-SHA1 keyed with ``secret + "&"``."""
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_v1(method: str, params: Mapping[str, str], secret: str) -> Verdict:
    """Check ``params["Signature"]``; raises ``IncompleteSignature`` for another method/version."""
    sent = params.get("Signature")
    if sent is None:
        raise errors.missing_parameter("Signature")
    string_to_sign = v1_string_to_sign(method, params)
    if params.get("SignatureMethod") != V1_SIGNATURE_METHOD or params.get("SignatureVersion") != V1_SIGNATURE_VERSION:
        raise errors.incomplete_signature(string_to_sign)
    ok = _equal(v1_signature(string_to_sign, secret), sent)
    return Verdict(ok, string_to_sign, "" if ok else "signature")


# --- v3 --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class V3Authorization:
    """The parsed ``Authorization: ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`` header."""

    algorithm: str
    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_v3_authorization(value: str) -> V3Authorization:
    """Parse the header; anything missing, repeated or malformed → ``IncompleteSignature``."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != V3_ALGORITHM:
        raise errors.incomplete_signature()
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, eq, field = part.strip().partition("=")
        if not eq or name in fields:
            raise errors.incomplete_signature()
        fields[name] = field.strip()
    credential = fields.get("Credential", "")
    signature = fields.get("Signature", "")
    signed = tuple(h.strip().lower() for h in fields.get("SignedHeaders", "").split(";"))
    if not credential or not signature or not all(signed):
        raise errors.incomplete_signature()
    return V3Authorization(algorithm, credential, signed, signature)


def v3_canonical_query(query: Mapping[str, str]) -> str:
    """Decoded query only (never the body), sorted by key, ``pct(k)=pct(v)`` joined by ``&``."""
    return "&".join(f"{pct(k)}={pct(v)}" for k, v in sorted(query.items()))


def v3_canonical_headers(headers: HeaderMap, signed_headers: tuple[str, ...]) -> str:
    """``name:v1,v2\\n`` per signed header; values stripped and sorted, as the SDK does."""
    lines = []
    for name in signed_headers:
        values = sorted(value.strip() for value in headers.get_all(name))
        lines.append(f"{name}:{','.join(values)}\n")
    return "".join(lines)


def v3_canonical_request(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: HeaderMap,
    signed_headers: tuple[str, ...],
    content_sha256: str,
) -> str:
    """Method, URI, query, headers, an empty line, the signed-header list and the payload hash."""
    return "\n".join(
        (
            method.upper(),
            path or "/",
            v3_canonical_query(query),
            v3_canonical_headers(headers, signed_headers),
            ";".join(signed_headers),
            content_sha256,
        )
    )


def v3_string_to_sign(canonical_request: str, algorithm: str = V3_ALGORITHM) -> str:
    """``ALGORITHM\\n`` + hex SHA-256 of the canonical request."""
    return f"{algorithm}\n{hashlib.sha256(canonical_request.encode('utf-8')).hexdigest()}"


def v3_signature(string_to_sign: str, secret: str) -> str:
    """Lower-case hex HMAC-SHA256 keyed with the bare secret (no ``&``, unlike v1)."""
    return hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def verify_v3(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: HeaderMap,
    body: bytes,
    secret: str,
) -> Verdict:
    """Check the ``Authorization`` header and that ``x-acs-content-sha256`` is the body's real hash.

    Raises ``IncompleteSignature`` when the header is malformed or a required header is not signed/present
    (``content-type`` is required when there is a body).
    A body-hash mismatch is reported like a signature mismatch (reason ``content-sha256``): the body is
    covered by the signature only through that hash.
    """
    auth = parse_v3_authorization(headers.get("authorization") or "")
    content_sha256 = headers.get("x-acs-content-sha256") or ""
    canonical = v3_canonical_request(method, path, query, headers, auth.signed_headers, content_sha256)
    string_to_sign = v3_string_to_sign(canonical, auth.algorithm)
    signed = set(auth.signed_headers)
    required = V3_REQUIRED_WITH_BODY if body else V3_REQUIRED_SIGNED_HEADERS
    if not signed >= required or any(h not in headers for h in required):
        raise errors.incomplete_signature(string_to_sign)
    if not _equal(v3_signature(string_to_sign, secret), auth.signature):
        return Verdict(False, string_to_sign, "signature")
    if not _equal(hashlib.sha256(body).hexdigest(), content_sha256.lower()):
        return Verdict(False, string_to_sign, "content-sha256")
    return Verdict(True, string_to_sign)


# --- scheme detection and credential extraction -----------------------------------------------------------


def detect_scheme(headers: HeaderMap, params: Mapping[str, str]) -> Scheme:
    """v3 iff ``Authorization`` starts with ``ACS3-``; else v1 if a ``Signature`` parameter is present.

    Any ``ACS3-`` prefix counts as v3 so that e.g. ``ACS3-HMAC-SM3`` gets ``IncompleteSignature`` rather than
    a misleading missing-signature error. Unsigned requests → ``MissingParameter`` "Signature".
    """
    if (headers.get("authorization") or "").startswith(V3_PREFIX):
        return Scheme.V3
    if "Signature" in params:
        return Scheme.V1
    raise errors.missing_parameter("Signature")


@dataclass(frozen=True, slots=True)
class Credentials:
    """The signed identity fields, read before the secret is known (to look the key up)."""

    scheme: Scheme
    access_key_id: str
    timestamp: str
    nonce: str
    security_token: str | None


def _required_param(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise errors.missing_parameter(name)
    return value


def _required_header(headers: HeaderMap, name: str) -> str:
    value = headers.get(name)
    if not value:
        raise errors.missing_parameter(name)
    return value


def _nonce(value: str, name: str) -> str:
    """A nonce is stored to detect replays, so it must be text a store keeps: no NUL or other control
    characters (the SDKs send hex or a UUID). Refused as the parameter it came in, before any lookup."""
    if _CONTROL.search(value):
        raise errors.invalid_parameter(name)
    return value


def credentials(request: SignedRequest) -> Credentials:
    """Key id, raw timestamp, nonce and STS token of a signed request.

    v1: ``AccessKeyId``, ``Timestamp``, ``SignatureNonce``, ``SecurityToken`` parameters. v3: the
    ``Credential`` of ``Authorization`` and the ``x-acs-date``, ``x-acs-signature-nonce``,
    ``x-acs-security-token`` headers. Absent → ``MissingParameter``; malformed Authorization →
    ``IncompleteSignature``.
    """
    scheme = detect_scheme(request.headers, request.params)
    if scheme is Scheme.V1:
        params = request.params
        return Credentials(
            scheme,
            _required_param(params, "AccessKeyId"),
            _required_param(params, "Timestamp"),
            _nonce(_required_param(params, "SignatureNonce"), "SignatureNonce"),
            params.get("SecurityToken") or None,
        )
    headers = request.headers
    auth = parse_v3_authorization(headers.get("authorization") or "")
    return Credentials(
        scheme,
        auth.access_key_id,
        _required_header(headers, "x-acs-date"),
        _nonce(_required_header(headers, "x-acs-signature-nonce"), "x-acs-signature-nonce"),
        headers.get("x-acs-security-token") or None,
    )


def access_key_id(request: SignedRequest) -> str:
    """AccessKeyId (v1) or Authorization ``Credential`` (v3)."""
    return credentials(request).access_key_id


def nonce(request: SignedRequest) -> str:
    """``SignatureNonce`` (v1) or ``x-acs-signature-nonce`` (v3)."""
    return credentials(request).nonce


def timestamp(request: SignedRequest) -> datetime:
    """``Timestamp`` (v1) or ``x-acs-date`` (v3), parsed as UTC."""
    return parse_timestamp(credentials(request).timestamp)


def parse_timestamp(value: str) -> datetime:
    """Strict ``YYYY-MM-DDThh:mm:ssZ`` (what the SDKs send) → aware UTC, else ``InvalidTimeStamp.Format``."""
    if not _TIMESTAMP.fullmatch(value):
        raise errors.timestamp_format()
    try:
        return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)  # the pattern matched: no "Z" left
    except ValueError:
        raise errors.timestamp_format() from None


def check_clock_skew(when: datetime, now: datetime, skew: timedelta = CLOCK_SKEW) -> None:
    """``InvalidTimeStamp.Expired`` when ``when`` is more than ``skew`` from ``now``, in either direction."""
    if abs(now - when) > skew:
        raise errors.timestamp_expired()


def verify(request: SignedRequest, secret: str) -> Verdict:
    """Verify with the request's own scheme."""
    if detect_scheme(request.headers, request.params) is Scheme.V3:
        return verify_v3(request.method, request.path, request.query, request.headers, request.body, secret)
    return verify_v1(request.method, request.params, secret)
