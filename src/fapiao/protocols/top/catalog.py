"""The TOP methods fapiao answers, each declared once: the command it runs, its wire parameters mapped onto
the command's fields (limits from the field declarations), its session rule, the permission a TOP app needs,
its response fields and the business errors it can answer. ``reference.render`` writes docs/top-api.md
from these declarations.

Sessions are optional on every method (the reference leaves ``invoiceapply.get`` open and the update doc
calls without one): a provider app acts on everything routed to it, and a ``session`` narrows it to that
merchant's applications. TMC messages belong to the app, so consume/confirm only check a session that is sent.

Business failures answer 15 ``Remote service error`` with an ``isv.*`` sub_code (``business_error_for``);
the field a failure names is translated back to the wire parameter that fed it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fapiao.applications import service as applications
from fapiao.applications.commands import MAX_EX_INFO_LENGTH, GetApplication, UpdateApplicationStatus
from fapiao.auth.credentials import AppCredential, MerchantSession
from fapiao.domain.applications import ExInfo
from fapiao.domain.errors import DomainError, Reason, ValidationFailed
from fapiao.protocols.top.checks import SessionRule
from fapiao.protocols.top.envelope import ListOf, Value
from fapiao.protocols.top.errors import TopError, business_error
from fapiao.protocols.top.mapping import (
    STATUS_BY_CODE,
    TMC_MESSAGE_TYPE,
    application_fields,
    message_fields,
    message_ids,
)
from fapiao.protocols.top.params import Kind, Param, ParamValue, param
from fapiao.runtime import Runtime
from fapiao.tmc import service as tmc
from fapiao.tmc.commands import ConfirmMessages, ConsumeMessages
from fapiao.usecases.actor import Actor, ActorKind

C = TypeVar("C")


class Permission(enum.StrEnum):
    """What an enabled provider app (a TOP ``app_key``) may reach; no grant beyond being one is needed."""

    ROUTED_APPLICATIONS = "routed applications"
    OWN_QUEUE = "own TMC queue"

    @property
    def doc(self) -> str:
        return _PERMISSION_DOCS[self]


_PERMISSION_DOCS = {
    Permission.ROUTED_APPLICATIONS: "any enabled provider app; it reaches only the applications routed to it, "
    "and with a `session` only that merchant's",
    Permission.OWN_QUEUE: "any enabled provider app; it reaches only its own queue",
}

# The sub_code each refusal reason answers; ``{field}`` is the wire parameter at fault.
SUB_CODES: dict[Reason, str] = {
    Reason.NOT_FOUND: "isv.apply-not-exists",
    Reason.ILLEGAL_TRANSITION: "isv.illegal-status-transition",
    Reason.MISSING: "isv.missing-parameter:{field}",
    Reason.INVALID: "isv.invalid-parameter:{field}",
    Reason.CONFLICT: "isv.invalid-parameter:{field}",
    Reason.IDEMPOTENCY_MISMATCH: "isv.invalid-parameter:{field}",
}
OTHER_SUB_CODE = "isv.operation-refused"


@dataclass(frozen=True)
class Call:
    """One authenticated call: the app, the merchant its session stands for (if any), the parsed arguments."""

    rt: Runtime
    app: AppCredential
    merchant: MerchantSession | None
    args: Mapping[str, ParamValue]

    @property
    def merchant_account_id(self) -> int | None:
        return self.merchant.account_id if self.merchant else None

    @property
    def actor(self) -> Actor:
        return Actor(ActorKind.PROVIDER, self.app.app_key)


@dataclass(frozen=True)
class Api(Generic[C]):
    name: str
    summary: str
    command: type[C]
    params: tuple[Param, ...]
    run: Callable[[Call, C], Mapping[str, Value]]
    returns: tuple[str, ...]  # top-level response fields, besides request_id
    permission: Permission
    session: SessionRule = SessionRule.OPTIONAL
    errors: tuple[Reason, ...] = ()  # the business refusals it can answer (15 + ``SUB_CODES``)

    @property
    def fields(self) -> Mapping[str, str]:
        """Command field → the wire parameter feeding it, from the parameter declarations."""
        return {p.field: p.name for p in self.params if p.field is not None}

    def wire_field(self, name: str | None) -> str:
        return "unknown" if name is None else self.fields.get(name, name)

    def command_of(self, args: Mapping[str, ParamValue]) -> C:
        """The command the parsed arguments stand for; absent parameters take the command's defaults."""
        given = {p.field: p.value_of(args[p.name]) for p in self.params if p.field and args[p.name] is not None}
        return self.command(**given)

    @property
    def handler(self) -> Callable[[Call], Mapping[str, Value]]:
        return lambda call: self.run(call, self.command_of(call.args))


