"""RAM policy conditions: Alibaba Cloud RAM's semantics for the keys and operators Fapiao understands, and a
refusal naming whatever it does not understand (never accepted and ignored)."""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fapiao.domain.errors import ValidationFailed
from fapiao.domain.policies import (
    UNKNOWN_CONTEXT,
    Decision,
    Policy,
    RequestContext,
    decide,
    is_allowed,
    parse_policy,
    source_address,
)

ACTION = "bss:QueryCustomerInvoiceInfo"
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
BOUNDED = settings(max_examples=200, deadline=None)


def statement(effect: str = "Allow", condition: Any = None, action: str = ACTION) -> dict[str, Any]:
    found: dict[str, Any] = {"Effect": effect, "Action": [action], "Resource": "*"}
    if condition is not None:
        found["Condition"] = condition
    return found


def policy(*statements: dict[str, Any]) -> Policy:
    return parse_policy(json.dumps({"Version": "1", "Statement": list(statements)}))


def allowed_when(condition: Any) -> Policy:
    return policy(statement("Allow", condition))


def context(ip: str | None = "127.0.0.1", secure: bool | None = False, now: datetime | None = NOW) -> RequestContext:
    return RequestContext(source_address(ip), secure, now)


# --- acs:SourceIp ----------------------------------------------------------------------------------------------


def test_the_reported_policy_no_longer_lets_loopback_in() -> None:
    only_documentation_net = allowed_when({"IpAddress": {"acs:SourceIp": "203.0.113.0/24"}})
    assert not is_allowed([only_documentation_net], ACTION, context("127.0.0.1"))
    assert is_allowed([only_documentation_net], ACTION, context("203.0.113.77"))
    loopback = allowed_when({"IpAddress": {"acs:SourceIp": "127.0.0.0/8"}})
    assert is_allowed([loopback], ACTION, context("127.0.0.1"))


@BOUNDED
@given(
    address=st.ip_addresses(v=4),
    network=st.builds(
        lambda a, p: ipaddress.ip_network(f"{a}/{p}", strict=False), st.ip_addresses(v=4), st.integers(0, 32)
    ),
)
def test_ip_address_holds_exactly_inside_the_block(
    address: ipaddress.IPv4Address, network: ipaddress.IPv4Network
) -> None:
    inside = allowed_when({"IpAddress": {"acs:SourceIp": str(network)}})
    outside = allowed_when({"NotIpAddress": {"acs:SourceIp": str(network)}})
    here = context(str(address))
    assert is_allowed([inside], ACTION, here) is (address in network)
    assert is_allowed([outside], ACTION, here) is (address not in network)


@BOUNDED
@given(address=st.ip_addresses(v=4), blocks=st.lists(st.ip_addresses(v=4).map(str), min_size=1, max_size=4))
def test_values_of_one_key_are_ored_and_negation_needs_none_to_match(
    address: ipaddress.IPv4Address, blocks: list[str]
) -> None:
    any_of = allowed_when({"IpAddress": {"acs:SourceIp": blocks}})
    none_of = allowed_when({"NotIpAddress": {"acs:SourceIp": blocks}})
    listed = str(address) in blocks
    assert is_allowed([any_of], ACTION, context(str(address))) is listed
    assert is_allowed([none_of], ACTION, context(str(address))) is not listed


def test_ipv6_and_ipv4_seen_through_an_ipv6_socket() -> None:
    v4 = allowed_when({"IpAddress": {"acs:SourceIp": "127.0.0.0/8"}})
    assert is_allowed([v4], ACTION, context("::ffff:127.0.0.1"))
    assert not is_allowed([v4], ACTION, context("::1"))
    v6 = allowed_when({"IpAddress": {"acs:SourceIp": ["2001:db8::/32"]}})
    assert is_allowed([v6], ACTION, context("2001:db8::5"))
    assert not is_allowed([v6], ACTION, context("127.0.0.1"))


def test_a_request_without_an_address_matches_no_block() -> None:
    # a Unix socket or an unparsable peer: an IpAddress Allow does not apply, a NotIpAddress Deny does
    for unknown in (None, "unix:/run/fapiao.sock", ""):
        assert source_address(unknown) is None
    allow = allowed_when({"IpAddress": {"acs:SourceIp": "0.0.0.0/0"}})
    assert not is_allowed([allow], ACTION, context(None))
    guarded = policy(statement("Allow"), statement("Deny", {"NotIpAddress": {"acs:SourceIp": "10.0.0.0/8"}}))
    assert decide([guarded], ACTION, context(None)) is Decision.EXPLICIT_DENY
    assert decide([guarded], ACTION, context("10.1.2.3")) is Decision.ALLOW
    assert not is_allowed([allow], ACTION, UNKNOWN_CONTEXT)


