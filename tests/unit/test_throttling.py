"""The throttle component on its own: budgets, scopes, waits, the address block, both storages."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any

import pytest
import structlog

from fapiao.settings import Profile, Settings
from fapiao.throttling import (
    UNTHROTTLED,
    Limiter,
    Scope,
    Throttled,
    address_key,
    app_caller,
    build_throttle,
    key_caller,
)

REDIS_URL = os.environ.get("FAPIAO_TEST_REDIS_URL")
STORAGES = [
    pytest.param("memory://", id="memory"),
    pytest.param(
        REDIS_URL or "",
        id="redis",
        marks=pytest.mark.skipif(
            not REDIS_URL, reason="Redis tests need FAPIAO_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0)"
        ),
    ),
]


def _caller() -> str:
    """A caller no earlier run has counted (Redis keeps counters for their window)."""
    return key_caller(f"LTAI{secrets.token_hex(8)}")


def _address() -> str:
    return f"2001:db8:{secrets.randbelow(0x10000):x}:{secrets.randbelow(0x10000):x}::1"


@pytest.fixture(params=STORAGES)
def storage(request: pytest.FixtureRequest) -> str:
    url: str = request.param
    return url


def _limiter(storage: str, *, default: str = "3/hour", own: dict[str, str] | None = None) -> Limiter:
    return Limiter(storage, default, own or {}, "2/hour")


def test_the_default_budget_is_shared_by_every_action_without_its_own(storage: str) -> None:
    limiter = _limiter(storage)
    caller = _caller()
    assert [limiter.admit(caller, action) for action in ("A", "B", "C")] == [None, None, None]

    refused = limiter.admit(caller, "D")

    assert refused is not None
    assert refused.scope is Scope.CALLER
    assert 1 <= refused.retry_after <= 3600
    assert limiter.admit(_caller(), "A") is None  # another caller, another budget


def test_an_action_with_its_own_rate_has_its_own_budget_per_caller(storage: str) -> None:
    limiter = _limiter(storage, own={"Apply": "1/hour"})
    caller = _caller()
    assert limiter.admit(caller, "Apply") is None

    refused = limiter.admit(caller, "Apply")

    assert refused is not None and refused.scope is Scope.ACTION
    assert [limiter.admit(caller, "Other") for _ in range(3)] == [None, None, None]  # the default is untouched
    assert limiter.admit(_caller(), "Apply") is None


def test_every_rate_of_a_rate_list_holds(storage: str) -> None:
    limiter = _limiter(storage, default="5/hour;2/day")
    caller = _caller()
    assert limiter.admit(caller, "A") is None
    assert limiter.admit(caller, "A") is None

    refused = limiter.admit(caller, "A")

    assert refused is not None and 3600 < refused.retry_after <= 86400  # the day's window refused


def test_an_address_is_blocked_once_its_failures_exceed_the_budget(storage: str) -> None:
    limiter = _limiter(storage)
    address = _address()
    for _ in range(2):
        limiter.failed(address)
        assert limiter.blocked(address) is None  # within the budget of 2

    limiter.failed(address)  # the third exceeds it

    blocked = limiter.blocked(address)
    assert blocked is not None and blocked.scope is Scope.ADDRESS
    assert 1 <= blocked.retry_after <= 3600
    assert limiter.blocked(_address()) is None
    assert limiter.blocked(None) is None
    limiter.failed(None)  # no address known (an in-process call): nothing to count


@pytest.mark.parametrize("storage", STORAGES[1:])
def test_processes_sharing_redis_share_budgets(storage: str) -> None:
    first, second = _limiter(storage), _limiter(storage)
    caller, address = _caller(), _address()
    for _ in range(3):
        assert first.admit(caller, "A") is None
    refused = second.admit(caller, "A")
    assert refused is not None and refused.scope is Scope.CALLER

    for _ in range(2):
        first.failed(address)
    assert second.blocked(address) is None  # the second process has not seen a failure of its own yet
    second.failed(address)  # ... and its first one is past the shared budget
    assert second.blocked(address) is not None


def test_a_block_ends_with_its_window() -> None:
    limiter = Limiter("memory://", "3/hour", {}, "1/second")
    address = _address()
    limiter.failed(address)
    limiter.failed(address)
    blocked = limiter.blocked(address)
    assert blocked is not None and blocked.retry_after == 1

    time.sleep(blocked.wait + 0.05)

    assert limiter.blocked(address) is None
    limiter.failed(address)  # a new window: one failure is within the budget again
    assert limiter.blocked(address) is None


def test_an_unreachable_storage_lets_requests_through_and_says_so() -> None:
    limiter = Limiter("redis://127.0.0.1:1/0", "1/hour", {}, "1/hour")  # nothing listens on port 1
    caller = _caller()
    with structlog.testing.capture_logs() as logs:
        assert limiter.admit(caller, "A") is None
        assert limiter.admit(caller, "A") is None  # paused: no second attempt, no second warning
    warnings = [entry for entry in logs if entry["event"] == "throttle.storage_unavailable"]
    assert len(warnings) == 1
    assert "127.0.0.1" not in str(warnings[0])  # the URL (it may hold a password) is not logged


def test_ipv6_addresses_count_per_64_and_mapped_ipv4_as_ipv4() -> None:
    assert address_key("203.0.113.9") == "203.0.113.9"
    assert address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:203.0.113.9") == "203.0.113.9"
    assert address_key("not:an:address") == "not:an:address"


def test_waits_are_whole_seconds_and_milliseconds_at_least_one() -> None:
    assert (Throttled(Scope.CALLER, 0.2).retry_after, Throttled(Scope.CALLER, 0.2).retry_after_ms) == (1, 200)
    assert (Throttled(Scope.CALLER, 2.0001).retry_after, Throttled(Scope.CALLER, -1).retry_after_ms) == (3, 1)


def test_callers_are_keys_or_apps_never_session_keys() -> None:
    assert key_caller("LTAI1") == "key:LTAI1"
    assert app_caller("12345678", None) == "app:12345678"
    assert app_caller("12345678", 42) == "app:12345678:42"


def test_a_bad_rate_names_its_setting() -> None:
    with pytest.raises(ValueError, match=r"FAPIAO_RATE_LIMITS\['ApplyInvoice'\]: 'ten per sec'"):
        Limiter("memory://", "3/hour", {"ApplyInvoice": "ten per sec"}, "2/hour")
    with pytest.raises(ValueError, match="FAPIAO_RATE_LIMIT_FAILURES"):
        Limiter("memory://", "3/hour", {}, "")


@pytest.mark.parametrize(
    ("profile", "switch", "on"),
    [
        (Profile.SANDBOX, None, False),
        (Profile.PRODUCTION, None, True),
        (Profile.SANDBOX, True, True),
        (Profile.PRODUCTION, False, False),
    ],
)
def test_off_in_the_sandbox_on_in_production_unless_set(
    tmp_path: Path, profile: Profile, switch: bool | None, on: bool
) -> None:
    settings = Settings(data_dir=tmp_path, profile=profile, rate_limiting=switch)
    throttle = build_throttle(settings)
    assert settings.rate_limiting_enabled is on
    assert (throttle is not UNTHROTTLED) is on


def test_the_memory_storage_sweeps_on_its_own_schedule_not_every_10_ms() -> None:
    limiter = Limiter("memory://", "100/hour", {}, "2/hour")
    storage: Any = limiter._limiter.storage
    limiter.admit(_caller(), "A")
    assert storage.next_sweep > 0  # limits still calls the hook this overrides
    sweeper = storage.timer
    sweeper.join(1)  # limits' sweeper runs 10 ms after it is started

    limiter.admit(_caller(), "A")

    assert storage.timer is sweeper  # limits alone would have started another thread for this hit
