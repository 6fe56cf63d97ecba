"""REST routes of invoice applications and provider apps.

Customers file and follow their applications and authorise provider apps (``/api/v1/applications``,
``/api/v1/provider-authorizations``). Registering provider apps and routing accounts is an operator action
(``/api/v1/admin/…``), authenticated with the bearer token ``FAPIAO_OPERATOR_TOKEN``; without one configured
those routes answer 401.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPBearer
from pydantic import BaseModel, Field

from fapiao.applications import service as applications
from fapiao.applications.commands import MAX_EMAILS_LENGTH, MAX_SELECTED_ITEMS, FileApplication
from fapiao.domain.applications import ApplicationStatus, ItemType, Medium
from fapiao.domain.errors import Unauthenticated
from fapiao.domain.titles import InvoiceKind
from fapiao.protocols.rest.auth import CurrentRuntime, allowed, get_runtime
from fapiao.protocols.rest.common import PageOut, render, write
from fapiao.protocols.rest.routes import PageNumber, PageSize
from fapiao.protocols.rest.schemas import ErrorOut, Strict
from fapiao.providers import service as providers
from fapiao.usecases.actor import Actor, ActorKind
from fapiao.usecases.pagination import PageRequest

_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409)}
router = APIRouter(prefix="/api/v1", responses=_ERRORS)
bearer_scheme = HTTPBearer(auto_error=False, description="The operator token (FAPIAO_OPERATOR_TOKEN).")


# --- bodies ---------------------------------------------------------------------------------------------


class FilingIn(Strict):
    title_id: int = Field(description="An approved invoice title of the caller.")
    item_ids: list[int] = Field(min_length=1, max_length=MAX_SELECTED_ITEMS)
    amount_fen: int | None = Field(default=None, gt=0, description="Default: all the items still allow.")
    address_id: int | None = Field(default=None, description="Mailing address; needed for paper invoices.")
    invoice_kind: InvoiceKind | None = Field(default=None, description="Default: the title's own.")
    medium: Medium | None = Field(default=None, description="Default: paper with an address, else electronic.")
    user_remark: str = Field(default="", max_length=500)
    emails: str = Field(default="", max_length=MAX_EMAILS_LENGTH)


class LineOut(BaseModel):
    item_name: str
    item_type: ItemType
    amount_fen: int
    bill_date: str
    item_id: int | None


class HistoryOut(BaseModel):
    at: datetime
    actor: str
    from_status: ApplicationStatus | None
    to_status: ApplicationStatus
    details: dict[str, Any]


class ApplicationOut(BaseModel):
    apply_id: str
    user_id: int
    user_nick: str
    app_key: str
    status: ApplicationStatus
    medium: Medium
    invoice_kind: InvoiceKind
    amount_fen: int
    company_name: str
    payee_register_no: str
    receiver_name: str
    receiver_address: str
    sender_logistics_company: str
    sender_logistics_no: str
    invoice_code: str
    invoice_no: str
    provider_message: str
    lines: list[LineOut]
    history: list[HistoryOut]
    created_at: datetime
    updated_at: datetime


class AuthorizationIn(Strict):
    app_key: str = Field(max_length=32, examples=["12345678"])


class SessionOut(BaseModel):
    session: str = Field(description="Pass as TOP's `session`: the app then acts for this account only.")
    app_key: str
    user_id: int
    user_nick: str
    expires_at: datetime | None


class ProviderAppIn(Strict):
    name: str = Field(min_length=1, max_length=128)
    default: bool = Field(default=False, description="Receive the applications of accounts without a rule.")


class ProviderAppOut(BaseModel):
    app_key: str
    name: str
    is_default: bool
    enabled: bool
    created_at: datetime


class NewProviderAppOut(BaseModel):
    app: ProviderAppOut
    app_secret: str = Field(description="Shown only in this response; stored encrypted.")


class RoutingIn(Strict):
    app_key: str | None = Field(description="The app to route to; null routes back to the default app.")


class RoutingOut(BaseModel):
    user_id: int
    app_key: str | None


# --- customers ------------------------------------------------------------------------------------------


@router.post("/applications", status_code=201, response_model=ApplicationOut, tags=["applications"])
async def file_application(
    request: Request,
    body: FilingIn,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:FileApplication")],
) -> Response:
    """File an application against invoiceable items; it is routed to one provider app, which is notified
    (TMC ``alibaba_invoice_InvoiceApply``). Send ``Idempotency-Key`` to make retries safe."""
    filing = FileApplication(
        title_id=body.title_id,
        item_ids=tuple(body.item_ids),
        amount_fen=body.amount_fen,
        address_id=body.address_id,
        invoice_kind=body.invoice_kind,
        medium=body.medium,
        user_remark=body.user_remark,
        emails=body.emails,
    )
    user_id = _user_id(actor)
    return await write(request, rt, actor, lambda: applications.file_application(rt, actor, user_id, filing), 201)


@router.get("/applications", response_model=PageOut[ApplicationOut], tags=["applications"])
def list_applications(
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:ListApplications")],
    page: PageNumber = 1,
    page_size: PageSize = 20,
    status: ApplicationStatus | None = None,
) -> Response:
    """The caller's applications, newest first, optionally with one status."""
    return render(applications.list_applications(rt, actor, PageRequest(page, page_size), status=status))


