from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fapiao.protocols.top.timestamps import GMT8, MAX_SKEW, format_gmt8, parse_timestamp, skew

NOW = datetime(2026, 11, 21, 4, 19, 18, tzinfo=UTC)  # 12:19:18 in GMT+8


def test_date_string_is_gmt8() -> None:
    assert parse_timestamp("2026-11-21 12:19:18") == NOW


def test_epoch_milliseconds() -> None:
    assert parse_timestamp("1795234758332") == NOW + timedelta(milliseconds=332)


@pytest.mark.parametrize(
    "value",
    ["", "2026-11-21T12:19:18", "2026-11-21", "21/11/2026 12:19:18", "17952347583.5", "-1795234758332", "9" * 30],
)
def test_unparsable(value: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_timestamp(value)


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (timedelta(0), True),
        (timedelta(minutes=10), True),
        (-timedelta(minutes=10), True),
        (timedelta(minutes=10, seconds=1), False),
        (-timedelta(minutes=10, seconds=1), False),
        (timedelta(hours=8), False),  # a local-time client on a UTC host
    ],
)
def test_skew_window_is_ten_minutes_both_ways(offset: timedelta, accepted: bool) -> None:
    assert (skew(NOW + offset, NOW) <= MAX_SKEW) is accepted


def test_format_gmt8() -> None:
    assert format_gmt8(NOW) == "2026-11-21 12:19:18"
    assert format_gmt8(NOW.astimezone(GMT8)) == "2026-11-21 12:19:18"
    with pytest.raises(ValueError, match="naive"):
        format_gmt8(datetime(2026, 11, 21, 12, 0, 0))
