"""Server-side TOP request signatures (reference §2).

The canonical string is ``name1value1name2value2…`` over every received parameter except ``sign``, sorted by
name, using the decoded values. Empty values are included: both Python clients send and sign ``ex_info=``.
File parts never reach this module (the request parser keeps them apart), which is how TOP excludes them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from enum import StrEnum


class SignMethod(StrEnum):
    MD5 = "md5"
    HMAC = "hmac"  # HMAC-MD5
    HMAC_SHA256 = "hmac-sha256"


def parse_sign_method(value: str | None) -> SignMethod | None:
    """The method named by ``sign_method``, or None when it is absent or not one TOP knows."""
    try:
        return SignMethod(value) if value is not None else None
    except ValueError:
        return None


def canonical_string(params: Mapping[str, str]) -> str:
    # Python orders str by code point, which equals the UTF-8 byte order TOP specifies.
    return "".join(f"{name}{params[name]}" for name in sorted(params) if name != "sign")


def compute_sign(params: Mapping[str, str], secret: str, method: SignMethod) -> str:
    """Upper-case hex digest of the canonical string, as a client computes it."""
    message = canonical_string(params).encode("utf-8")
    key = secret.encode("utf-8")
    if method is SignMethod.MD5:
        digest = hashlib.md5(key + message + key, usedforsecurity=False).hexdigest()
    elif method is SignMethod.HMAC:
        digest = hmac.new(key, message, hashlib.md5).hexdigest()
    else:
        digest = hmac.new(key, message, hashlib.sha256).hexdigest()
    return digest.upper()


def verify_sign(params: Mapping[str, str], secret: str, method: SignMethod) -> bool:
    """Check ``params["sign"]`` case-insensitively and in constant time."""
    received = params.get("sign", "").upper().encode("utf-8")
    return hmac.compare_digest(compute_sign(params, secret, method).encode("ascii"), received)
