"""TOP time values: the request ``timestamp`` and the GMT+8 ``Date`` rendering of responses.

Two request forms are in use (reference §1.4): ``yyyy-MM-dd HH:mm:ss`` meant as GMT+8 (the documented form,
sent by taobaopy) and epoch milliseconds (sent in production by the official Python SDK family).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

GMT8 = timezone(timedelta(hours=8), "GMT+8")
MAX_SKEW = timedelta(minutes=10)  # TOP's documented tolerance
_FORMAT = "%Y-%m-%d %H:%M:%S"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_timestamp(value: str) -> datetime:
    """Return an aware datetime; ``ValueError`` if ``value`` is neither accepted form."""
    if value.isascii() and value.isdigit():
        try:
            return _EPOCH + timedelta(milliseconds=int(value))  # exact, unlike float seconds
        except OverflowError as exc:
            raise ValueError(f"epoch milliseconds out of range: {value!r}") from exc
    return datetime.strptime(value, _FORMAT).replace(tzinfo=GMT8)


def skew(timestamp: datetime, now: datetime) -> timedelta:
    """Absolute distance between the client's and the server's clock."""
    return abs(timestamp - now)


def format_gmt8(moment: datetime) -> str:
    """Render a ``Date`` response value; naive datetimes are refused rather than guessed."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: attach a timezone before rendering a TOP Date")
    return moment.astimezone(GMT8).strftime(_FORMAT)
