"""RAM policy documents and their evaluation: an explicit Deny wins, then any Allow, else implicit deny.

A statement may carry a ``Condition`` (Alibaba Cloud RAM's semantics): each operator block must hold, each
key inside a block must hold, and a key holds when the request's value matches any of its values (a negated
operator — ``NotIpAddress``, ``DateNotEquals`` — when it matches none). Condition keys are case-insensitive.
A statement applies only when its action matches and its condition holds, for a Deny as for an Allow.

Only the keys and operators below are understood; a document using any other is refused when it is parsed
(attached), never accepted and ignored. A key the request cannot tell (no source address) matches no value.
Documents are parsed once into these values, so a request only compares.
"""

from __future__ import annotations

import enum
import fnmatch
import functools
import ipaddress
import json
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from fapiao.domain.errors import ValidationFailed

_ACTION = re.compile(r"^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$")
_STATEMENT_ELEMENTS = frozenset({"Effect", "Action", "Resource", "Condition"})

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Effect(enum.StrEnum):
    ALLOW = "Allow"
    DENY = "Deny"


class Decision(enum.Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit-deny"  # a Deny statement applied
    IMPLICIT_DENY = "implicit-deny"  # no Allow statement applied


@dataclass(frozen=True, slots=True)
class RequestContext:
    """What the condition keys read from one request; ``None``: the request cannot tell."""

    source_ip: IpAddress | None = None  # acs:SourceIp, the client's address
    secure_transport: bool | None = None  # acs:SecureTransport, whether it came over HTTPS
    current_time: datetime | None = None  # acs:CurrentTime, aware

    @classmethod
    def of(cls, client_host: str | None, secure: bool, now: datetime) -> RequestContext:
        """The context of a request from ``client_host`` (as the server saw it), at ``now`` (naive: UTC)."""
        return cls(source_address(client_host), secure, now if now.tzinfo else now.replace(tzinfo=UTC))


UNKNOWN_CONTEXT = RequestContext()


def source_address(host: str | None) -> IpAddress | None:
    """The client's address; an IPv4 client seen through an IPv6 socket (``::ffff:a.b.c.d``) as IPv4."""
    if not host:
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:  # a Unix socket path, or a name: no address to test
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


# --- conditions ----------------------------------------------------------------------------------------------


class Test(Protocol):
    """One condition key under one operator, parsed."""

    def holds(self, context: RequestContext) -> bool: ...


@dataclass(frozen=True, slots=True)
class IpTest:
    networks: tuple[IpNetwork, ...]
    negated: bool

    def holds(self, context: RequestContext) -> bool:
        address = context.source_ip
        if address is None:  # matches no value: only a negated operator holds
            return self.negated
        # an IPv4 address is never in an IPv6 network (and back): ``in`` answers False, it does not raise
        return any(address in network for network in self.networks) != self.negated


@dataclass(frozen=True, slots=True)
class DateTest:
    instants: tuple[datetime, ...]
    compare: Callable[[datetime, datetime], bool]
    negated: bool

    def holds(self, context: RequestContext) -> bool:
        now = context.current_time
        if now is None:
            return self.negated
        return any(self.compare(now, instant) for instant in self.instants) != self.negated


@dataclass(frozen=True, slots=True)
class BoolTest:
    values: frozenset[bool]

    def holds(self, context: RequestContext) -> bool:
        return context.secure_transport is not None and context.secure_transport in self.values


class _Kind(enum.Enum):
    IP = "an IP address or CIDR block"
    DATE = "an ISO 8601 time with its zone, such as 2026-12-01T08:00:00+08:00"
    BOOL = '"true" or "false"'


# The condition keys Fapiao can tell, by their lower-cased name: (their documented name, the kind of value).
_KEYS: dict[str, tuple[str, _Kind]] = {
    "acs:sourceip": ("acs:SourceIp", _Kind.IP),
    "acs:currenttime": ("acs:CurrentTime", _Kind.DATE),
    "acs:securetransport": ("acs:SecureTransport", _Kind.BOOL),
}
_DATE_OPERATORS: dict[str, tuple[Callable[[datetime, datetime], bool], bool]] = {
    "DateEquals": (operator.eq, False),
    "DateNotEquals": (operator.eq, True),
    "DateLessThan": (operator.lt, False),
    "DateLessThanEquals": (operator.le, False),
    "DateGreaterThan": (operator.gt, False),
    "DateGreaterThanEquals": (operator.ge, False),
}
_OPERATORS: dict[str, _Kind] = {
    "IpAddress": _Kind.IP,
    "NotIpAddress": _Kind.IP,
    **dict.fromkeys(_DATE_OPERATORS, _Kind.DATE),
    "Bool": _Kind.BOOL,
}
SUPPORTED_KEYS = tuple(sorted(name for name, _ in _KEYS.values()))
SUPPORTED_OPERATORS = tuple(sorted(_OPERATORS))


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, field="policy")


def _parse_condition(raw: Any) -> tuple[Test, ...]:
    if not isinstance(raw, dict) or not raw:
        raise _refuse("Statement Condition must be an object of condition operators")
    tests: list[Test] = []
    for op, block in raw.items():
        kind = _OPERATORS.get(op)
        if kind is None:
            raise _refuse(
                f"condition operator {op!r} is not supported; supported operators: {', '.join(SUPPORTED_OPERATORS)}"
            )
        if not isinstance(block, dict) or not block:
            raise _refuse(f"condition operator {op} needs an object of condition keys and values")
        for key, values in block.items():
            tests.append(_parse_test(op, kind, key, values))
    return tuple(tests)


