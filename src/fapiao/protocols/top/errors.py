"""TOP platform error codes and the exception that carries one to the envelope renderer.

Messages are the sentence-case strings real TOP responses carry, not the Title Case of the doc tables: the
ones marked ``# seen`` were observed in real bodies (reference §4.1 and public client code); the others apply
the same rule to the doc table. Code 7 and 29 keep the odd capitals TOP really sends.

Which code answers first when several apply is decided by ``checks.check_common`` (its docstring has the order).
"""

from __future__ import annotations

from enum import IntEnum


class Code(IntEnum):
    """Platform error codes (reference §4.2). 15 carries business errors; 40/41 name the argument."""

    UPLOAD_FAIL = 3
    USER_CALL_LIMITED = 4
    SESSION_CALL_LIMITED = 5
    PARTNER_CALL_LIMITED = 6
    APP_CALL_LIMITED = 7
    APP_CALL_EXCEEDS_LIMITED_FREQUENCY = 8
    HTTP_ACTION_NOT_ALLOWED = 9
    SERVICE_CURRENTLY_UNAVAILABLE = 10
    INSUFFICIENT_ISV_PERMISSIONS = 11
    INSUFFICIENT_USER_PERMISSIONS = 12
    INSUFFICIENT_PARTNER_PERMISSIONS = 13
    REMOTE_SERVICE_ERROR = 15
    MISSING_METHOD = 21
    INVALID_METHOD = 22
    INVALID_FORMAT = 23
    MISSING_SIGNATURE = 24
    INVALID_SIGNATURE = 25
    MISSING_SESSION = 26
    INVALID_SESSION = 27
    MISSING_APP_KEY = 28
    INVALID_APP_KEY = 29
    MISSING_TIMESTAMP = 30
    INVALID_TIMESTAMP = 31
    MISSING_VERSION = 32
    INVALID_VERSION = 33
    UNSUPPORTED_VERSION = 34
    MISSING_REQUIRED_ARGUMENTS = 40
    INVALID_ARGUMENTS = 41
    FORBIDDEN_REQUEST = 42
    PARAMETER_ERROR = 43
    DOC_REMOTE_SERVICE_ERROR = 50
    INSUFFICIENT_SECURITY_LEVEL = 53


MESSAGES: dict[Code, str] = {
    Code.UPLOAD_FAIL: "Upload fail",
    Code.USER_CALL_LIMITED: "User call limited",
    Code.SESSION_CALL_LIMITED: "Session call limited",
    Code.PARTNER_CALL_LIMITED: "Partner call limited",
    Code.APP_CALL_LIMITED: "App Call Limited",  # seen
    Code.APP_CALL_EXCEEDS_LIMITED_FREQUENCY: "App call exceeds limited frequency",
    Code.HTTP_ACTION_NOT_ALLOWED: "Http action not allowed",
    Code.SERVICE_CURRENTLY_UNAVAILABLE: "Service currently unavailable",
    Code.INSUFFICIENT_ISV_PERMISSIONS: "Insufficient isv permissions",  # seen
    Code.INSUFFICIENT_USER_PERMISSIONS: "Insufficient user permissions",
    Code.INSUFFICIENT_PARTNER_PERMISSIONS: "Insufficient partner permissions",
    Code.REMOTE_SERVICE_ERROR: "Remote service error",  # seen
    Code.MISSING_METHOD: "Missing method",  # seen
    Code.INVALID_METHOD: "Invalid method",  # seen
    Code.INVALID_FORMAT: "Invalid format",
    Code.MISSING_SIGNATURE: "Missing signature",
    Code.INVALID_SIGNATURE: "Invalid signature",  # seen
    Code.MISSING_SESSION: "Missing session",  # seen
    Code.INVALID_SESSION: "Invalid session",  # seen
    Code.MISSING_APP_KEY: "Missing app key",  # seen
    Code.INVALID_APP_KEY: "Invalid app Key",  # seen
    Code.MISSING_TIMESTAMP: "Missing timestamp",
    Code.INVALID_TIMESTAMP: "Invalid timestamp",
    Code.MISSING_VERSION: "Missing version",
    Code.INVALID_VERSION: "Invalid version",
    Code.UNSUPPORTED_VERSION: "Unsupported version",
    Code.MISSING_REQUIRED_ARGUMENTS: "Missing required arguments",  # seen
    Code.INVALID_ARGUMENTS: "Invalid arguments",  # seen
    Code.FORBIDDEN_REQUEST: "Forbidden request",
    Code.PARAMETER_ERROR: "Parameter error",
    Code.DOC_REMOTE_SERVICE_ERROR: "Remote service error",  # the API pages' generic error example
    Code.INSUFFICIENT_SECURITY_LEVEL: "Insufficient security level",
}


