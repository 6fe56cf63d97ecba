"""Codes, statuses and wording of the gateway errors (reference aliyun-rpc.md §6.3)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fapiao.protocols.aliyun import errors
from fapiao.protocols.aliyun.errors import RpcError


@pytest.mark.parametrize(
    ("make", "code", "status", "message"),
    [
        (
            lambda: errors.missing_parameter("CustomerId"),
            "MissingParameter",
            400,
            'The input parameter "CustomerId" that is mandatory for processing this request is not supplied.',
        ),
        (
            lambda: errors.invalid_parameter("PageSize"),
            "InvalidParameter",
            400,
            'The specified parameter "PageSize" is not valid.',
        ),
        (errors.access_key_not_found, "InvalidAccessKeyId.NotFound", 404, "Specified access key is not found."),
        (
            lambda: errors.signature_does_not_match("GET&%2F&a%3Db"),
            "SignatureDoesNotMatch",
            400,
            "Specified signature is not matched with our calculation. server string to sign is:GET&%2F&a%3Db",
        ),
        (
            errors.incomplete_signature,
            "IncompleteSignature",
            400,
            "The request signature does not conform to Aliyun standards. server string to sign is:",
        ),
        (errors.timestamp_expired, "InvalidTimeStamp.Expired", 400, "Specified time stamp or date value is expired."),
        (
            errors.timestamp_format,
            "InvalidTimeStamp.Format",
            400,
            "Specified time stamp or date value is not well formatted.",
        ),
        (errors.signature_nonce_used, "SignatureNonceUsed", 400, "Specified signature nonce was used already."),
        (errors.throttling_user, "Throttling.User", 400, "Request was denied due to user flow control."),
        (errors.throttling, "Throttling", 400, "Request was denied due to request throttling."),
        (
            errors.action_not_found,
            "InvalidAction.NotFound",
            404,
            "Specified api is not found, please check your url and method.",
        ),
        (errors.invalid_version, "InvalidVersion", 400, "Specified parameter Version is not valid."),
        (errors.unsupported_http_method, "UnsupportedHTTPMethod", 403, "This http method is not supported."),
        (
            errors.internal_error,
            "InternalError",
            500,
            "The request processing has failed due to some unknown error, exception or failure.",
        ),
        (
            errors.service_unavailable,
            "ServiceUnavailable",
            503,
            "The request has failed due to a temporary failure of the server.",
        ),
    ],
)
def test_gateway_error_wording(make: Callable[[], RpcError], code: str, status: int, message: str) -> None:
    error = make()
    assert (error.code, error.status, error.message) == (code, status, message)
    assert error.response_headers() == {}


def test_signature_errors_split_on_colon_like_the_core_sdk() -> None:
    sts = "POST&%2F&AccessKeyId%3DtestAKID"
    assert errors.signature_does_not_match(sts).message.split(":")[1] == sts


def test_throttling_sets_retry_after_header() -> None:
    error = errors.throttling_user(retry_after_ms=1500)
    assert error.response_headers() == {"x-acs-retry-after": "1500"}
    with pytest.raises(ValueError, match="positive"):
        errors.throttling(retry_after_ms=0)


def test_forbidden_ram_names_auth_action() -> None:
    error = errors.forbidden_ram("bss:QueryCustomerInvoiceInfo", principal_owner_id="1234")
    assert (error.code, error.status) == ("Forbidden.RAM", 403)
    assert error.message == (
        "User not authorized to operate on the specified resource, or this API doesn't support RAM."
    )
    assert error.access_denied_detail == {
        "AuthAction": "bss:QueryCustomerInvoiceInfo",
        "PolicyType": "AccountLevelIdentityBasedPolicy",
        "NoPermissionType": "ImplicitDeny",
        "AuthPrincipalType": "SubUser",
        "AuthPrincipalOwnerId": "1234",
    }
    loud = errors.forbidden_ram("bss:ApplyInvoice", no_permission_type="ExplicitDeny", name_action_in_message=True)
    assert loud.message.endswith("doesn't support RAM. AuthAction: bss:ApplyInvoice")
    assert loud.access_denied_detail is not None
    assert loud.access_denied_detail["NoPermissionType"] == "ExplicitDeny"


def test_rpc_error_requires_error_status() -> None:
    with pytest.raises(ValueError, match="4xx/5xx"):
        RpcError("X", "y", 200)
    assert str(RpcError("X", "y", 418)) == "X: y"