def _parse_test(op: str, kind: _Kind, key: Any, raw: Any) -> Test:
    known = _KEYS.get(str(key).lower())
    if known is None:
        raise _refuse(f"condition key {key!r} is not supported; supported keys: {', '.join(SUPPORTED_KEYS)}")
    name, key_kind = known
    if key_kind is not kind:
        raise _refuse(f"condition operator {op} cannot test {name}")
    values = raw if isinstance(raw, list) else [raw]
    if not values:
        raise _refuse(f"condition key {name} under {op} needs at least one value")
    if kind is _Kind.IP:
        return IpTest(tuple(_value(name, v, kind, _network) for v in values), negated=op == "NotIpAddress")
    if kind is _Kind.DATE:
        compare, negated = _DATE_OPERATORS[op]
        return DateTest(tuple(_value(name, v, kind, _instant) for v in values), compare, negated)
    return BoolTest(frozenset(_value(name, v, kind, _boolean) for v in values))


def _value(name: str, value: Any, kind: _Kind, parse: Callable[[Any], Any]) -> Any:
    try:
        return parse(value)
    except (TypeError, ValueError):
        raise _refuse(f"{name} value {value!r} is not {kind.value}") from None


def _network(value: Any) -> IpNetwork:
    if not isinstance(value, str):
        raise TypeError(value)
    return ipaddress.ip_network(value.strip(), strict=False)


def _instant(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError(value)
    instant = datetime.fromisoformat(value.strip())
    if instant.tzinfo is None:  # a time without its zone means a different instant on every server
        raise ValueError(value)
    return instant


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(value)


# --- documents -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    effect: Effect
    actions: tuple[str, ...]
    conditions: tuple[Test, ...] = ()

    def matches(self, action: str) -> bool:
        # RAM action names are case-insensitive; wildcards cover any run of characters.
        return any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in self.actions)

    def applies(self, action: str, context: RequestContext) -> bool:
        """Whether this statement decides ``action`` in ``context``: its action matches, its condition holds."""
        return self.matches(action) and all(test.holds(context) for test in self.conditions)


@dataclass(frozen=True)
class Policy:
    statements: tuple[Statement, ...]

    @functools.cached_property
    def conditional(self) -> bool:
        """Whether any statement reads the request's context (else deciding needs only the action)."""
        return any(statement.conditions for statement in self.statements)


def parse_policy(document: str | dict[str, Any]) -> Policy:
    """Parse and validate a policy document of the form
    ``{"Version": "1", "Statement": [{"Effect": "Allow", "Action": [...], "Resource": "*", "Condition": {…}}]}``."""
    try:
        data = json.loads(document, object_pairs_hook=_unique_names) if isinstance(document, str) else document
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"policy is not JSON: {exc.msg}", field="policy") from None
    if not isinstance(data, dict) or str(data.get("Version")) != "1":
        raise ValidationFailed('policy must be an object with "Version": "1"', field="policy")
    raw_statements = data.get("Statement")
    if not isinstance(raw_statements, list) or not raw_statements:
        raise ValidationFailed("policy needs a non-empty Statement list", field="policy")
    return Policy(tuple(_parse_statement(s) for s in raw_statements))


def _unique_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose names are unique: ``json`` would keep the last of two ``IpAddress`` blocks and
    silently drop the first."""
    data = dict(pairs)
    if len(data) != len(pairs):
        names = [name for name, _ in pairs]
        repeated = sorted({name for name in names if names.count(name) > 1})
        raise _refuse(f"policy repeats the name {', '.join(repeated)} in one object")
    return data


def _parse_statement(raw: Any) -> Statement:
    if not isinstance(raw, dict):
        raise ValidationFailed("each Statement must be an object", field="policy")
    unknown = sorted(set(raw) - _STATEMENT_ELEMENTS)
    if unknown:  # NotAction, NotResource, Principal…: each would change what the statement means
        raise _refuse(
            f"Statement element {', '.join(unknown)} is not supported; use Effect, Action, Resource, Condition"
        )
    try:
        effect = Effect(str(raw.get("Effect")))
    except ValueError:
        raise ValidationFailed('Statement Effect must be "Allow" or "Deny"', field="policy") from None
    actions = raw.get("Action")
    if isinstance(actions, str):
        actions = [actions]
    if not isinstance(actions, list) or not actions or not all(isinstance(a, str) for a in actions):
        raise ValidationFailed("Statement Action must be a string or a list of strings", field="policy")
    for action in actions:
        if not _ACTION.match(action):
            raise ValidationFailed(f"not an action name: {action!r}", field="policy")
    resource = raw.get("Resource", "*")
    if resource not in ("*", ["*"]):
        raise ValidationFailed('only "Resource": "*" is supported', field="policy")
    conditions = _parse_condition(raw["Condition"]) if "Condition" in raw else ()
    return Statement(effect, tuple(actions), conditions)


# --- decisions -----------------------------------------------------------------------------------------------


def decide(policies: Iterable[Policy], action: str, context: RequestContext = UNKNOWN_CONTEXT) -> Decision:
    """Deny if any applying statement denies, else allow if any applying statement allows."""
    allowed = False
    for policy in policies:
        for statement in policy.statements:
            if statement.applies(action, context):
                if statement.effect is Effect.DENY:
                    return Decision.EXPLICIT_DENY
                allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def is_allowed(policies: Iterable[Policy], action: str, context: RequestContext = UNKNOWN_CONTEXT) -> bool:
    return decide(policies, action, context) is Decision.ALLOW
