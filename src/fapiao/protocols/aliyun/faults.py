"""Domain errors and RAM denials in the gateway's own codes, statuses and wording.

Parameter problems keep the gateway's exact sentence (``The specified parameter "X" is not valid.``) and add
the rule that failed, so a caller learns both which parameter and why.
"""

from __future__ import annotations

from fapiao import metrics
from fapiao.auth.credentials import Credential
from fapiao.domain.errors import DomainError, Reason
from fapiao.domain.policies import Decision
from fapiao.protocols.aliyun import errors
from fapiao.protocols.aliyun.catalog import Operation
from fapiao.protocols.aliyun.errors import Code, RpcError
from fapiao.throttling import Scope, Throttled

# Reasons whose Alibaba code is not the parameter error; the rest are ``InvalidParameter`` (400).
_CODES: dict[Reason, tuple[str, int]] = {
    Reason.CONFLICT: ("Conflict", 400),
    Reason.IDEMPOTENCY_MISMATCH: ("IdempotentParameterMismatch", 400),
    Reason.IN_FLIGHT: ("Conflict", 400),
    Reason.LIMIT_REACHED: ("Conflict", 400),
    Reason.ILLEGAL_TRANSITION: ("IllegalTransition", 400),
    Reason.THROTTLED: (Code.THROTTLING_USER, 400),
}


def code_for(reason: Reason) -> str:
    """The Alibaba code a failure of this reason gets."""
    return _CODES.get(reason, (Code.INVALID_PARAMETER, 400))[0]


def from_domain(error: DomainError, op: Operation) -> RpcError:
    """The RPC error for a failure raised below the gateway while running ``op``."""
    field = op.wire_field(error.field)
    reason = error.reason
    if reason in (Reason.UNAUTHENTICATED, Reason.EXPIRED):
        return errors.access_key_not_found()
    if reason is Reason.FORBIDDEN:
        return errors.forbidden_ram(op.permission)
    if reason is Reason.UNAVAILABLE:  # the platform is not set up to receive applications: not the caller's fault
        return errors.service_unavailable()
    if reason in _CODES:
        code, status = _CODES[reason]
        return RpcError(code, error.message, status)
    if reason is Reason.MISSING and field:
        return errors.missing_parameter(field)
    base = errors.invalid_parameter(field) if field else None
    message = f"{base.message} {error.message}" if base else error.message
    return RpcError(Code.INVALID_PARAMETER, message, 400)


def throttled(refusal: Throttled) -> RpcError:
    """A caller over its budget is the user flow control the real gateway answers (``Throttling.User``); an
    address over its budget of failed authentications is no user: generic ``Throttling``. Both carry
    ``x-acs-retry-after``, so the current SDK raises ``ThrottlingException`` with the wait."""
    metrics.throttled(metrics.Protocol.ALIYUN, refusal.scope.value)
    if refusal.scope is Scope.ADDRESS:
        return errors.throttling(refusal.retry_after_ms)
    return errors.throttling_user(refusal.retry_after_ms)


def authorise(op: Operation, credential: Credential) -> None:
    """Root keys may call everything; a RAM user needs an Allow for ``op.permission`` and no Deny, each
    applying only where its condition holds in the request's context."""
    actor = credential.actor
    decision = actor.decide(op.permission)
    if decision is not Decision.ALLOW:
        raise errors.forbidden_ram(
            op.permission,
            no_permission_type="ExplicitDeny" if decision is Decision.EXPLICIT_DENY else "ImplicitDeny",
            principal_owner_id=str(credential.user_id),
            principal_display_name=actor.name.partition("/")[2] or actor.name,
        )