# --- acs:CurrentTime ---------------------------------------------------------------------------------------------

instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
zones = st.integers(-12 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))

DATE_RULES = {
    "DateEquals": lambda now, at: now == at,
    "DateNotEquals": lambda now, at: now != at,
    "DateLessThan": lambda now, at: now < at,
    "DateLessThanEquals": lambda now, at: now <= at,
    "DateGreaterThan": lambda now, at: now > at,
    "DateGreaterThanEquals": lambda now, at: now >= at,
}


@BOUNDED
@given(now=instants, at=instants, zone=zones, op=st.sampled_from(sorted(DATE_RULES)))
def test_date_operators_compare_instants_in_any_zone(now: datetime, at: datetime, zone: timezone, op: str) -> None:
    at = at.replace(microsecond=0)
    written = at.astimezone(zone).isoformat()
    rule = allowed_when({op: {"acs:CurrentTime": written}})
    assert is_allowed([rule], ACTION, context(now=now)) is DATE_RULES[op](now, at)
    assert is_allowed([rule], ACTION, context(now=at)) is DATE_RULES[op](at, at)


def test_a_naive_now_is_utc() -> None:
    since = allowed_when({"DateGreaterThanEquals": {"acs:CurrentTime": "2026-12-01T16:00:00+08:00"}})
    assert is_allowed([since], ACTION, RequestContext.of("127.0.0.1", False, datetime(2026, 12, 1, 8, 0)))
    assert not is_allowed([since], ACTION, RequestContext.of("127.0.0.1", False, datetime(2026, 12, 1, 7, 59)))


def test_the_documented_time_window_and_z_suffix() -> None:
    until = allowed_when({"DateLessThan": {"acs:CurrentTime": "2019-08-12T17:00:00+08:00"}})
    assert is_allowed([until], ACTION, context(now=datetime(2019, 8, 12, 8, 59, 59, tzinfo=UTC)))
    assert not is_allowed([until], ACTION, context(now=datetime(2019, 8, 12, 9, 0, 0, tzinfo=UTC)))
    since = allowed_when({"DateGreaterThanEquals": {"acs:CurrentTime": "2026-12-01T08:00:00Z"}})
    assert is_allowed([since], ACTION, context(now=NOW))
    assert not is_allowed([since], ACTION, context(now=NOW - timedelta(seconds=1)))


# --- acs:SecureTransport ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["true", "TRUE", True, ["true"]])
def test_bool_secure_transport(value: Any) -> None:
    https_only = allowed_when({"Bool": {"acs:SecureTransport": value}})
    assert is_allowed([https_only], ACTION, context(secure=True))
    assert not is_allowed([https_only], ACTION, context(secure=False))
    assert not is_allowed([https_only], ACTION, context(secure=None))


def test_deny_over_plain_http() -> None:
    rule = policy(statement("Allow"), statement("Deny", {"Bool": {"acs:SecureTransport": "false"}}))
    assert decide([rule], ACTION, context(secure=False)) is Decision.EXPLICIT_DENY
    assert decide([rule], ACTION, context(secure=True)) is Decision.ALLOW


# --- combining ----------------------------------------------------------------------------------------------------


@BOUNDED
@given(from_net=st.booleans(), secure=st.booleans(), in_window=st.booleans())
def test_keys_and_operator_blocks_are_anded(from_net: bool, secure: bool, in_window: bool) -> None:
    rule = allowed_when(
        {
            "IpAddress": {"acs:SourceIp": "203.0.113.0/24"},
            "Bool": {"acs:SecureTransport": "true"},
            "DateLessThan": {"acs:CurrentTime": "2026-12-01T09:00:00Z"},
        }
    )
    here = context(
        "203.0.113.9" if from_net else "198.51.100.9", secure, NOW if in_window else NOW + timedelta(hours=2)
    )
    assert is_allowed([rule], ACTION, here) is (from_net and secure and in_window)


def test_two_keys_in_one_block_are_anded() -> None:
    # two spellings of one key are two conditions, both needed (keys are case-insensitive)
    rule = allowed_when({"IpAddress": {"acs:SourceIp": "10.0.0.0/8", "ACS:SOURCEIP": "10.1.0.0/16"}})
    assert is_allowed([rule], ACTION, context("10.1.2.3"))
    assert not is_allowed([rule], ACTION, context("10.2.0.1"))


def test_a_conditional_deny_applies_only_when_its_condition_holds() -> None:
    rule = policy(statement("Allow"), statement("Deny", {"IpAddress": {"acs:SourceIp": "198.51.100.0/24"}}))
    assert decide([rule], ACTION, context("198.51.100.1")) is Decision.EXPLICIT_DENY
    assert decide([rule], ACTION, context("127.0.0.1")) is Decision.ALLOW
    only_conditional_allow = allowed_when({"IpAddress": {"acs:SourceIp": "198.51.100.0/24"}})
    assert decide([only_conditional_allow], ACTION, context("127.0.0.1")) is Decision.IMPLICIT_DENY
    assert decide([only_conditional_allow], "bss:ApplyInvoice", context("198.51.100.1")) is Decision.IMPLICIT_DENY


