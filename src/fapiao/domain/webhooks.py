"""Webhook rules that need no I/O: event types and filters, which URLs an endpoint may use, the
``Fapiao-Signature`` scheme, the event document, and how a delivery moves between its states.

Resolving a host is I/O and happens elsewhere (``fapiao.webhooks.targets``, at save and at send time); the
verdict on the addresses it returns is here (``public_address``). Randomness too is the caller's: the retry
schedule takes the jitter draw as an argument, so every rule here is a pure function of what it is given.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import ipaddress
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from fapiao.domain.errors import ValidationFailed

# -- events --------------------------------------------------------------------------------------------------

EVENT_TYPES = ("title.submitted", "title.reviewed", "application.filed", "application.status_changed")
ALL_EVENTS = "*"


def event_filter(requested: Iterable[str]) -> list[str]:
    """The stored filter for the requested types: sorted, deduplicated, ``["*"]`` for none or ``*``."""
    types = sorted({t.strip() for t in requested if t.strip()})
    if not types or ALL_EVENTS in types:
        return [ALL_EVENTS]
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        known = ", ".join(EVENT_TYPES)
        raise ValidationFailed(f"unknown event type {unknown[0]!r}; known: {known}, or *", field="event_types")
    return types


class Owned(Protocol):
    """An endpoint or an event: each belongs to an account, a provider app, or (events) both."""

    @property
    def account_id(self) -> int | None: ...
    @property
    def provider_app_id(self) -> int | None: ...


class Endpoint(Owned, Protocol):
    @property
    def event_types(self) -> Sequence[str]: ...


class Event(Owned, Protocol):
    @property
    def type(self) -> str: ...


def wants(event_types: Sequence[str], event_type: str) -> bool:
    """Whether an endpoint with this filter receives events of this type."""
    return ALL_EVENTS in event_types or event_type in event_types


def receives(endpoint: Endpoint, event: Event) -> bool:
    """An endpoint receives the events of its owner (its account's, or its provider app's) that it wants."""
    account, app = endpoint.account_id, endpoint.provider_app_id
    owned = (account is not None and account == event.account_id) or (app is not None and app == event.provider_app_id)
    return owned and wants(endpoint.event_types, event.type)


def event_document(
    *,
    event_id: str,
    event_type: str,
    created_at: datetime,
    user_id: int | None,
    app_key: str | None,
    payload: dict[str, Any],
) -> bytes:
    """The JSON POSTed for an event (docs/webhooks.md, "Events"): the same bytes on every attempt."""
    created = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)  # stored as naive UTC
    document = {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "created": int(created.timestamp()),
        "user_id": user_id,
        "app_key": app_key,
        "data": payload,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


# -- endpoints -----------------------------------------------------------------------------------------------

MAX_ENDPOINTS = 16  # per owner, as Stripe
MAX_URL_LENGTH = 2048
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
DEFAULT_OVERLAP = timedelta(hours=24)
MAX_OVERLAP = timedelta(days=7)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    """A URL an endpoint may store, with the host and port it connects to."""

    url: str
    host: str
    port: int


class TargetRefused(Exception):
    """The target resolves to an address webhooks may not reach, or does not resolve."""


def parse_url(url: str) -> Target:
    """The URL to store, or ``ValidationFailed`` on field ``url`` saying what is wrong with it. Whether its
    host may be reached is a question for DNS (``public_address`` on what it answers)."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise ValidationFailed(f"url must have 1 to {MAX_URL_LENGTH} characters", field="url")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValidationFailed("url must use http or https", field="url")
    if "@" in parts.netloc:
        raise ValidationFailed("url must not carry credentials; the signature authenticates us", field="url")
    if not parts.hostname:
        raise ValidationFailed("url has no host", field="url")
    if parts.fragment:
        raise ValidationFailed("url must not have a fragment", field="url")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise ValidationFailed("url has an invalid port", field="url") from None
    return Target(url, parts.hostname, port)


