"""Gateway errors of the Alibaba Cloud RPC protocol, with the real gateway's codes, statuses and wording.

The SDKs pick the exception class from the HTTP status alone (4xx → ``ClientException``, 5xx →
``ServerException``, positive ``x-acs-retry-after`` → ``ThrottlingException``), and the core SDK parses the
``SignatureDoesNotMatch`` message after its ``:``; so both the status and the wording below are part of the
wire contract (reference aliyun-rpc.md §6.2–6.3).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

RETRY_AFTER_HEADER = "x-acs-retry-after"
STRING_TO_SIGN_PREFIX = " server string to sign is:"


class Code(StrEnum):
    """Error codes the gateway itself emits (business errors belong to the operations)."""

    MISSING_PARAMETER = "MissingParameter"
    INVALID_PARAMETER = "InvalidParameter"
    ACCESS_KEY_NOT_FOUND = "InvalidAccessKeyId.NotFound"
    ACCESS_KEY_INACTIVE = "InvalidAccessKeyId.Inactive"
    ACCESS_KEY_DISABLED = "Forbidden.AccessKeyDisabled"
    SIGNATURE_DOES_NOT_MATCH = "SignatureDoesNotMatch"
    INCOMPLETE_SIGNATURE = "IncompleteSignature"
    TIMESTAMP_EXPIRED = "InvalidTimeStamp.Expired"
    TIMESTAMP_FORMAT = "InvalidTimeStamp.Format"
    SIGNATURE_NONCE_USED = "SignatureNonceUsed"
    SECURITY_TOKEN_EXPIRED = "InvalidSecurityToken.Expired"  # noqa: S105 - an error code
    SECURITY_TOKEN_MALFORMED = "InvalidSecurityToken.Malformed"  # noqa: S105
    SECURITY_TOKEN_MISMATCH = "InvalidSecurityToken.MismatchWithAccessKey"  # noqa: S105
    THROTTLING_USER = "Throttling.User"
    THROTTLING_API = "Throttling.Api"
    THROTTLING = "Throttling"
    FORBIDDEN_RAM = "Forbidden.RAM"
    NO_PERMISSION = "NoPermission"
    ACTION_NOT_FOUND = "InvalidAction.NotFound"
    INVALID_VERSION = "InvalidVersion"
    UNSUPPORTED_HTTP_METHOD = "UnsupportedHTTPMethod"
    REQUEST_TOO_LARGE = "RequestTooLarge"  # ours: the reference documents no gateway code for an oversize body
    INTERNAL_ERROR = "InternalError"
    SERVICE_UNAVAILABLE = "ServiceUnavailable"


class RpcError(Exception):
    """An error answer, rendered by ``envelope.render_error``.

    ``recommend`` overrides the default troubleshooting link; ``access_denied_detail`` becomes the
    ``AccessDeniedDetail`` object of RAM denials; ``retry_after_ms`` adds the ``x-acs-retry-after`` header
    that makes the current SDK raise ``ThrottlingException``.
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: int,
        *,
        recommend: str | None = None,
        access_denied_detail: Mapping[str, str] | None = None,
        retry_after_ms: int | None = None,
    ) -> None:
        if not 400 <= status <= 599:
            raise ValueError(f"an RPC error needs a 4xx/5xx status, got {status}")
        if retry_after_ms is not None and retry_after_ms <= 0:
            raise ValueError("x-acs-retry-after must be a positive number of milliseconds")
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.recommend = recommend
        self.access_denied_detail: Mapping[str, str] | None = (
            None if access_denied_detail is None else MappingProxyType(dict(access_denied_detail))
        )
        self.retry_after_ms = retry_after_ms

    def response_headers(self) -> dict[str, str]:
        """Extra response headers the error needs (only throttling has one)."""
        if self.retry_after_ms is None:
            return {}
        return {RETRY_AFTER_HEADER: str(self.retry_after_ms)}

    def __repr__(self) -> str:
        return f"RpcError({self.code!r}, {self.message!r}, {self.status})"


def missing_parameter(name: str) -> RpcError:
    """A required common or API parameter is absent."""
    return RpcError(
        Code.MISSING_PARAMETER,
        f'The input parameter "{name}" that is mandatory for processing this request is not supplied.',
        400,
    )


def invalid_parameter(name: str) -> RpcError:
    """A parameter has a bad value, format or enum member."""
    return RpcError(Code.INVALID_PARAMETER, f'The specified parameter "{name}" is not valid.', 400)


def access_key_not_found() -> RpcError:
    """Unknown AccessKeyId; the real gateway answers 404 here."""
    return RpcError(Code.ACCESS_KEY_NOT_FOUND, "Specified access key is not found.", 404)


