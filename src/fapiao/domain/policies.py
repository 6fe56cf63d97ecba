"""RAM policy documents and their evaluation: an explicit Deny wins, then any Allow, else implicit deny."""

from __future__ import annotations

import enum
import fnmatch
import json
import re
from dataclasses import dataclass
from typing import Any

from fapiao.domain.errors import ValidationFailed

_ACTION = re.compile(r"^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$")


class Effect(enum.StrEnum):
    ALLOW = "Allow"
    DENY = "Deny"


@dataclass(frozen=True)
class Statement:
    effect: Effect
    actions: tuple[str, ...]

    def matches(self, action: str) -> bool:
        # RAM action names are case-insensitive; wildcards cover any run of characters.
        return any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in self.actions)


@dataclass(frozen=True)
class Policy:
    statements: tuple[Statement, ...]


def parse_policy(document: str | dict[str, Any]) -> Policy:
    """Parse and validate a policy document of the form
    ``{"Version": "1", "Statement": [{"Effect": "Allow", "Action": [...], "Resource": "*"}]}``."""
    try:
        data = json.loads(document) if isinstance(document, str) else document
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"policy is not JSON: {exc.msg}", field="policy") from None
    if not isinstance(data, dict) or str(data.get("Version")) != "1":
        raise ValidationFailed('policy must be an object with "Version": "1"', field="policy")
    raw_statements = data.get("Statement")
    if not isinstance(raw_statements, list) or not raw_statements:
        raise ValidationFailed("policy needs a non-empty Statement list", field="policy")
    return Policy(tuple(_parse_statement(s) for s in raw_statements))


def _parse_statement(raw: Any) -> Statement:
    if not isinstance(raw, dict):
        raise ValidationFailed("each Statement must be an object", field="policy")
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
    return Statement(effect, tuple(actions))


def is_allowed(policies: list[Policy], action: str) -> bool:
    statements = [s for p in policies for s in p.statements if s.matches(action)]
    if any(s.effect is Effect.DENY for s in statements):
        return False
    return any(s.effect is Effect.ALLOW for s in statements)
