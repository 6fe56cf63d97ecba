"""Domain errors in neutral terms: a ``Reason`` and the domain name of the input at fault.

No wire name appears here or in any service: each protocol maps a reason onto its own code and status, and
a domain field name (``item_ids``) onto its own parameter name (``SelectedIds``, ``item_ids``, …) through the
catalog that declared the mapping.
"""

from __future__ import annotations

import enum


class Reason(enum.StrEnum):
    """Why a use case refused; stable, documented, protocol-neutral."""

    INVALID = "invalid"  # a value breaks a rule
    MISSING = "missing"  # a required value is absent
    NOT_FOUND = "not_found"  # no such record, or not the caller's
    CONFLICT = "conflict"  # the record's state does not allow it (duplicate, in use)
    IDEMPOTENCY_MISMATCH = "idempotency_mismatch"  # an idempotency key reused with other input
    IN_FLIGHT = "in_flight"  # the same work is being done right now
    LIMIT_REACHED = "limit_reached"  # a per-owner quota is full (stored records, not request rates)
    THROTTLED = "throttled"  # too many requests in a time window (fapiao.throttling); retry later
    ILLEGAL_TRANSITION = "illegal_transition"  # the status machine refuses the change
    FORBIDDEN = "forbidden"  # the actor may not do this
    UNAUTHENTICATED = "unauthenticated"  # unknown or disabled credential
    EXPIRED = "expired"  # a credential that has run out (a TOP session)
    UNAVAILABLE = "unavailable"  # the platform is not set up for it (no provider routed); not the caller's fault


class DomainError(Exception):
    """Base of every refusal. ``field`` is the domain name of the input at fault, if one is."""

    reason = Reason.INVALID

    def __init__(self, message: str, *, field: str | None = None, reason: Reason | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if reason is not None:
            self.reason = reason


class ValidationFailed(DomainError):
    reason = Reason.INVALID


class MissingValue(DomainError):
    reason = Reason.MISSING


class NotFound(DomainError):
    reason = Reason.NOT_FOUND


class Conflict(DomainError):
    reason = Reason.CONFLICT


class IllegalTransition(DomainError):
    reason = Reason.ILLEGAL_TRANSITION


class PermissionDenied(DomainError):
    reason = Reason.FORBIDDEN


class Unauthenticated(DomainError):
    reason = Reason.UNAUTHENTICATED