def is_public(address: IPAddress) -> bool:
    """Webhooks must not become a way into internal services (SSRF): only globally routable unicast."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def public_address(host: str, addresses: Sequence[IPAddress]) -> str:
    """The address to connect to, if every address ``host`` resolved to is public; else ``TargetRefused``."""
    if not addresses:
        raise TargetRefused(f"{host} cannot be resolved")
    for address in addresses:
        if not is_public(address):
            raise TargetRefused(f"{host} resolves to {address}, a private, loopback or reserved address")
    return str(addresses[0])


def check_overlap(overlap: timedelta) -> timedelta:
    """How long the current secrets keep signing after a rotation: 0 (retire them now) to 7 days."""
    if not timedelta(0) <= overlap <= MAX_OVERLAP:
        raise ValidationFailed(f"the overlap must be between 0 and {MAX_OVERLAP.days} days", field="overlap_seconds")
    return overlap


# -- signatures ----------------------------------------------------------------------------------------------


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Stripe's scheme: hex HMAC-SHA256 of ``"<t>.<body>"``. The timestamp is signed, so receivers that
    reject old timestamps defeat replays."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    """``Fapiao-Signature``: ``t=<unix seconds>``, then one ``v1=`` per valid secret, newest first (during a
    rotation both sign)."""
    if not secrets:
        raise ValueError("an endpoint always has at least one valid secret")
    return ",".join([f"t={timestamp}", *(f"v1={signature(s, timestamp, body)}" for s in secrets)])


# -- delivery states -----------------------------------------------------------------------------------------


class DeliveryStatus(enum.StrEnum):
    """A delivery is pending (due now or at ``next_attempt_at``) until an attempt succeeds or its schedule
    runs out; a redelivery by hand makes a finished one pending again."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class AttemptStatus(enum.StrEnum):
    SENDING = "sending"  # claimed, in flight
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ABANDONED = "abandoned"  # its worker's claim expired before it finished


class Settled(enum.StrEnum):
    """What recording an attempt did to its delivery (the ``outcome`` label of the delivery metric)."""

    SUCCEEDED = "succeeded"
    RETRYING = "retrying"  # failed, another attempt is scheduled
    FAILED = "failed"  # failed, the delivery gave up
    SUPERSEDED = "superseded"  # finished after its claim had expired: the log keeps it, the delivery moved on


MAX_ERROR = 500  # characters of an attempt's error kept in the log
ABANDONED_ERROR = "the worker stopped before the attempt finished"


@dataclass(frozen=True)
class Outcome:
    """How one POST went, as the sender saw it."""

    response_code: int | None
    latency_ms: int
    error: str
    excerpt: str

    @property
    def ok(self) -> bool:
        """Success is a 2xx answer; redirects are not followed, so a 3xx is a failure."""
        return self.response_code is not None and 200 <= self.response_code < 300


def retry_delay(failures: int, schedule: Sequence[float], jitter: float, draw: float) -> float | None:
    """Seconds until the next attempt after ``failures`` failed attempts, or ``None``: give up.

    ``draw`` (uniform in [0, 1], the caller's randomness) stretches the delay by up to ``jitter``, so that
    deliveries failing together (an endpoint down) do not come back in lockstep."""
    if failures < 1 or failures > len(schedule):
        return None
    return schedule[failures - 1] * (1 + jitter * draw)


@dataclass(frozen=True)
class Transition:
    """Where a delivery goes after an attempt."""

    settled: Settled
    status: DeliveryStatus
    failures: int
    retry_in: float | None = None  # seconds, when retrying


def after_attempt(
    outcome: Outcome, *, failures: int, manual: bool, schedule: Sequence[float], jitter: float, draw: float
) -> Transition:
    """A success ends the delivery. A failure of a scheduled attempt counts and waits for the next delay (or
    ends it when the schedule is spent); a failed manual attempt neither counts nor restarts the schedule."""
    if outcome.ok:
        return Transition(Settled.SUCCEEDED, DeliveryStatus.SUCCEEDED, failures)
    delay = None
    if not manual:
        failures += 1
        delay = retry_delay(failures, schedule, jitter, draw)
    if delay is None:
        return Transition(Settled.FAILED, DeliveryStatus.FAILED, failures)
    return Transition(Settled.RETRYING, DeliveryStatus.PENDING, failures, delay)


def redelivery(status: str, manual: bool) -> tuple[DeliveryStatus, bool]:
    """A delivery queued by hand: still on its schedule it is just due now; finished (succeeded or failed) it
    becomes pending for one manual attempt, which does not restart the schedule. Returns the new status and
    whether the next attempt is manual."""
    if status == DeliveryStatus.PENDING:
        return DeliveryStatus.PENDING, manual
    return DeliveryStatus.PENDING, True
