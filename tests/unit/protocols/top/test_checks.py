"""The common-parameter pipeline: each code, and which one wins when several checks would fail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fapiao.protocols.top import errors
from fapiao.protocols.top.checks import (
    CheckedRequest,
    Rejected,
    SessionRule,
    check_common,
    check_signed,
    check_target,
    parse_bool,
)
from fapiao.protocols.top.envelope import Format
from fapiao.protocols.top.errors import Code, TopError
from fapiao.protocols.top.signing import SignMethod
from fapiao.protocols.top.timestamps import MAX_SKEW

from ._support import APP_KEY, GET, SECRET, SESSION, UPDATE, signed

NOW = datetime(2026, 11, 21, 4, 19, 18, tzinfo=UTC)  # 2026-11-21 12:19:18 GMT+8
METHODS = {GET: SessionRule.REQUIRED, UPDATE: SessionRule.OPTIONAL}
MERCHANT = object()
BASE = {
    "method": GET,
    "app_key": APP_KEY,
    "timestamp": "2026-11-21 12:19:18",
    "format": "json",
    "v": "2.0",
    "sign_method": "hmac",
    "session": SESSION,
    "apply_id": "123456ABC",
}


def app_secret(app_key: str) -> str | None:
    return SECRET if app_key == APP_KEY else None


def session(app_key: str, token: str) -> object | None:
    return MERCHANT if (app_key, token) == (APP_KEY, SESSION) else None


def check(params: dict[str, str], max_skew: timedelta = MAX_SKEW) -> CheckedRequest:
    return check_common(params, NOW, app_secret, session, METHODS, max_skew=max_skew)


def code_of(params: dict[str, str]) -> int:
    with pytest.raises(TopError) as caught:
        check(params)
    return caught.value.code


def without(name: str, **changes: str) -> dict[str, str]:
    """BASE without ``name``, with ``changes``, correctly signed."""
    return signed({k: v for k, v in {**BASE, **changes}.items() if k != name})


def test_a_valid_request() -> None:
    checked = check(signed({**BASE, "simplify": "True", "partner_id": "p"}))
    assert checked == CheckedRequest(
        method=GET,
        app_key=APP_KEY,
        sign_method=SignMethod.HMAC,
        timestamp=NOW,
        format=Format.JSON,
        simplify=True,
        session=SESSION,
        session_info=MERCHANT,
        api_params={"apply_id": "123456ABC"},
    )


@pytest.mark.parametrize(
    ("params", "code"),
    [
        (without("method"), 21),
        (signed({**BASE, "method": ""}), 21),
        (signed({**BASE, "method": "taobao.item.get"}), 22),
        (without("app_key"), 28),
        (signed({**BASE, "app_key": "99999999"}), 29),
        ({**BASE, "sign_method": "hmac"}, 24),
        ({**BASE, "sign": ""}, 24),
        ({**signed(BASE), "sign_method": "sha1"}, 25),
        ({k: v for k, v in signed(BASE).items() if k != "sign_method"}, 25),
        (signed(BASE, secret="wrong-secret"), 25),
        ({**signed(BASE), "apply_id": "OTHER"}, 25),
        (without("timestamp"), 30),
        (signed({**BASE, "timestamp": "yesterday"}), 31),
        (signed({**BASE, "timestamp": "2026-11-21 12:29:19"}), 31),
        (signed({**BASE, "timestamp": "2026-11-21 04:19:18"}), 31),  # UTC sent as GMT+8
        (without("v"), 32),
        (signed({**BASE, "v": "two"}), 33),
        (signed({**BASE, "v": "2.0\n"}), 33),
        (signed({**BASE, "v": "1.0"}), 34),
        (signed({**BASE, "format": "jsonp"}), 23),
        (without("session"), 26),
        (signed({**BASE, "session": "stolen"}), 27),
        (signed({**BASE, "method": UPDATE, "session": "stolen"}), 27),
    ],
)
def test_each_failure_has_its_code(params: dict[str, str], code: int) -> None:
    assert code_of(params) == code


@pytest.mark.parametrize(
    ("params", "code"),
    [
        # Several faults at once: the earliest check in the documented order answers.
        ({"app_key": "nobody", "v": "9"}, 21),
        ({**BASE, "method": "x.y", "app_key": "nobody"}, 22),
        ({**BASE, "app_key": "nobody", "timestamp": "bad"}, 29),
        ({**BASE, "timestamp": "bad", "v": "9"}, 24),
        ({**signed(BASE, secret="wrong"), "timestamp": "2000-01-01 00:00:00"}, 25),
        (signed({**BASE, "timestamp": "bad", "v": "9"}), 31),
        (signed({**BASE, "v": "1.0", "format": "yaml"}), 34),
        (signed({**BASE, "format": "yaml", "session": "stolen"}), 23),
    ],
)
def test_order(params: dict[str, str], code: int) -> None:
    assert code_of(params) == code


def test_skew_error_explains_the_offset() -> None:
    with pytest.raises(TopError) as caught:
        check(signed({**BASE, "timestamp": "2026-11-21 04:19:18"}))
    assert caught.value.sub_msg == "timestamp is 28800 s from server time (GMT+8 expected)"


def test_skew_window_is_configurable() -> None:
    late = signed({**BASE, "timestamp": "2026-11-21 04:19:18"})
    assert check(late, max_skew=timedelta(hours=9)).timestamp == NOW - timedelta(hours=8)


def test_epoch_milliseconds_timestamp() -> None:
    millis = str(int(NOW.timestamp() * 1000) - 1234)
    assert check(signed({**BASE, "timestamp": millis})).timestamp == NOW - timedelta(milliseconds=1234)


@pytest.mark.parametrize(("value", "expected"), [(None, Format.XML), ("", Format.XML), ("JSON", Format.JSON)])
def test_format_defaults_to_xml(value: str | None, expected: Format) -> None:
    params = {k: v for k, v in BASE.items() if k != "format"}
    if value is not None:
        params["format"] = value
    assert check(signed(params)).format is expected


def test_optional_session_may_be_omitted() -> None:
    checked = check(without("session", method=UPDATE))
    assert (checked.session, checked.session_info) == (None, None)


def test_lookups_may_raise_their_own_top_error() -> None:
    def expired(app_key: str, token: str) -> object | None:
        raise errors.session_expired()

    with pytest.raises(TopError, match="session-expired"):
        check_common(signed(BASE), NOW, app_secret, expired, METHODS)


def test_no_lookup_before_the_method_is_known() -> None:
    def fail(*args: str) -> None:
        raise AssertionError("looked up too early")

    with pytest.raises(TopError):
        check_common(signed({**BASE, "method": "x.y"}), NOW, fail, fail, METHODS)


def test_session_is_not_looked_up_before_the_signature_is_proven() -> None:
    def fail(*args: str) -> None:
        raise AssertionError("session looked up for an unsigned request")

    with pytest.raises(TopError):
        check_common(signed(BASE, secret="wrong"), NOW, app_secret, fail, METHODS)


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("True", True), ("TRUE", True), ("false", False), ("1", False)]
)
def test_parse_bool(value: str, expected: bool) -> None:
    assert parse_bool(value) is expected
    assert parse_bool(None) is False


def test_the_checks_needing_the_secret_answer_a_verdict_instead_of_raising() -> None:
    accepted = check_signed(signed(BASE), GET, APP_KEY, SECRET, NOW, SessionRule.REQUIRED)
    assert isinstance(accepted, CheckedRequest) and accepted.ok
    assert accepted.session_info is None  # the session is the caller's to look up
    wrong = check_signed(signed(BASE), GET, APP_KEY, "not-the-secret", NOW, SessionRule.REQUIRED)
    assert isinstance(wrong, Rejected) and not wrong.ok and wrong.error.code == Code.INVALID_SIGNATURE
    missing = check_signed(without("session"), GET, APP_KEY, SECRET, NOW, SessionRule.REQUIRED)
    assert isinstance(missing, Rejected) and missing.error.code == Code.MISSING_SESSION


def test_the_target_is_checked_before_any_lookup() -> None:
    assert check_target(signed(BASE), METHODS) == (GET, APP_KEY)
    with pytest.raises(TopError) as caught:
        check_target(without("app_key"), METHODS)
    assert caught.value.code == Code.MISSING_APP_KEY
