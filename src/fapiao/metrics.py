"""Prometheus metrics of the API: requests by protocol, action and status with their latency, authentication
failures by reason, replay refusals and throttled calls (docs/operations.md, "Logs and metrics").

Counting costs a few dictionary lookups per request and never touches the database. Requests are counted from
the same record the access log writes (``protocols.access.Exchange``, in which the gateways note a request's
action and error code): ``RequestMetrics`` is the front door's observer, told once per answered request.

Every label is bounded: an action is one the catalogs or the REST routes declare, else ``unknown``; an error
code is one of the protocol's own codes; an authentication failure has one of ``AuthFailure``'s reasons.

Several server processes (``fapiao serve --workers N``) count into prometheus-client's multi-process files
(``PROMETHEUS_MULTIPROC_DIR``, which ``serve`` creates); ``exposition`` adds them up for whichever process
answers the scrape.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from fapiao.protocols.access import Exchange

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
UNKNOWN = "unknown"  # the action of a request no catalog or route declares (bounded label cardinality)


class Protocol(enum.StrEnum):
    ALIYUN = "aliyun"
    TOP = "top"
    REST = "rest"


class AuthFailure(enum.StrEnum):
    """Why authentication refused a request: each failure that counts against the address's budget
    (``fapiao.throttling``) has one of these."""

    UNKNOWN_KEY = "unknown_key"  # no such access key or app key, or it or its account is disabled
    BAD_SIGNATURE = "bad_signature"  # the signature (REST: the secret) does not match
    EXPIRED_TIMESTAMP = "expired_timestamp"  # the timestamp is outside the allowed skew (TOP: or unreadable)
    MALFORMED = "malformed"  # credentials that cannot be read (a bad timestamp format, bad base64)
    REPLAYED_NONCE = "replayed_nonce"  # a SignatureNonce used within the nonce window
    MISSING_CREDENTIALS = "missing_credentials"  # no key, signature, timestamp or required session
    UNKNOWN_SESSION = "unknown_session"  # TOP: no such session for the app, or it was revoked
    EXPIRED_SESSION = "expired_session"  # TOP
    BAD_TOKEN = "bad_token"  # noqa: S105 - a reason, not a token. An STS security token (none is valid), or a wrong operator token (REST)
    OTHER = "other"  # any other refusal of the common checks (TOP: a bad version or format)


# Signed reads take about a millisecond; the default buckets start at 5 ms.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "fapiao_requests",
    "Requests answered, by protocol (aliyun, top, rest), action (Alibaba Cloud action, TOP method, REST "
    "'METHOD /route/{template}'; 'unknown' for none of them), HTTP status and the protocol's error code "
    "('' for a success; TOP answers every error with HTTP 200 and its numeric code).",
    ["protocol", "action", "status", "error"],
)
LATENCY = Histogram(
    "fapiao_request_duration_seconds",
    "Time from a request's arrival at the app to its last byte sent, by protocol and action.",
    ["protocol", "action"],
    buckets=LATENCY_BUCKETS,
)
AUTH_FAILURES = Counter(
    "fapiao_auth_failures",
    "Requests refused by authentication, by protocol and reason.",
    ["protocol", "reason"],
)
REPLAYS = Counter(
    "fapiao_replays_refused",
    "Signed requests refused because their nonce was already used (Alibaba Cloud SignatureNonceUsed).",
    ["protocol"],
)
THROTTLED = Counter(
    "fapiao_throttled",
    "Calls refused by throttling, by protocol and budget: caller (its default budget), action (an action's "
    "own rate) or address (too many failed authentications).",
    ["protocol", "scope"],
)

for _protocol in Protocol:
    for _reason in AuthFailure:
        AUTH_FAILURES.labels(protocol=_protocol.value, reason=_reason.value)
    for _scope in ("caller", "action", "address"):
        THROTTLED.labels(protocol=_protocol.value, scope=_scope)
REPLAYS.labels(protocol=Protocol.ALIYUN.value)


def auth_failed(protocol: Protocol, reason: AuthFailure) -> None:
    AUTH_FAILURES.labels(protocol=protocol.value, reason=reason.value).inc()
    if reason is AuthFailure.REPLAYED_NONCE:
        REPLAYS.labels(protocol=protocol.value).inc()


def throttled(protocol: Protocol, scope: str) -> None:
    THROTTLED.labels(protocol=protocol.value, scope=scope).inc()


class RequestMetrics:
    """Counts and times each request from its ``protocols.access.Exchange``, which the front door hands over
    once the answer is sent (``access.serve``'s observer): the same protocol, action, status, error code and
    duration the access line shows, so there is one record of a request. ``declared``: each protocol's actions
    (the catalogs); an action a client named that is not one of them counts as ``unknown``. A REST action is
    the route template the router matched, bounded already. Requests of no protocol (health, metrics, docs) are
    not counted."""

    def __init__(self, declared: Mapping[str, Collection[str]]) -> None:
        self.declared = {protocol: frozenset(actions) for protocol, actions in declared.items()}
        # The series of each (protocol, action, status, error) seen, so a request skips ``labels()`` (its
        # checks and lock cost twice the increments themselves). Bounded as the labels are.
        self._series: dict[tuple[str, str, int, str], tuple[Counter, Histogram]] = {}

    def __call__(self, exchange: Exchange, seconds: float) -> None:
        protocol, status = exchange.protocol, exchange.status
        if protocol not in _PROTOCOLS or status is None:
            return
        action = exchange.action
        known = self.declared.get(protocol)
        if action is None or (known is not None and action not in known):
            action = UNKNOWN
        key = (protocol, action, status, exchange.code or "")
        series = self._series.get(key)
        if series is None:
            counter = REQUESTS.labels(protocol, action, str(status), key[3])
            series = self._series[key] = (counter, LATENCY.labels(protocol, action))
        series[0].inc()
        series[1].observe(seconds)


_PROTOCOLS = frozenset(protocol.value for protocol in Protocol)


# --- exposition ------------------------------------------------------------------------------------------------


def multiprocess() -> bool:
    """Whether this process counts into multi-process files (decided when prometheus-client is imported)."""
    return bool(os.environ.get(MULTIPROC_DIR))


def exposition(extra: Iterable[Collector] = ()) -> bytes:
    """The metrics page: this process's registry, or every process's counts in multi-process mode (where
    per-process metrics such as CPU time are left out: they cannot be added up), then ``extra`` collectors
    (the backlog gauges, computed now)."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess():
        from prometheus_client.multiprocess import MultiProcessCollector

        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Delegate(REGISTRY))
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry)


class _Delegate:
    """The default registry as one collector of another registry, so one page holds it and ``extra``."""

    def __init__(self, inner: CollectorRegistry) -> None:
        self.inner = inner

    def collect(self) -> Iterable[Metric]:
        return self.inner.collect()
