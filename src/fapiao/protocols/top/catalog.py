"""The TOP methods fapiao answers, each declared once: name, session rule, parameters, handler.

Sessions are optional on every method (the reference leaves ``invoiceapply.get`` open and the update doc
calls without one): a provider app acts on everything routed to it, and a ``session`` narrows it to that
merchant's applications. TMC messages belong to the app, so consume/confirm only check a session that is sent.

Business failures answer 15 ``Remote service error`` with an ``isv.*`` sub_code (``business_error_for``):

| situation | sub_code |
|---|---|
| unknown ``apply_id``, or one routed to another app / merchant | ``isv.apply-not-exists`` |
| a transition the status machine refuses | ``isv.illegal-status-transition`` |
| a value the new status needs is missing (reason, logistics, invoice no) | ``isv.missing-parameter:ex_info`` |
| any other refused value | ``isv.invalid-parameter:<field>`` |
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from fapiao.applications import service as applications
from fapiao.applications.commands import GetApplication, UpdateApplicationStatus
from fapiao.domain.applications import ExInfo
from fapiao.domain.errors import DomainError, Reason, ValidationFailed
from fapiao.protocols.top.checks import SessionRule
from fapiao.protocols.top.envelope import ListOf, Value
from fapiao.protocols.top.errors import TopError, business_error, invalid_parameter
from fapiao.protocols.top.mapping import STATUS_BY_CODE, TMC_MESSAGE_TYPE, application_fields, message_fields
from fapiao.protocols.top.params import Kind, Param, ParamValue
from fapiao.providers.service import AppCredential, MerchantSession
from fapiao.runtime import Runtime
from fapiao.tmc import service as tmc
from fapiao.usecases.actor import Actor, ActorKind

_MESSAGE_ID_DIGITS = 19  # int64


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

    def text(self, name: str) -> str | None:
        value = self.args[name]
        assert value is None or isinstance(value, str)
        return value

    def number(self, name: str) -> int | None:
        value = self.args[name]
        assert value is None or isinstance(value, int)
        return value

    def strings(self, name: str) -> tuple[str, ...]:
        value = self.args[name]
        assert value is None or isinstance(value, tuple)
        return value or ()


Handler = Callable[[Call], Mapping[str, Value]]


@dataclass(frozen=True)
class Api:
    name: str
    session: SessionRule
    params: tuple[Param, ...]
    handler: Handler
    returns: tuple[str, ...]  # top-level response fields, besides request_id
    fields: Mapping[str, str] = field(default_factory=dict)  # domain field names → this method's parameters

    def wire_field(self, name: str | None) -> str:
        return "unknown" if name is None else self.fields.get(name, name)


def _invoiceapply_get(call: Call) -> Mapping[str, Value]:
    view = applications.get_for_provider(
        call.rt,
        Actor(ActorKind.PROVIDER, call.app.app_key),
        call.app.app_id,
        GetApplication(call.text("apply_id") or ""),
        merchant_account_id=call.merchant_account_id,
    )
    return {"result": application_fields(view), "total_count": 1}


def _invoiceapply_update(call: Call) -> Mapping[str, Value]:
    status = STATUS_BY_CODE[call.number("status") or 0]
    try:
        info = ExInfo.parse(call.text("ex_info"))
    except ValidationFailed as exc:
        raise invalid_parameter("ex_info", exc.message) from None
    applications.update_status(
        call.rt,
        Actor(ActorKind.PROVIDER, call.app.app_key),
        UpdateApplicationStatus(call.text("apply_id") or "", status, info),
        app_id=call.app.app_id,
        merchant_account_id=call.merchant_account_id,
    )
    return {"result": True, "total_count": 1}


def _messages_consume(call: Call) -> Mapping[str, Value]:
    messages = tmc.consume(
        call.rt,
        call.app.app_id,
        group_name=call.text("group_name") or tmc.DEFAULT_GROUP,
        quantity=call.number("quantity") or tmc.DEFAULT_QUANTITY,
    )
    # TOP leaves an empty list out rather than sending an empty layer.
    listed = ListOf.of_type(TMC_MESSAGE_TYPE, [message_fields(m) for m in messages]) if messages else None
    return {"messages": listed}


def _messages_confirm(call: Call) -> Mapping[str, Value]:
    group = call.text("group_name") or tmc.DEFAULT_GROUP
    tmc.confirm(call.rt, call.app.app_id, _message_ids(call, "s_message_ids"), group_name=group)
    tmc.release(call.rt, call.app.app_id, _message_ids(call, "f_message_ids"), group_name=group)
    return {"is_success": True}


def _message_ids(call: Call, name: str) -> list[int]:
    ids = call.strings(name)
    if any(not (i.isascii() and i.isdigit()) or len(i) > _MESSAGE_ID_DIGITS for i in ids):
        raise invalid_parameter(name, "message ids are numbers")
    return [int(i) for i in ids]


_APPLY_ID = Param("apply_id", required=True, max_length=64)
_GROUP = Param("group_name", max_length=64)

APIS = (
    Api(
        "alibaba.einvoice.invoiceapply.get",
        SessionRule.OPTIONAL,
        (_APPLY_ID,),
        _invoiceapply_get,
        ("result", "total_count"),
    ),
    Api(
        "alibaba.einvoice.invoiceapply.update",
        SessionRule.OPTIONAL,
        (
            _APPLY_ID,  # documented as optional, but nothing can be updated without it
            Param("status", Kind.NUMBER, required=True, choices=frozenset(STATUS_BY_CODE)),
            Param("ex_info", max_length=4000),
        ),
        _invoiceapply_update,
        ("result", "total_count"),
        {"details": "ex_info"},
    ),
    Api(
        "taobao.tmc.messages.consume",
        SessionRule.OPTIONAL,
        (_GROUP, Param("quantity", Kind.NUMBER, minimum=tmc.MIN_QUANTITY, maximum=tmc.MAX_QUANTITY)),
        _messages_consume,
        ("messages",),
    ),
    Api(
        "taobao.tmc.messages.confirm",
        SessionRule.OPTIONAL,
        (
            _GROUP,
            Param("s_message_ids", Kind.STRING_LIST, required=True, max_length=tmc.MAX_CONFIRM),
            Param("f_message_ids", Kind.STRING_LIST, max_length=tmc.MAX_CONFIRM),  # deprecated: redeliver these
        ),
        _messages_confirm,
        ("is_success",),
        {"message_ids": "s_message_ids"},
    ),
)
CATALOG: dict[str, Api] = {api.name: api for api in APIS}
SESSION_RULES: dict[str, SessionRule] = {api.name: api.session for api in APIS}


def business_error_for(exc: DomainError, wire_field: Callable[[str | None], str]) -> TopError:
    """A refused business operation as TOP's 15 + ``isv.*``; the message becomes ``sub_msg``."""
    reason = exc.reason
    if reason is Reason.NOT_FOUND:
        return business_error("isv.apply-not-exists", exc.message)
    if reason is Reason.ILLEGAL_TRANSITION:
        return business_error("isv.illegal-status-transition", exc.message)
    if reason is Reason.MISSING:
        return business_error(f"isv.missing-parameter:{wire_field(exc.field)}", exc.message)
    if reason in (Reason.INVALID, Reason.CONFLICT, Reason.IDEMPOTENCY_MISMATCH):
        return business_error(f"isv.invalid-parameter:{wire_field(exc.field)}", exc.message)
    return business_error("isv.operation-refused", exc.message)