class TopError(Exception):
    """One ``error_response``: always HTTP 200, rendered by ``envelope.render_error``."""

    def __init__(self, code: int, msg: str, sub_code: str | None = None, sub_msg: str | None = None) -> None:
        super().__init__(f"{code} {msg}" + (f" ({sub_code})" if sub_code else ""))
        self.code = code
        self.msg = msg
        self.sub_code = sub_code
        self.sub_msg = sub_msg


def platform_error(code: Code, *, sub_code: str | None = None, sub_msg: str | None = None) -> TopError:
    """A platform error with the table's message; the named constructors below cover the special shapes."""
    return TopError(int(code), MESSAGES[code], sub_code, sub_msg)


def missing_method() -> TopError:
    # Real TOP adds this hint (reference §4.1).
    return platform_error(Code.MISSING_METHOD, sub_msg="http传入的参数加入method字段")


def invalid_app_key() -> TopError:
    return platform_error(Code.INVALID_APP_KEY, sub_code="isv.appkey-not-exists")


def invalid_session() -> TopError:
    return platform_error(Code.INVALID_SESSION, sub_code="invalid-sessionkey")


def session_expired() -> TopError:
    """For a session lookup that knows the token but finds it expired (TOP appends the reason to ``msg``)."""
    return TopError(int(Code.INVALID_SESSION), "Invalid session:session-expired", "session-expired")


# Code 7's sub-codes name the rule that refused (TOP's FlowControlResult): the app's budget over all its calls,
# or its budget for one API. The address one is Fapiao's own: TOP publishes no per-address rule.
APP_LIMIT = "accesscontrol.limited-by-app-access-count"
APP_API_LIMIT = "accesscontrol.limited-by-app-api-access-count"
ADDRESS_LIMIT = "accesscontrol.limited-by-ip-access-count"


def app_call_limited(sub_code: str, seconds: int) -> TopError:
    """7 ``App Call Limited`` with the rule and, as TOP words it, the seconds until the ban ends."""
    return platform_error(
        Code.APP_CALL_LIMITED, sub_code=sub_code, sub_msg=f"This ban will last for {seconds} more seconds"
    )


def missing_parameter(name: str) -> TopError:
    """40 ``Missing required arguments:<name>``."""
    return TopError(int(Code.MISSING_REQUIRED_ARGUMENTS), f"Missing required arguments:{name}")


def invalid_parameter(name: str, sub_msg: str | None = None) -> TopError:
    """41 ``Invalid arguments:<name>``."""
    return TopError(int(Code.INVALID_ARGUMENTS), f"Invalid arguments:{name}", sub_msg=sub_msg)


def business_error(sub_code: str, sub_msg: str) -> TopError:
    """15 ``Remote service error`` with a caller-side ``isv.*`` sub_code, as production TOP answers.

    ``isp.*`` sub_codes are refused: clients (taobaopy) retry them as transient server faults.
    """
    if not sub_code.startswith("isv."):
        raise ValueError(f"business sub_code must start with 'isv.': {sub_code!r}")
    return platform_error(Code.REMOTE_SERVICE_ERROR, sub_code=sub_code, sub_msg=sub_msg)
