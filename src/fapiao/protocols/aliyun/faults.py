"""Domain errors and RAM denials in the gateway's own codes, statuses and wording.

Parameter problems keep the gateway's exact sentence (``The specified parameter "X" is not valid.``) and add
the rule that failed, so a caller learns both which parameter and why.
"""

from __future__ import annotations

from fapiao.accounts.service import Credential
from fapiao.domain.errors import (
    Conflict,
    DomainError,
    MissingValue,
    PermissionDenied,
    Unauthenticated,
)
from fapiao.domain.policies import Effect
from fapiao.protocols.aliyun import errors
from fapiao.protocols.aliyun.catalog import Operation
from fapiao.protocols.aliyun.errors import Code, RpcError

NO_PROVIDER = "NoProvider"


def from_domain(error: DomainError, op: Operation) -> RpcError:
    """The RPC error for a failure raised below the gateway while running ``op``."""
    field = op.wire_field(error.field)
    if isinstance(error, Unauthenticated):
        return errors.access_key_not_found()
    if isinstance(error, PermissionDenied):
        return errors.forbidden_ram(op.permission)
    if isinstance(error, Conflict):
        if error.code == NO_PROVIDER:  # the platform is not set up to receive applications: not the caller's fault
            return errors.service_unavailable()
        return RpcError(error.code, error.message, 400)
    if isinstance(error, MissingValue) and field:
        return errors.missing_parameter(field)
    base = errors.invalid_parameter(field) if field else None
    message = f"{base.message} {error.message}" if base else error.message
    return RpcError(Code.INVALID_PARAMETER, message, 400)


def authorise(op: Operation, credential: Credential) -> None:
    """Root keys may call everything; a RAM user needs an Allow for ``op.permission`` and no Deny."""
    actor = credential.actor
    try:
        actor.require(op.permission)
    except PermissionDenied:
        explicit = any(
            s.effect is Effect.DENY and s.matches(op.permission) for p in actor.policies for s in p.statements
        )
        raise errors.forbidden_ram(
            op.permission,
            no_permission_type="ExplicitDeny" if explicit else "ImplicitDeny",
            principal_owner_id=str(credential.user_id),
            principal_display_name=actor.name.partition("/")[2] or actor.name,
        ) from None
