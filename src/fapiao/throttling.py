"""Throttling: per-caller request limits, and a per-address budget of failed authentications.

Built once per process (``Runtime.throttle``) and consulted by each gateway, which answers a refusal in its
own protocol's words (Alibaba ``Throttling.User``, TOP code 7, REST 429):

- ``blocked(address)`` before anything is verified: an address that exceeded its budget of failed
  authentications is refused without a signature check or a credential lookup, so a flood of bad signatures
  costs one dictionary lookup per request;
- ``failed(address)`` once authentication refused a request;
- ``admit(caller, action)`` once the caller is known and before its use case runs.

A caller has one budget for all of its calls (``FAPIAO_RATE_LIMIT_DEFAULT``); an action named in
``FAPIAO_RATE_LIMITS`` has a budget of its own instead, per caller, and its calls do not count against the
default. Rates use the ``limits`` library's notation (``"10/second"``, ``"5/second;100/minute"``) and its
fixed-window strategy: a refused caller can be told exactly when its window ends (the seconds to wait that
each protocol's answer carries). Counters live in the storage ``FAPIAO_RATE_LIMIT_STORAGE`` names:
``memory://`` (this process) or Redis (shared by every worker and host).
"""

from __future__ import annotations

import enum
import functools
import ipaddress
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import structlog

from fapiao.domain.errors import DomainError, Reason

if TYPE_CHECKING:
    from limits import RateLimitItem
    from limits.storage import Storage, StorageTypes
    from limits.strategies import FixedWindowRateLimiter

    from fapiao.settings import Settings

log = structlog.get_logger(__name__)

NAMESPACE = "fapiao"  # the first identifier of every counter, so keys in a shared Redis say whose they are
# A slow or unreachable Redis must not stall every request: its calls time out after this long, and after a
# failure the throttle lets requests through for STORAGE_PAUSE seconds before it tries the storage again.
STORAGE_TIMEOUT = 0.5
STORAGE_PAUSE = 5.0
# How often the memory storage frees counters whose window ended and that nobody asked about since.
SWEEP_SECONDS = 10.0
# The blocked addresses this process remembers (a flood from many addresses must not grow it without bound).
MAX_BLOCKED = 100_000


class Scope(enum.Enum):
    """Which budget refused: each protocol names them differently."""

    CALLER = "caller"  # the caller's default budget, shared by every action without its own
    ACTION = "action"  # an action's own budget for the caller (FAPIAO_RATE_LIMITS)
    ADDRESS = "address"  # failed authentications from one source address


@dataclass(frozen=True, slots=True)
class Throttled:
    """A refusal: which budget, and how long until the window that refused ends."""

    scope: Scope
    wait: float  # seconds

    @property
    def retry_after(self) -> int:
        """Whole seconds to wait, at least 1 (``Retry-After``, TOP's "ban will last for N more seconds")."""
        return max(1, math.ceil(self.wait))

    @property
    def retry_after_ms(self) -> int:
        """Milliseconds to wait, at least 1 (Alibaba's ``x-acs-retry-after``)."""
        return max(1, math.ceil(self.wait * 1000))


class TooManyRequests(DomainError):
    """A throttled request, for adapters that answer through domain errors (REST)."""

    reason = Reason.THROTTLED

    def __init__(self, message: str, throttled: Throttled) -> None:
        super().__init__(message)
        self.throttled = throttled


class Throttle(Protocol):
    """What the gateways consult; see the module docstring for when."""

    def admit(self, caller: str, action: str) -> Throttled | None: ...

    def blocked(self, address: str | None) -> Throttled | None: ...

    def failed(self, address: str | None) -> None: ...


class Unthrottled:
    """Throttling off (the sandbox default): constant answers, no storage, ``limits`` not even imported."""

    def admit(self, caller: str, action: str) -> Throttled | None:
        return None

    def blocked(self, address: str | None) -> Throttled | None:
        return None

    def failed(self, address: str | None) -> None:
        return None


UNTHROTTLED = Unthrottled()


