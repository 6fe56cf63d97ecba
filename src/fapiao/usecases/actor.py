"""Who is acting, and what they may do. Gateways build an ``Actor`` after authentication; services ask
it before touching anything."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from fapiao.domain.errors import NotFound, PermissionDenied
from fapiao.domain.policies import UNKNOWN_CONTEXT, Decision, Policy, RequestContext, decide


class ActorKind(enum.StrEnum):
    OPERATOR = "operator"  # the platform's staff (CLI, console)
    SYSTEM = "system"  # the platform itself (demo seeding, workers)
    ACCOUNT = "account"  # an account's root access key
    RAM_USER = "ram_user"  # a RAM user of an account, limited by its policies
    PROVIDER = "provider"  # an invoice service provider app, calling /router/rest


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    name: str
    account_id: int | None = None
    ram_user_id: int | None = None
    key_id: str | None = None
    policies: tuple[Policy, ...] = field(default=(), repr=False)
    user_id: int | None = None  # the account's public UserId, for customers
    # The request this actor acts in (source address, transport, time), which policy conditions read; bound per
    # request by authentication (``auth.credentials.Credential.within``), unknown outside one.
    context: RequestContext = field(default=UNKNOWN_CONTEXT, repr=False, compare=False)

    @property
    def label(self) -> str:
        """How the audit log names this actor."""
        suffix = f" via {self.key_id}" if self.key_id else ""
        return f"{self.kind.value}:{self.name}{suffix}"

    @property
    def is_customer(self) -> bool:
        return self.kind in (ActorKind.ACCOUNT, ActorKind.RAM_USER)

    def decide(self, permission: str) -> Decision:
        """Root keys, operators and the system may do anything; RAM users what their policies allow in the
        request's context."""
        if self.kind is not ActorKind.RAM_USER:
            return Decision.ALLOW
        return decide(self.policies, permission, self.context)

    def require(self, permission: str) -> None:
        """``decide``, raising ``PermissionDenied`` unless allowed.

        Gateways call this with the permission their operation declares (``bss:…`` for the Alibaba Cloud
        actions, ``fapiao:…`` for the REST API); services only enforce which account's data an actor sees.
        """
        if self.decide(permission) is not Decision.ALLOW:
            raise PermissionDenied(
                f"You are not authorized to do this action. AuthAction: {permission}", field=permission
            )

    @property
    def visible_account(self) -> int | None:
        """The one account a customer's lists are bounded by; None for operators and the system (all)."""
        if not self.is_customer:
            return None
        if self.account_id is None:  # pragma: no cover - customer actors always carry their account
            raise NotFound("no such record")
        return self.account_id

    def sees(self, account_id: int | None) -> bool:
        """Whether a record of that account is the actor's to see: a customer sees its own account's only."""
        return not self.is_customer or self.account_id == account_id

    def require_account(self, account_id: int) -> None:
        """A customer sees its own account only; anything else reads as not found, never as forbidden. Where a
        record's absence has its own message, check ``sees`` and raise that message for both, so another
        account's record answers exactly like one that does not exist."""
        if not self.sees(account_id):
            raise NotFound("no such record")


OPERATOR = Actor(ActorKind.OPERATOR, "cli")
SYSTEM = Actor(ActorKind.SYSTEM, "fapiao")
