"""The webhook rules: the signature against an independent implementation and the documented receiver, the
retry schedule and the settings that shape it, delivery transitions, event filters and documents, and which
URLs and addresses an endpoint may use."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from fapiao.domain import webhooks as rules
from fapiao.domain.errors import ValidationFailed
from fapiao.domain.webhooks import (
    DeliveryStatus,
    Outcome,
    Settled,
    TargetRefused,
    is_public,
    retry_delay,
    signature_header,
)
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
        assert retry_delay(failures, schedule, 0.1, 0.0) == base
        assert retry_delay(failures, schedule, 0.1, 1.0) == pytest.approx(base * 1.1)
        assert retry_delay(failures, schedule, 0.1, 0.5) == pytest.approx(base * 1.05)
    assert retry_delay(4, schedule, 0.1, 0.5) is None  # schedule exhausted: give up
    assert retry_delay(0, schedule, 0.1, 0.5) is None
    assert retry_delay(2, schedule, 0.0, 0.9) == 10.0


SCHEDULE = {"schedule": (1.0, 10.0), "jitter": 0.0, "draw": 0.0}


def test_a_success_ends_the_delivery() -> None:
    moved = rules.after_attempt(Outcome(204, 1, "", ""), failures=1, manual=False, **SCHEDULE)  # type: ignore[arg-type]
    assert (moved.settled, moved.status, moved.failures, moved.retry_in) == (
        Settled.SUCCEEDED,
        DeliveryStatus.SUCCEEDED,
        1,
        None,
    )


def test_failures_walk_the_schedule_and_then_give_up() -> None:
    down = Outcome(503, 1, "HTTP 503", "")
    first = rules.after_attempt(down, failures=0, manual=False, **SCHEDULE)  # type: ignore[arg-type]
    assert (first.settled, first.status, first.failures, first.retry_in) == (
        Settled.RETRYING,
        DeliveryStatus.PENDING,
        1,
        1.0,
    )
    second = rules.after_attempt(down, failures=1, manual=False, **SCHEDULE)  # type: ignore[arg-type]
    assert (second.settled, second.retry_in) == (Settled.RETRYING, 10.0)
    last = rules.after_attempt(down, failures=2, manual=False, **SCHEDULE)  # type: ignore[arg-type]
    assert (last.settled, last.status, last.failures, last.retry_in) == (
        Settled.FAILED,
        DeliveryStatus.FAILED,
        3,
        None,
    )


def test_a_failed_manual_attempt_neither_counts_nor_reschedules() -> None:
    moved = rules.after_attempt(Outcome(None, 1, "refused", ""), failures=1, manual=True, **SCHEDULE)  # type: ignore[arg-type]
    assert (moved.settled, moved.status, moved.failures) == (Settled.FAILED, DeliveryStatus.FAILED, 1)


@pytest.mark.parametrize(("code", "ok"), [(200, True), (299, True), (302, False), (500, False), (None, False)])
def test_only_2xx_is_success(code: int | None, ok: bool) -> None:
    assert Outcome(code, 1, "", "").ok is ok


def test_redelivery_makes_a_finished_delivery_pending_for_one_manual_attempt() -> None:
    assert rules.redelivery("succeeded", False) == (DeliveryStatus.PENDING, True)
    assert rules.redelivery("failed", False) == (DeliveryStatus.PENDING, True)
    assert rules.redelivery("pending", False) == (DeliveryStatus.PENDING, False)  # just due now
    assert rules.redelivery("pending", True) == (DeliveryStatus.PENDING, True)


def test_event_filters() -> None:
    assert rules.event_filter([]) == ["*"]
    assert rules.event_filter([" title.reviewed", "title.reviewed", ""]) == ["title.reviewed"]
    assert rules.event_filter(["application.filed", "*"]) == ["*"]
    with pytest.raises(ValidationFailed) as unknown:
        rules.event_filter(["title.eaten"])
    assert unknown.value.field == "event_types" and "title.eaten" in unknown.value.message
    assert rules.wants(["*"], "title.submitted") and rules.wants(["title.submitted"], "title.submitted")
    assert not rules.wants(["application.filed"], "title.submitted")


def test_endpoints_receive_their_owners_events_they_want() -> None:
    @dataclass
    class Row:
        account_id: int | None = None
        provider_app_id: int | None = None
        event_types: tuple[str, ...] = ("*",)
        type: str = "application.filed"

    filing = Row(account_id=1, provider_app_id=7)
    assert rules.receives(Row(account_id=1), filing) and rules.receives(Row(provider_app_id=7), filing)
    assert not rules.receives(Row(account_id=2), filing) and not rules.receives(Row(provider_app_id=8), filing)
    assert not rules.receives(Row(account_id=1, event_types=("title.reviewed",)), filing)
    assert not rules.receives(Row(), Row())  # no owner matches no owner


def test_the_event_document_is_compact_utf8_json() -> None:
    body = rules.event_document(
        event_id="evt_1",
        event_type="title.reviewed",
        created_at=datetime(2026, 1, 2, 3, 4, 5),  # naive UTC, as stored
        user_id=42,
        app_key=None,
        payload={"title": {"invoice_title": "示例"}},
    )
    assert (
        body
        == (
            '{"id":"evt_1","object":"event","type":"title.reviewed","created":1767323045,"user_id":42,'
            '"app_key":null,"data":{"title":{"invoice_title":"示例"}}}'
        ).encode()
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://93.184.215.14/x", "http or https"),
        ("https://user:pass@93.184.215.14/x", "credentials"),
        ("https:///path-only", "no host"),
        ("https://93.184.215.14:99999/x", "invalid port"),
        ("https://93.184.215.14/x#frag", "fragment"),
        ("  ", "1 to 2048"),
        ("https://example.com/" + "x" * 2048, "1 to 2048"),
    ],
)
def test_urls_endpoints_may_not_use(url: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        rules.parse_url(url)
    assert refused.value.field == "url" and message in refused.value.message


def test_urls_endpoints_may_use() -> None:
    assert rules.parse_url(" https://Example.com/hooks ") == rules.Target(
        "https://Example.com/hooks", "example.com", 443
    )
    assert rules.parse_url("http://example.com:8080/") == rules.Target("http://example.com:8080/", "example.com", 8080)
    assert rules.parse_url("HTTP://[::1]/h").port == 80


def test_every_resolved_address_must_be_public() -> None:
    public, private = ipaddress.ip_address("93.184.215.14"), ipaddress.ip_address("10.0.0.1")
    assert rules.public_address("example.com", [public]) == "93.184.215.14"
    with pytest.raises(TargetRefused, match=r"example\.com resolves to 10\.0\.0\.1"):
        rules.public_address("example.com", [public, private])
    with pytest.raises(TargetRefused, match="cannot be resolved"):
        rules.public_address("example.com", [])


def test_rotation_overlaps_are_bounded() -> None:
    assert rules.check_overlap(timedelta(0)) == timedelta(0)
    assert rules.check_overlap(timedelta(days=7)) == timedelta(days=7)
    for refused in (timedelta(seconds=-1), timedelta(days=7, seconds=1)):
        with pytest.raises(ValidationFailed) as out_of_range:
            rules.check_overlap(refused)
        assert out_of_range.value.field == "overlap_seconds"


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


def test_the_documented_event_types_are_the_ones_published() -> None:
    text = (REPOSITORY / "docs" / "webhooks.md").read_text()
    events = text.split("\n## Events", 1)[1].split("\n## Delivery", 1)[0]
    assert tuple(re.findall(r"^\| `([a-z_.]+)` \|", events, re.MULTILINE)) == rules.EVENT_TYPES
