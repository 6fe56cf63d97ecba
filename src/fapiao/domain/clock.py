"""Time zones of the wire: stored times are naive UTC; Alibaba and TOP render China Standard Time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


def utc_naive(moment: datetime) -> datetime:
    """``moment`` as stored: naive UTC. An aware time (a REST client's ``+08:00``) is converted; a naive one is
    taken as UTC already (the wire gateways convert China time before a command is built)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment


def to_china(utc_naive: datetime) -> datetime:
    return utc_naive.replace(tzinfo=UTC).astimezone(CHINA)


def china_to_utc_naive(local: datetime) -> datetime:
    return local.replace(tzinfo=CHINA).astimezone(UTC).replace(tzinfo=None)


def format_china(utc_naive: datetime) -> str:
    """``yyyy-mm-dd hh:mm:ss`` in China Standard Time, as both protocols print times."""
    return to_china(utc_naive).strftime("%Y-%m-%d %H:%M:%S")
