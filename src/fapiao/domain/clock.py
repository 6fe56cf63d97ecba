"""Time zones of the wire: stored times are naive UTC; Alibaba and TOP render China Standard Time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


def to_china(utc_naive: datetime) -> datetime:
    return utc_naive.replace(tzinfo=UTC).astimezone(CHINA)


def china_to_utc_naive(local: datetime) -> datetime:
    return local.replace(tzinfo=CHINA).astimezone(UTC).replace(tzinfo=None)


def format_china(utc_naive: datetime) -> str:
    """``yyyy-mm-dd hh:mm:ss`` in China Standard Time, as both protocols print times."""
    return to_china(utc_naive).strftime("%Y-%m-%d %H:%M:%S")