@router.get("/applications/{apply_id}", response_model=ApplicationOut, tags=["applications"])
def get_application(
    apply_id: str, rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:GetApplication")]
) -> Response:
    """One application with its history: the same status the provider sees."""
    return render(applications.get_for_customer(rt, actor, apply_id))


@router.post("/provider-authorizations", status_code=201, response_model=SessionOut, tags=["providers"])
async def authorize_provider(
    request: Request,
    body: AuthorizationIn,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:AuthorizeProvider")],
) -> Response:
    """Authorise a provider app to act for the caller's account; the returned session is its token."""
    user_id = _user_id(actor)
    return await write(request, rt, actor, lambda: providers.authorize(rt, actor, body.app_key, user_id), 201)


def _user_id(actor: Actor) -> int:
    if actor.user_id is None:
        raise Unauthenticated("this credential does not belong to an account")
    return actor.user_id


# --- operators ------------------------------------------------------------------------------------------


def operator(request: Request, _: Annotated[object, Depends(bearer_scheme)] = None) -> Actor:
    """The operator, if the request carries ``Authorization: Bearer <FAPIAO_OPERATOR_TOKEN>``."""
    token = get_runtime(request).settings.operator_token
    if not token:
        raise Unauthenticated("the operator API is disabled: set FAPIAO_OPERATOR_TOKEN on the server")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.encode()):
        raise Unauthenticated("send Authorization: Bearer <operator token>")
    return Actor(ActorKind.OPERATOR, "api")


Operator = Annotated[Actor, Depends(operator)]


@router.post("/admin/provider-apps", status_code=201, response_model=NewProviderAppOut, tags=["admin"])
def create_provider_app(body: ProviderAppIn, rt: CurrentRuntime, actor: Operator) -> Response:
    """Register a provider app. Its ``app_secret`` is shown in this response only."""
    return render(providers.create_app(rt, actor, body.name, default=body.default), 201)


@router.get("/admin/provider-apps", response_model=list[ProviderAppOut], tags=["admin"])
def list_provider_apps(rt: CurrentRuntime, actor: Operator) -> Response:
    """Every provider app (without secrets)."""
    return render(providers.list_apps(rt, actor))


@router.post("/admin/provider-apps/{app_key}/default", response_model=ProviderAppOut, tags=["admin"])
def set_default_provider_app(app_key: str, rt: CurrentRuntime, actor: Operator) -> Response:
    """Make this app the one that receives the applications of accounts without a routing rule."""
    return render(providers.set_default(rt, actor, app_key))


@router.put("/admin/provider-apps/routing/{user_id}", response_model=RoutingOut, tags=["admin"])
def route_account(user_id: int, body: RoutingIn, rt: CurrentRuntime, actor: Operator) -> Response:
    """Route an account's new applications to one app (``null``: back to the default app)."""
    return render(providers.route(rt, actor, user_id, body.app_key))
