"""Validation of TOP's common (system) parameters, in a fixed order, before any API runs.

Order (reference §4.3, an inference: TOP publishes none)::

    method     21 missing · 22 unknown
    app_key    28 missing · 29 unknown (isv.appkey-not-exists)
    sign       24 missing · 25 sign_method absent or unknown · 25 mismatch
    timestamp  30 missing · 31 unparsable · 31 outside ±10 min
    v          32 missing · 33 malformed · 34 not 2.0
    format     23 not xml/json (absent means xml)
    session    26 missing where required · 27 unknown (invalid-sessionkey)
    then, outside this module: permissions 11 → rate limits 7 → API parameters 40/41 → business 15

The signature is checked before the timestamp, so a stale or skewed clock is only reported to a caller that
proved it holds the secret. An absent or unknown ``sign_method`` answers 25 (the reference allows 25 or 41):
without it no signature can be verified. Empty values count as absent, since TOP clients never send an
empty system parameter on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from fapiao.protocols.top import errors
from fapiao.protocols.top.envelope import Format
from fapiao.protocols.top.errors import Code, TopError, platform_error
from fapiao.protocols.top.signing import SignMethod, parse_sign_method, verify_sign
from fapiao.protocols.top.timestamps import MAX_SKEW, parse_timestamp, skew

SYSTEM_PARAMS = frozenset(
    {
        "method",
        "app_key",
        "session",
        "timestamp",
        "v",
        "sign_method",
        "sign",
        "format",
        "simplify",
        "partner_id",
        "target_app_key",
    }
)
SUPPORTED_VERSION = "2.0"
_VERSION = re.compile(r"[0-9]+\.[0-9]+")

AppSecretLookup = Callable[[str], str | None]
SessionLookup = Callable[[str, str], object | None]


class SessionRule(StrEnum):
    """Whether an API needs a merchant's authorisation; configurable since TOP's docs leave it open."""

    REQUIRED = "required"  # missing → 26
    OPTIONAL = "optional"  # may be omitted; checked (27) when sent


@dataclass(frozen=True)
class CheckedRequest:
    method: str
    app_key: str
    sign_method: SignMethod
    timestamp: datetime
    format: Format
    simplify: bool
    session: str | None
    session_info: object | None  # whatever ``check_common``'s session lookup returned
    api_params: Mapping[str, str]  # every parameter that is not a system parameter

    @property
    def ok(self) -> bool:
        """A verdict that accepts the request (``auth.service.Verdict``)."""
        return True


@dataclass(frozen=True, slots=True)
class Rejected:
    """A verdict that refuses the request with ``error``."""

    error: TopError

    @property
    def ok(self) -> bool:
        return False


def check_common(
    params: Mapping[str, str],
    now: datetime,
    lookup_app_secret: AppSecretLookup,
    lookup_session: SessionLookup,
    known_methods: Mapping[str, SessionRule],
    *,
    max_skew: timedelta = MAX_SKEW,
) -> CheckedRequest:
    """Run the checks in the module's order; raise the first failing one as ``TopError``.

    The gateway runs the same steps with ``auth.service``, which owns the lookups: ``check_target`` →
    the app → ``check_signed`` as its verify callback → the session. The lookups may raise ``TopError``
    themselves (e.g. ``errors.session_expired()``).
    """
    method, app_key = check_target(params, known_methods)
    secret = lookup_app_secret(app_key)
    if secret is None:
        raise errors.invalid_app_key()
    checked = check_signed(params, method, app_key, secret, now, known_methods[method], max_skew=max_skew)
    if isinstance(checked, Rejected):
        raise checked.error
    if checked.session is None:
        return checked
    info = lookup_session(app_key, checked.session)
    if info is None:
        raise errors.invalid_session()
    return replace(checked, session_info=info)


def check_target(params: Mapping[str, str], known_methods: Mapping[str, SessionRule]) -> tuple[str, str]:
    """The method and the app key, the checks that come before the app is looked up."""
    method = params.get("method")
    if not method:
        raise errors.missing_method()
    if method not in known_methods:
        raise platform_error(Code.INVALID_METHOD)
    app_key = params.get("app_key")
    if not app_key:
        raise platform_error(Code.MISSING_APP_KEY)
    return method, app_key


def check_signed(
    params: Mapping[str, str],
    method: str,
    app_key: str,
    secret: str,
    now: datetime,
    rule: SessionRule,
    *,
    max_skew: timedelta = MAX_SKEW,
) -> CheckedRequest | Rejected:
    """The checks between the app and the session lookup, with the app's secret: signature, timestamp,
    version, format, a missing session. A verdict rather than an exception, to be a verify callback."""
    try:
        if not params.get("sign"):
            raise platform_error(Code.MISSING_SIGNATURE)
        sign_method = parse_sign_method(params.get("sign_method"))
        if sign_method is None or not verify_sign(params, secret, sign_method):
            raise platform_error(Code.INVALID_SIGNATURE)
        timestamp = _check_timestamp(params.get("timestamp"), now, max_skew)
        _check_version(params.get("v"))
        fmt = _check_format(params.get("format"))
        session = params.get("session") or None
        if session is None and rule is SessionRule.REQUIRED:
            raise platform_error(Code.MISSING_SESSION)
    except TopError as error:
        return Rejected(error)
    return CheckedRequest(
        method=method,
        app_key=app_key,
        sign_method=sign_method,
        timestamp=timestamp,
        format=fmt,
        simplify=parse_bool(params.get("simplify")),
        session=session,
        session_info=None,
        api_params={k: v for k, v in params.items() if k not in SYSTEM_PARAMS},
    )


def parse_bool(value: str | None) -> bool:
    """Like Java's ``Boolean.parseBoolean``: only ``true`` in any case (the official SDK sends ``True``)."""
    return value is not None and value.lower() == "true"


def _check_timestamp(value: str | None, now: datetime, max_skew: timedelta) -> datetime:
    if not value:
        raise platform_error(Code.MISSING_TIMESTAMP)
    try:
        timestamp = parse_timestamp(value)
    except ValueError:
        raise platform_error(Code.INVALID_TIMESTAMP) from None
    off = skew(timestamp, now)
    if off > max_skew:
        # The hint saves a debugging session: clients formatting local time on a UTC host are 8 h off.
        hint = f"timestamp is {int(off.total_seconds())} s from server time (GMT+8 expected)"
        raise platform_error(Code.INVALID_TIMESTAMP, sub_msg=hint)
    return timestamp


def _check_version(value: str | None) -> None:
    if not value:
        raise platform_error(Code.MISSING_VERSION)
    if not _VERSION.fullmatch(value):
        raise platform_error(Code.INVALID_VERSION)
    if value != SUPPORTED_VERSION:
        raise platform_error(Code.UNSUPPORTED_VERSION)


def _check_format(value: str | None) -> Format:
    if not value:
        return Format.XML
    try:
        return Format(value.lower())
    except ValueError:
        raise platform_error(Code.INVALID_FORMAT) from None
