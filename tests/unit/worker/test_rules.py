"""Pure parts of delivery: the signature against an independent implementation, the retry schedule, the
settings that shape it, and the address rules."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
from typing import Any

import pytest
from pydantic import ValidationError

from fapiao.notify.schedule import retry_delay
from fapiao.notify.signing import signature_header
from fapiao.notify.targets import is_public
from fapiao.settings import DEFAULT_WEBHOOK_SCHEDULE, Profile, Settings
from tests.support.paths import REPOSITORY


def test_signature_header_matches_an_independent_hmac() -> None:
    body = '{"id":"evt_1","data":{"title":"示例"}}'.encode()
    header = signature_header(["whsec_new", "whsec_old"], 1_700_000_000, body)
    t, first, second = header.split(",")
    assert t == "t=1700000000"
    for part, secret in ((first, b"whsec_new"), (second, b"whsec_old")):
        expected = hmac.new(secret, b"1700000000." + body, hashlib.sha256).hexdigest()
        assert part == f"v1={expected}"
    with pytest.raises(ValueError, match="at least one"):
        signature_header([], 1, body)


def test_retry_delays_follow_the_schedule_with_bounded_jitter() -> None:
    schedule = (1.0, 10.0, 100.0)
    for failures, base in enumerate(schedule, start=1):
        for _ in range(50):
            delay = retry_delay(failures, schedule, 0.1)
            assert delay is not None and base <= delay <= base * 1.1
    assert retry_delay(4, schedule, 0.1) is None  # schedule exhausted: give up
    assert retry_delay(0, schedule, 0.1) is None
    assert retry_delay(2, schedule, 0.0) == 10.0


def test_default_schedule_spans_about_a_day() -> None:
    assert Settings().webhook_schedule == DEFAULT_WEBHOOK_SCHEDULE
    hours = sum(DEFAULT_WEBHOOK_SCHEDULE) / 3600
    assert 18 <= hours <= 30 and list(DEFAULT_WEBHOOK_SCHEDULE) == sorted(DEFAULT_WEBHOOK_SCHEDULE)


def test_schedule_and_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAPIAO_WEBHOOK_SCHEDULE", "0.5, 2,10")
    assert Settings().webhook_schedule == (0.5, 2.0, 10.0)
    monkeypatch.setenv("FAPIAO_WEBHOOK_SCHEDULE", "[1, 5]")
    assert Settings().webhook_schedule == (1.0, 5.0)
    monkeypatch.setenv("FAPIAO_WEBHOOK_SCHEDULE", "1,-5")
    with pytest.raises(ValidationError, match="negative"):
        Settings()
    monkeypatch.delenv("FAPIAO_WEBHOOK_SCHEDULE")
    with pytest.raises(ValidationError, match="twice"):
        Settings(webhook_timeout_seconds=30, webhook_claim_seconds=40)


def test_private_targets_default_by_profile() -> None:
    assert Settings(profile=Profile.SANDBOX).webhook_private_targets
    assert not Settings(profile=Profile.PRODUCTION).webhook_private_targets
    assert Settings(profile=Profile.PRODUCTION, webhook_allow_private=True).webhook_private_targets
    assert not Settings(profile=Profile.SANDBOX, webhook_allow_private=False).webhook_private_targets


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),  # noqa: S104 - an address under test, not a bind
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:93.184.215.14", True),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


def test_the_documented_receiver_verifies_our_signatures() -> None:
    """The example in docs/webhooks.md, run as written, against the signer."""
    text = (REPOSITORY / "docs" / "webhooks.md").read_text()
    example = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {"__name__": "webhooks_example"}
    exec(compile(example, "docs/webhooks.md", "exec"), namespace)  # noqa: S102 - our own documentation
    verify = namespace["verify_signature"]
    body = b'{"id":"evt_1"}'
    now = int(time.time())
    assert verify(signature_header(["whsec_a"], now, body), body, "whsec_a")
    assert verify(signature_header(["whsec_b", "whsec_a"], now, body), body, "whsec_a")  # rotation overlap
    assert not verify(signature_header(["whsec_a"], now, body), body + b" ", "whsec_a")
    assert not verify(signature_header(["whsec_a"], now - 301, body), body, "whsec_a")  # too old
    assert not verify("v1=abc", body, "whsec_a")
