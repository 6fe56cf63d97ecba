"""Alibaba Cloud RPC requests built by hand, for tests that need the raw wire (a header of their own, a source
address, a request the SDKs would not send)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from fapiao.protocols.aliyun import signing


def v1_query(
    key_id: str, secret: str, action: str = "QueryInvoicingCustomerList", *, method: str = "GET", **extra: str
) -> dict[str, str]:
    """A v1-signed query, signed like the SDKs sign (their requests are pinned in test_real_clients_signing)."""
    params = {
        "Action": action,
        "Version": "2017-12-14",
        "Format": "JSON",
        "AccessKeyId": key_id,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": secrets.token_hex(16),
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **extra,
    }
    params["Signature"] = signing.v1_signature(signing.v1_string_to_sign(method, params), secret)
    return params
