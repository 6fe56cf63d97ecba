"""The codes Fapiao's own interfaces (the REST API and the CLI's ``--json``) give each neutral reason."""

from __future__ import annotations

from fapiao.domain.errors import DomainError, Reason

# reason → (HTTP status, code)
BY_REASON: dict[Reason, tuple[int, str]] = {
    Reason.INVALID: (400, "InvalidParameter"),
    Reason.MISSING: (400, "MissingParameter"),
    Reason.NOT_FOUND: (404, "NotFound"),
    Reason.CONFLICT: (409, "Conflict"),
    Reason.IDEMPOTENCY_MISMATCH: (409, "IdempotencyKeyReused"),
    Reason.IN_FLIGHT: (409, "InFlight"),
    Reason.LIMIT_REACHED: (409, "LimitReached"),
    Reason.ILLEGAL_TRANSITION: (409, "IllegalTransition"),
    Reason.FORBIDDEN: (403, "Forbidden"),
    Reason.UNAUTHENTICATED: (401, "Unauthenticated"),
    Reason.EXPIRED: (401, "Unauthenticated"),
    Reason.UNAVAILABLE: (409, "NoProvider"),
    Reason.THROTTLED: (429, "TooManyRequests"),
}


def status_and_code(error: DomainError) -> tuple[int, str]:
    return BY_REASON[error.reason]