def signature_does_not_match(string_to_sign: str) -> RpcError:
    """Signature mismatch; the core SDK splits the message on ``:``, so the string to sign must follow one."""
    return RpcError(
        Code.SIGNATURE_DOES_NOT_MATCH,
        f"Specified signature is not matched with our calculation.{STRING_TO_SIGN_PREFIX}{string_to_sign}",
        400,
    )


def incomplete_signature(string_to_sign: str = "") -> RpcError:
    """Malformed Authorization, unsupported algorithm/method/version, or required signed headers missing."""
    return RpcError(
        Code.INCOMPLETE_SIGNATURE,
        f"The request signature does not conform to Aliyun standards.{STRING_TO_SIGN_PREFIX}{string_to_sign}",
        400,
    )


def timestamp_expired() -> RpcError:
    """Timestamp outside the ±15 minute window."""
    return RpcError(Code.TIMESTAMP_EXPIRED, "Specified time stamp or date value is expired.", 400)


def timestamp_format() -> RpcError:
    """Timestamp not ``YYYY-MM-DDThh:mm:ssZ``."""
    return RpcError(Code.TIMESTAMP_FORMAT, "Specified time stamp or date value is not well formatted.", 400)


def signature_nonce_used() -> RpcError:
    """Replayed nonce."""
    return RpcError(Code.SIGNATURE_NONCE_USED, "Specified signature nonce was used already.", 400)


def security_token_malformed() -> RpcError:
    """STS token that cannot be decoded (wording unverified)."""
    return RpcError(Code.SECURITY_TOKEN_MALFORMED, "Specified SecurityToken is malformed.", 400)


def throttling_user(retry_after_ms: int | None = None) -> RpcError:
    """Per-user rate limit; pass ``retry_after_ms`` to let the current SDK back off."""
    return RpcError(
        Code.THROTTLING_USER,
        "Request was denied due to user flow control.",
        400,
        retry_after_ms=retry_after_ms,
    )


def throttling(retry_after_ms: int | None = None) -> RpcError:
    """Generic throttling."""
    return RpcError(
        Code.THROTTLING, "Request was denied due to request throttling.", 400, retry_after_ms=retry_after_ms
    )


FORBIDDEN_RAM_MESSAGE = "User not authorized to operate on the specified resource, or this API doesn't support RAM."


def forbidden_ram(
    auth_action: str,
    *,
    no_permission_type: str = "ImplicitDeny",
    policy_type: str = "AccountLevelIdentityBasedPolicy",
    principal_type: str = "SubUser",
    principal_owner_id: str | None = None,
    principal_display_name: str | None = None,
    name_action_in_message: bool = False,
) -> RpcError:
    """RAM policy denial; ``auth_action`` (``bss:QueryCustomerInvoiceInfo``) goes in ``AccessDeniedDetail``.

    The gateway wording is kept exact by default; ``name_action_in_message`` appends the action for humans.
    ``no_permission_type`` is ``ImplicitDeny`` (no Allow matched) or ``ExplicitDeny`` (a Deny matched).
    """
    detail = {
        "AuthAction": auth_action,
        "PolicyType": policy_type,
        "NoPermissionType": no_permission_type,
        "AuthPrincipalType": principal_type,
    }
    if principal_owner_id is not None:
        detail["AuthPrincipalOwnerId"] = principal_owner_id
    if principal_display_name is not None:
        detail["AuthPrincipalDisplayName"] = principal_display_name
    message = FORBIDDEN_RAM_MESSAGE
    if name_action_in_message:
        message = f"{message} AuthAction: {auth_action}"
    return RpcError(Code.FORBIDDEN_RAM, message, 403, access_denied_detail=detail)


def action_not_found() -> RpcError:
    """Unknown Action for a known Version."""
    return RpcError(Code.ACTION_NOT_FOUND, "Specified api is not found, please check your url and method.", 404)


def invalid_version() -> RpcError:
    """Unknown Version."""
    return RpcError(Code.INVALID_VERSION, "Specified parameter Version is not valid.", 400)


def unsupported_http_method() -> RpcError:
    """RPC accepts only GET and POST."""
    return RpcError(Code.UNSUPPORTED_HTTP_METHOD, "This http method is not supported.", 403)


def request_too_large(limit: int) -> RpcError:
    """A body over the server's limit, refused before it is read. The reference names no gateway code for this,
    so the code is ours; the status is HTTP's own, and any 4xx makes every SDK raise its ``ClientException``."""
    return RpcError(Code.REQUEST_TOO_LARGE, f"The request body is larger than {limit} bytes.", 413)


def internal_error() -> RpcError:
    """Unexpected failure; 5xx makes the current SDK raise ``ServerException``."""
    return RpcError(
        Code.INTERNAL_ERROR,
        "The request processing has failed due to some unknown error, exception or failure.",
        500,
    )


def service_unavailable() -> RpcError:
    """Temporary failure (e.g. database unavailable)."""
    return RpcError(Code.SERVICE_UNAVAILABLE, "The request has failed due to a temporary failure of the server.", 503)