class Limiter:
    """Throttling on: ``limits``' fixed windows over memory or Redis (imported only here: a tenth of a
    second that the sandbox and every CLI command need not pay)."""

    def __init__(self, storage_url: str, default: str, own: Mapping[str, str], failures: str) -> None:
        from limits.errors import StorageError
        from limits.storage import storage_from_string
        from limits.strategies import FixedWindowRateLimiter

        self._default = _rates("FAPIAO_RATE_LIMIT_DEFAULT", default)
        self._own = {action: _rates(f"FAPIAO_RATE_LIMITS[{action!r}]", rate) for action, rate in own.items()}
        self._failures = _rates("FAPIAO_RATE_LIMIT_FAILURES", failures)
        if storage_url == "memory://":
            storage: StorageTypes = _memory_storage()
        else:
            storage = storage_from_string(storage_url, wrap_exceptions=True, **_storage_options(storage_url))
        self._limiter: FixedWindowRateLimiter = FixedWindowRateLimiter(storage)
        self._now = time.time
        # Addresses known to be over their failure budget, and until when (``time.time``). Kept in the process
        # so that refusing one costs no storage round trip: each process learns of a block from its own next
        # failure, whose counter (shared in Redis) is then already over the budget.
        self._blocked: dict[str, float] = {}
        self._paused_until = 0.0
        self._storage_error = StorageError

    def admit(self, caller: str, action: str) -> Throttled | None:
        """Count one request of ``caller`` for ``action``; a refusal if that exceeds its budget."""
        own = self._own.get(action)
        if own is None:
            return self._take(self._default, Scope.CALLER, caller, "*")
        return self._take(own, Scope.ACTION, caller, action)

    def blocked(self, address: str | None) -> Throttled | None:
        """Whether ``address`` exceeded its failure budget (no storage call: see ``_blocked``)."""
        if address is None or not self._blocked:
            return None
        key = address_key(address)
        until = self._blocked.get(key)
        if until is None:
            return None
        wait = until - self._now()
        if wait > 0:
            return Throttled(Scope.ADDRESS, wait)
        self._blocked.pop(key, None)
        return None

    def failed(self, address: str | None) -> None:
        """Count a failed authentication from ``address``; past its budget, block it until the window ends."""
        if address is None:
            return
        key = address_key(address)
        refused = self._take(self._failures, Scope.ADDRESS, key)
        if refused is not None:
            if len(self._blocked) >= MAX_BLOCKED:
                self._forget_expired()
            self._blocked[key] = self._now() + refused.wait

    def _take(self, items: Sequence[RateLimitItem], scope: Scope, *identifiers: str) -> Throttled | None:
        if self._paused_until and self._now() < self._paused_until:
            return None
        key = "/".join((NAMESPACE, scope.value, *identifiers))  # one identifier: ``limits`` escapes each one
        try:
            for item in items:
                if not self._limiter.hit(item, key):
                    reset = self._limiter.get_window_stats(item, key).reset_time
                    return Throttled(scope, reset - self._now())
        except self._storage_error as error:
            # Fail open: throttling protects the service, and a storage outage must not take the service down
            # with it. Logged once per pause, with the error's type only (a Redis URL may hold a password).
            self._paused_until = self._now() + STORAGE_PAUSE
            log.warning("throttle.storage_unavailable", error=type(error.storage_error).__name__, pause=STORAGE_PAUSE)
        return None

    def _forget_expired(self) -> None:
        now = self._now()
        for key in [key for key, until in self._blocked.items() if until <= now]:
            del self._blocked[key]
        while len(self._blocked) >= MAX_BLOCKED:  # all still blocked: forget the oldest
            del self._blocked[next(iter(self._blocked))]


def key_caller(key_id: str | None) -> str:
    """The caller an access key stands for: one budget whether it signs RPC requests or REST ones."""
    return f"key:{key_id}"


def app_caller(app_key: str, merchant_account: int | None) -> str:
    """A TOP app, on its own or for the merchant whose session it sent (never the session key itself: it is
    a secret, and counters in Redis are readable)."""
    return f"app:{app_key}" if merchant_account is None else f"app:{app_key}:{merchant_account}"


OPERATOR_CALLER = "operator"


def build_throttle(settings: Settings) -> Throttle:
    """The throttle the settings ask for; raises ``ValueError`` naming the setting that is wrong."""
    if not settings.rate_limiting_enabled:
        return UNTHROTTLED
    return Limiter(
        settings.rate_limit_storage,
        settings.rate_limit_default,
        settings.rate_limits,
        settings.rate_limit_failures,
    )


@functools.lru_cache(maxsize=4096)
def address_key(address: str) -> str:
    """The budget an address counts against: an IPv4 address itself, an IPv6 address its /64 (one host is
    commonly given a whole /64, so single IPv6 addresses would be free to rotate)."""
    if ":" not in address:
        return address
    try:
        ip = ipaddress.IPv6Address(address.partition("%")[0])
    except ValueError:
        return address
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.IPv6Network((ip, 64), strict=False))


def _rates(setting: str, value: str) -> tuple[RateLimitItem, ...]:
    from limits import parse_many

    try:
        return tuple(parse_many(value))
    except ValueError:
        raise ValueError(f"{setting}: {value!r} is not a rate such as '10/second' or '5/second;100/minute'") from None


def _memory_storage() -> Storage:
    """``limits``' memory storage, sweeping expired counters every ``SWEEP_SECONDS`` instead of every 10 ms.

    Its own schedule starts a new sweeper thread on the first hit after the last sweep ended, so about every
    10 ms under load; a thread start waits for the GIL, and that measured +0.7 ms per signed request on a busy
    two-core machine. Counts stay exact either way (reading a counter drops it once its window ended); the
    sweep only frees counters nobody asks about again. The hook is the class's private scheduler, so
    ``tests/unit/test_throttling.py`` checks that it is still the one called.
    """
    from limits.storage import MemoryStorage

    class SweepingMemoryStorage(MemoryStorage):
        next_sweep = 0.0

        def _MemoryStorage__schedule_expiry(self) -> None:  # overrides the name-mangled hook
            now = time.monotonic()
            if now >= self.next_sweep:
                self.next_sweep = now + SWEEP_SECONDS
                getattr(super(), "_MemoryStorage__schedule_expiry")()  # noqa: B009 - mangled, not a typo

    return SweepingMemoryStorage()


def _storage_options(url: str) -> dict[str, float | str | bool]:
    if url.startswith(("redis", "rediss", "valkey")):
        return {"socket_timeout": STORAGE_TIMEOUT, "socket_connect_timeout": STORAGE_TIMEOUT}
    return {}
