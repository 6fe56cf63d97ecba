from __future__ import annotations

import pytest

from fapiao.protocols.top import errors
from fapiao.protocols.top.errors import MESSAGES, Code, TopError, platform_error


def fields(error: TopError) -> tuple[int, str, str | None, str | None]:
    return (error.code, error.msg, error.sub_code, error.sub_msg)


def test_every_code_has_a_message() -> None:
    assert set(MESSAGES) == set(Code)
    assert {15, *range(21, 35), 40, 41, 50} <= {int(code) for code in Code}


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        # Real bodies quoted in reference §4.1.
        (errors.missing_parameter("phone_no_b"), (40, "Missing required arguments:phone_no_b", None, None)),
        (errors.invalid_parameter("cid"), (41, "Invalid arguments:cid", None, None)),
        (platform_error(Code.INVALID_SIGNATURE), (25, "Invalid signature", None, None)),
        (errors.invalid_app_key(), (29, "Invalid app Key", "isv.appkey-not-exists", None)),
        (errors.invalid_session(), (27, "Invalid session", "invalid-sessionkey", None)),
        (errors.session_expired(), (27, "Invalid session:session-expired", "session-expired", None)),
        (errors.missing_method(), (21, "Missing method", None, "http传入的参数加入method字段")),
        (
            errors.business_error("isv.MOBILE_NUMBER_ILLEGAL", "号码格式错误"),
            (15, "Remote service error", "isv.MOBILE_NUMBER_ILLEGAL", "号码格式错误"),
        ),
        (platform_error(Code.MISSING_APP_KEY), (28, "Missing app key", None, None)),
        (platform_error(Code.MISSING_SESSION), (26, "Missing session", None, None)),
    ],
)
def test_shapes_match_real_top_bodies(error: TopError, expected: tuple[int, str, str | None, str | None]) -> None:
    assert fields(error) == expected


def test_seed_generic_error_example_is_code_50() -> None:
    error = platform_error(Code.DOC_REMOTE_SERVICE_ERROR, sub_code="isv.invalid-parameter", sub_msg="非法参数")
    assert fields(error) == (50, "Remote service error", "isv.invalid-parameter", "非法参数")


def test_business_errors_refuse_retryable_sub_codes() -> None:
    with pytest.raises(ValueError, match="isv"):
        errors.business_error("isp.service-error", "boom")


def test_top_error_is_an_exception_with_a_readable_text() -> None:
    with pytest.raises(TopError, match=r"^29 Invalid app Key \(isv.appkey-not-exists\)$"):
        raise errors.invalid_app_key()
