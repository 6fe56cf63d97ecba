"""Domain errors with stable names; each gateway maps them to its protocol's own codes."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule violation. ``code`` is stable and documented; ``field`` names the input at fault."""

    code = "InvalidInput"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class ValidationFailed(DomainError):
    code = "InvalidParameter"


class MissingValue(DomainError):
    code = "MissingParameter"


class NotFound(DomainError):
    code = "NotFound"


class Conflict(DomainError):
    code = "Conflict"


class IllegalTransition(DomainError):
    code = "IllegalTransition"


class PermissionDenied(DomainError):
    code = "Forbidden"


class Unauthenticated(DomainError):
    code = "Unauthenticated"