def test_an_allow_elsewhere_still_counts_when_one_conditional_allow_fails() -> None:
    rule = policy(statement("Allow", {"IpAddress": {"acs:SourceIp": "203.0.113.0/24"}}), statement("Allow"))
    assert is_allowed([rule], ACTION, context("127.0.0.1"))


# --- refused, naming what is not understood ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "named"),
    [
        ({"StringEquals": {"acs:SourceIp": "127.0.0.1"}}, "'StringEquals' is not supported"),
        ({"IpAddressIfExists": {"acs:SourceIp": "127.0.0.1"}}, "'IpAddressIfExists' is not supported"),
        ({"ForAnyValue:IpAddress": {"acs:SourceIp": "127.0.0.1"}}, "'ForAnyValue:IpAddress' is not supported"),
        ({"ipaddress": {"acs:SourceIp": "127.0.0.1"}}, "'ipaddress' is not supported"),
        ({"Bool": {"acs:MFAPresent": "true"}}, "condition key 'acs:MFAPresent' is not supported"),
        ({"IpAddress": {"acs:SourceVpc": "vpc-1"}}, "condition key 'acs:SourceVpc' is not supported"),
        ({"IpAddress": {"acs:CurrentTime": "127.0.0.1"}}, "IpAddress cannot test acs:CurrentTime"),
        ({"Bool": {"acs:SourceIp": "true"}}, "Bool cannot test acs:SourceIp"),
        ({"IpAddress": {"acs:SourceIp": "203.0.113.0/33"}}, "acs:SourceIp value '203.0.113.0/33' is not an IP"),
        ({"IpAddress": {"acs:SourceIp": 2130706433}}, "acs:SourceIp value 2130706433 is not an IP"),
        ({"IpAddress": {"acs:SourceIp": []}}, "needs at least one value"),
        ({"DateLessThan": {"acs:CurrentTime": "2026-12-01T08:00:00"}}, "is not an ISO 8601 time with its zone"),
        ({"DateLessThan": {"acs:CurrentTime": "tomorrow"}}, "'tomorrow' is not an ISO 8601 time"),
        ({"Bool": {"acs:SecureTransport": "yes"}}, '\'yes\' is not "true" or "false"'),
        ({"IpAddress": {}}, "IpAddress needs an object of condition keys"),
        ({"IpAddress": "127.0.0.1"}, "IpAddress needs an object of condition keys"),
        ({}, "Condition must be an object of condition operators"),
        ([], "Condition must be an object of condition operators"),
    ],
)
def test_unsupported_conditions_are_refused_naming_what(condition: Any, named: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        allowed_when(condition)
    assert named in refused.value.message
    assert refused.value.field == "policy"


def test_the_refusal_lists_what_is_supported() -> None:
    with pytest.raises(ValidationFailed) as refused:
        allowed_when({"StringLike": {"acs:SourceIp": "*"}})
    assert "Bool, DateEquals" in refused.value.message and "IpAddress, NotIpAddress" in refused.value.message
    with pytest.raises(ValidationFailed) as refused:
        allowed_when({"Bool": {"acs:SecureTransports": "true"}})
    assert "acs:CurrentTime, acs:SecureTransport, acs:SourceIp" in refused.value.message


@pytest.mark.parametrize("element", ["NotAction", "NotResource", "Principal", "Conditions"])
def test_statement_elements_that_would_change_its_meaning_are_refused(element: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        policy({**statement("Deny"), element: {"IpAddress": {"acs:SourceIp": "127.0.0.1"}}})
    assert f"Statement element {element} is not supported" in refused.value.message


def test_a_repeated_name_is_refused_rather_than_the_first_dropped() -> None:
    document = (
        '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": '
        '{"IpAddress": {"acs:SourceIp": "203.0.113.0/24"}, "IpAddress": {"acs:SourceIp": "0.0.0.0/0"}}}]}'
    )
    with pytest.raises(ValidationFailed) as refused:
        parse_policy(document)
    assert "repeats the name IpAddress" in refused.value.message


def test_a_parsed_policy_is_plain_data_shared_by_requests() -> None:
    # parsed once (cached per document), evaluated per request: equal documents parse to equal, hashable values
    condition = {"IpAddress": {"acs:SourceIp": ["203.0.113.0/24"]}, "Bool": {"acs:SecureTransport": "true"}}
    first, second = allowed_when(condition), allowed_when(condition)
    assert first == second and hash(first) == hash(second)