def _get(call: Call, command: GetApplication) -> Mapping[str, Value]:
    view = applications.get_for_provider(
        call.rt, call.actor, call.app.app_id, command, merchant_account_id=call.merchant_account_id
    )
    return {"result": application_fields(view), "total_count": 1}


def _update(call: Call, command: UpdateApplicationStatus) -> Mapping[str, Value]:
    applications.update_status(
        call.rt, call.actor, command, app_id=call.app.app_id, merchant_account_id=call.merchant_account_id
    )
    return {"result": True, "total_count": 1}


def _consume(call: Call, command: ConsumeMessages) -> Mapping[str, Value]:
    messages = tmc.consume(call.rt, call.actor, call.app.app_id, command)
    # TOP leaves an empty list out rather than sending an empty layer.
    listed = ListOf.of_type(TMC_MESSAGE_TYPE, [message_fields(m) for m in messages]) if messages else None
    return {"messages": listed}


def _confirm(call: Call, command: ConfirmMessages) -> Mapping[str, Value]:
    tmc.confirm(call.rt, call.actor, call.app.app_id, command)  # settle and release: one transaction
    return {"is_success": True}


def _ex_info(raw: Any) -> ExInfo:
    try:
        return ExInfo.parse(raw)
    except ValidationFailed as exc:
        raise ValueError(exc.message) from None


_APPLY_ID = param("apply_id", GetApplication, "apply_id")
_GROUP = param("group_name", ConsumeMessages, "group_name")

APIS: tuple[Api[Any], ...] = (
    Api(
        "alibaba.einvoice.invoiceapply.get",
        "One application routed to the app, as `UserInvoiceApplyDTO`.",
        GetApplication,
        (_APPLY_ID,),
        _get,
        ("result", "total_count"),
        Permission.ROUTED_APPLICATIONS,
        errors=(Reason.NOT_FOUND, Reason.INVALID),
    ),
    Api(
        "alibaba.einvoice.invoiceapply.update",
        "Move an application through the status machine, with the details the new status needs.",
        UpdateApplicationStatus,
        (
            param("apply_id", UpdateApplicationStatus, "apply_id"),  # documented optional; nothing moves without it
            param(
                "status",
                UpdateApplicationStatus,
                "status",
                Kind.NUMBER,
                choices=frozenset(STATUS_BY_CODE),
                decode=STATUS_BY_CODE.__getitem__,
                doc="The status to move to, as its TOP code (see the status machine).",
            ),
            param(
                "ex_info",
                UpdateApplicationStatus,
                "details",
                max_length=MAX_EX_INFO_LENGTH,
                decode=_ex_info,
                doc="A JSON object: `message`, `logistics_company`, `logistics_no`, `contact_name`, "
                "`contact_phone`, `invoice_code`, `invoice_no` (strings or numbers; other keys are ignored).",
            ),
        ),
        _update,
        ("result", "total_count"),
        Permission.ROUTED_APPLICATIONS,
        errors=(Reason.NOT_FOUND, Reason.ILLEGAL_TRANSITION, Reason.MISSING, Reason.INVALID),
    ),
    Api(
        "taobao.tmc.messages.consume",
        "Lease the oldest visible messages of the app's queue (at-least-once: unconfirmed ones come back).",
        ConsumeMessages,
        (_GROUP, param("quantity", ConsumeMessages, "quantity", Kind.NUMBER)),
        _consume,
        ("messages",),
        Permission.OWN_QUEUE,
    ),
    Api(
        "taobao.tmc.messages.confirm",
        "Settle processed messages and hand failed ones out again, in one transaction.",
        ConfirmMessages,
        (
            _GROUP,
            param("s_message_ids", ConfirmMessages, "message_ids", Kind.STRING_LIST, required=True, decode=message_ids),
            param("f_message_ids", ConfirmMessages, "failed_ids", Kind.STRING_LIST, decode=message_ids),  # deprecated
        ),
        _confirm,
        ("is_success",),
        Permission.OWN_QUEUE,
        errors=(Reason.INVALID,),
    ),
)
CATALOG: dict[str, Api[Any]] = {api.name: api for api in APIS}
SESSION_RULES: dict[str, SessionRule] = {api.name: api.session for api in APIS}


def sub_code(reason: Reason, wire_field: str) -> str:
    return SUB_CODES.get(reason, OTHER_SUB_CODE).format(field=wire_field)


def business_error_for(exc: DomainError, wire_field: Callable[[str | None], str]) -> TopError:
    """A refused business operation as TOP's 15 + ``isv.*``; the message becomes ``sub_msg``."""
    return business_error(sub_code(exc.reason, wire_field(exc.field)), exc.message)
