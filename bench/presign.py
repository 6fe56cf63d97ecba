"""Pre-signed requests: every request carries a fresh nonce and a current timestamp, signed before the timed
window so that the load generator (wrk) only replays bytes.

The requests are byte-for-byte what the real clients send (see ``src/fapiao/protocols/aliyun/NOTES.md`` and
``src/fapiao/protocols/top/NOTES.md``): the tea SDK for v3, the tea SDK with ``signature_algorithm='v2'`` for
v1, py-taobao-open for TOP md5, botocore SigV4 for moto's STS. Signatures come from Fapiao's own signing code
(``fapiao.protocols.aliyun.signing``, ``fapiao.protocols.top.signing``), which the test suite pins against the
real SDKs.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from fapiao.protocols.aliyun.headers import HeaderMap
from fapiao.protocols.aliyun.signing import (
    EMPTY_BODY_SHA256,
    V3_ALGORITHM,
    v1_signature,
    v1_string_to_sign,
    v3_canonical_request,
    v3_signature,
    v3_string_to_sign,
)
from fapiao.protocols.top.signing import SignMethod, compute_sign

TEA_USER_AGENT = "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2"
TOP_USER_AGENT = "Python-urllib/3.11"
BSS_2017 = "2017-12-14"


@dataclass(frozen=True, slots=True)
class RawRequest:
    """One HTTP/1.1 request, ready to be written to a socket as is."""

    method: str
    target: str  # path + query
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""

    def encode(self, host: str) -> bytes:
        lines = [f"{self.method} {self.target} HTTP/1.1", f"Host: {host}"]
        lines += [f"{k}: {v}" for k, v in self.headers if k.lower() != "host"]
        if self.body or self.method == "POST":
            lines.append(f"Content-Length: {len(self.body)}")
        head = "\r\n".join(lines) + "\r\n\r\n"
        return head.encode("latin-1") + self.body


Signer = Callable[[str], RawRequest]  # host → a freshly signed request


def _nonce() -> str:
    return secrets.token_hex(16)  # 32 lower-case hex, as the SDKs send


def _acs_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _form(params: Mapping[str, str]) -> str:
    """``requests``-style query encoding (space ``+``, ``~`` literal), as the sync tea transport sends."""
    return urlencode(params, quote_via=quote, safe="~")


# --- Alibaba Cloud RPC ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AliyunKey:
    access_key_id: str
    secret: str


def aliyun_v3(key: AliyunKey, action: str, params: Mapping[str, str], version: str = BSS_2017) -> Signer:
    """The generated tea client's default: ``POST /?<params>`` with an ACS3-HMAC-SHA256 ``Authorization``."""
    query = _form(params)
    target = f"/?{query}" if query else "/"

    def sign(host: str) -> RawRequest:
        headers = [
            ("accept", "application/json"),
            ("host", host),
            ("user-agent", TEA_USER_AGENT),
            ("x-acs-action", action),
            ("x-acs-content-sha256", EMPTY_BODY_SHA256),
            ("x-acs-credentials-provider", "static_ak"),
            ("x-acs-date", _acs_now()),
            ("x-acs-signature-nonce", _nonce()),
            ("x-acs-version", version),
        ]
        signed = tuple(name for name, _ in headers)
        canonical = v3_canonical_request("POST", "/", params, HeaderMap(headers), signed, EMPTY_BODY_SHA256)
        signature = v3_signature(v3_string_to_sign(canonical), key.secret)
        authorization = (
            f"{V3_ALGORITHM} Credential={key.access_key_id},SignedHeaders={';'.join(signed)},Signature={signature}"
        )
        return RawRequest("POST", target, (*headers, ("authorization", authorization)))

    return sign


def aliyun_v1(key: AliyunKey, action: str, params: Mapping[str, str], version: str = BSS_2017) -> Signer:
    """The tea client with ``signature_algorithm='v2'``: everything (``Signature`` last) in the query."""

    def sign(host: str) -> RawRequest:
        signed = {
            **params,
            "AccessKeyId": key.access_key_id,
            "Action": action,
            "Format": "json",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": _nonce(),
            "SignatureVersion": "1.0",
            "Timestamp": _acs_now(),
            "Version": version,
        }
        signed["Signature"] = v1_signature(v1_string_to_sign("POST", signed), key.secret)
        headers = (("host", host), ("user-agent", TEA_USER_AGENT), ("x-acs-action", action))
        return RawRequest("POST", f"/?{_form(signed)}", headers)

    return sign


# --- Taobao Open Platform ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TopApp:
    app_key: str
    secret: str
    session: str | None


def top_md5(app: TopApp, method: str, business: Mapping[str, str] | Callable[[], Mapping[str, str]]) -> Signer:
    """py-taobao-open: system parameters (``sign`` included) in the query, business ones in a form body.

    ``business`` may be a callable, for calls that need other parameters each time (a write moving a
    different application per request).
    """

    def sign(host: str) -> RawRequest:
        fields = business() if callable(business) else business
        body = _form(fields).encode()
        system = {
            "format": "json",
            "app_key": app.app_key,
            "sign_method": "md5",
            "v": "2.0",
            "timestamp": str(time.time_ns() // 1_000_000),
            "partner_id": "tbk-sdk-python-20220112",
            "method": method,
        }
        if app.session:
            system["session"] = app.session
        system["sign"] = compute_sign({**system, **fields}, app.secret, SignMethod.MD5)
        headers = (
            ("Content-type", "application/x-www-form-urlencoded;charset=UTF-8"),
            ("Cache-Control", "no-cache"),
            ("Connection", "Keep-Alive"),
            ("User-Agent", TOP_USER_AGENT),
        )
        return RawRequest("POST", f"/router/rest?{_form(system)}", headers, body)

    return sign


# --- peers and baselines -------------------------------------------------------------------------------------


def sts_get_caller_identity(access_key_id: str = "AKIDBENCHMARK", secret: str = "bench-secret") -> Signer:  # noqa: S107
    """botocore's SigV4-signed ``sts:GetCallerIdentity`` (form body), as boto3 sends it."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    credentials = Credentials(access_key_id, secret)
    body = "Action=GetCallerIdentity&Version=2011-06-15"

    def sign(host: str) -> RawRequest:
        request = AWSRequest(
            method="POST",
            url=f"http://{host}/",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        SigV4Auth(credentials, "sts", "us-east-1").add_auth(request)
        headers = tuple((k, str(v)) for k, v in request.headers.items())
        return RawRequest("POST", "/", headers, body.encode())

    return sign


def plain_post(path: str = "/") -> Signer:
    """An unsigned request: the bare-framework baseline has nothing to verify."""

    def sign(host: str) -> RawRequest:
        return RawRequest("POST", path, (("accept", "application/json"), ("user-agent", TEA_USER_AGENT)))

    return sign


def presign(signer: Signer, host: str, count: int) -> Iterator[bytes]:
    """``count`` freshly signed requests, encoded."""
    for _ in range(count):
        yield signer(host).encode(host)
