"""REST routes of invoice applications and provider apps.

Customers file and follow their applications and authorise provider apps (``/api/v1/applications``,
``/api/v1/provider-authorizations``). Registering provider apps and routing accounts is an operator action
(``/api/v1/admin/…``), authenticated with the bearer token ``FAPIAO_OPERATOR_TOKEN``; without one configured
those routes answer 401.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from fapiao.applications import service as applications
from fapiao.applications.commands import FileApplication
from fapiao.applications.service import ApplicationView
from fapiao.domain.applications import ApplicationStatus, ItemType, Medium
from fapiao.domain.titles import InvoiceKind
from fapiao.protocols.rest.auth import CurrentRuntime, Operator, allowed, user_id_of
from fapiao.protocols.rest.bodies import as_command, body_of
from fapiao.protocols.rest.common import IdempotencyKey, write
from fapiao.protocols.rest.routes import PageNumber, PageSize
from fapiao.protocols.rest.schemas import PageOut, PathId, Timestamp, errors
from fapiao.providers import service as providers
from fapiao.providers.commands import AuthorizeApp, CreateProviderApp, RouteAccount
from fapiao.providers.views import ProviderAppView, RouteView
from fapiao.usecases.actor import Actor
from fapiao.usecases.pagination import Page, PageRequest
from fapiao.usecases.spec import STORED_TEXT

router = APIRouter(prefix="/api/v1", responses=errors(401, 429))

# Request bodies are the use cases' commands less what the URL or the caller's key gives; ``default`` is the
# wire name ``is_default`` was published under.
if TYPE_CHECKING:  # to mypy, a body is what it parses into; ``as_command`` makes the command of it
    FilingBody = FileApplication
    AuthorizationBody = object
    ProviderAppBody = object
    RoutingBody = object
else:
    FilingBody = body_of(FileApplication)
    AuthorizationBody = body_of(AuthorizeApp, without=("user_id", "session_key"), examples={"app_key": "12345678"})
    ProviderAppBody = body_of(
        CreateProviderApp,
        without=("app_key", "app_secret"),
        examples={"name": "示例服务商"},
        names={"is_default": "default"},
    )
    RoutingBody = body_of(RouteAccount, without=("user_id",), examples={"app_key": "12345678"})

ApplyId = Annotated[str, Path(max_length=64), STORED_TEXT]
AppKey = Annotated[str, Path(max_length=32), STORED_TEXT]


# --- bodies ---------------------------------------------------------------------------------------------


class LineOut(BaseModel):
    item_name: str
    item_type: ItemType
    amount_fen: int
    bill_date: str
    item_id: int | None
    biz_type: str


class HistoryOut(BaseModel):
    at: Timestamp
    actor: str
    from_status: ApplicationStatus | None
    to_status: ApplicationStatus
    details: dict[str, Any]


class ApplicationOut(BaseModel):
    apply_id: str
    user_id: int
    user_nick: str
    app_key: str
    title_id: int | None = Field(description="The title it was filed on; null once that title is deleted.")
    address_id: int | None
    status: ApplicationStatus
    medium: Medium
    invoice_kind: InvoiceKind
    amount_fen: int
    company_name: str
    payee_register_no: str
    bank: str
    bank_account: str
    receiver_name: str
    receiver_phone: str
    receiver_address: str
    invoice_payee_register_no: str
    invoice_address: str
    invoice_phone: str
    sender_name: str
    sender_phone: str
    sender_logistics_company: str
    sender_logistics_no: str
    invoice_code: str
    invoice_no: str
    provider_message: str
    user_remark: str
    emails: str
    lines: list[LineOut]
    history: list[HistoryOut]
    created_at: Timestamp | None
    updated_at: Timestamp | None


class SessionOut(BaseModel):
    session: str = Field(description="Pass as TOP's `session`: the app then acts for this account only.")
    app_key: str
    user_id: int
    user_nick: str
    expires_at: Timestamp | None


class ProviderAppOut(BaseModel):
    app_key: str
    name: str
    is_default: bool
    enabled: bool
    created_at: Timestamp


class NewProviderAppOut(BaseModel):
    app: ProviderAppOut
    app_secret: str = Field(description="Shown only in this response; stored encrypted.")


class RoutingOut(BaseModel):
    user_id: int
    app_key: str | None


# --- customers ------------------------------------------------------------------------------------------


@router.post(
    "/applications",
    status_code=201,
    response_model=ApplicationOut,
    tags=["applications"],
    responses=errors(400, 403, 404, 409),
)
async def file_application(
    request: Request,
    body: FilingBody,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:FileApplication")],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """File an application against invoiceable items; it is routed to one provider app, which is notified
    (TMC ``alibaba_invoice_InvoiceApply``). Send ``Idempotency-Key`` to make retries safe."""
    filing = as_command(FileApplication, body)
    user_id = user_id_of(actor)
    return await write(
        request,
        rt,
        actor,
        idempotency_key,
        lambda: applications.file_application(rt, actor, user_id, filing),
        201,
    )


@router.get("/applications", response_model=PageOut[ApplicationOut], tags=["applications"], responses=errors(400, 403))
def list_applications(
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:ListApplications")],
    page: PageNumber = 1,
    page_size: PageSize = 20,
    status: ApplicationStatus | None = None,
) -> Page[ApplicationView]:
    """The caller's applications, newest first, optionally with one status."""
    return applications.list_applications(rt, actor, PageRequest(page, page_size), status=status)


@router.get(
    "/applications/{apply_id}",
    response_model=ApplicationOut,
    tags=["applications"],
    responses=errors(400, 403, 404),
)
def get_application(
    apply_id: ApplyId, rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:GetApplication")]
) -> ApplicationView:
    """One application with its history: the same status the provider sees."""
    return applications.get_for_customer(rt, actor, apply_id)


@router.post(
    "/provider-authorizations",
    status_code=201,
    response_model=SessionOut,
    tags=["providers"],
    responses=errors(400, 403, 404, 409),
)
async def authorize_provider(
    request: Request,
    body: AuthorizationBody,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:AuthorizeProvider")],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Authorise a provider app to act for the caller's account; the returned session is its token."""
    command = as_command(AuthorizeApp, body, user_id=user_id_of(actor))
    return await write(
        request,
        rt,
        actor,
        idempotency_key,
        lambda: providers.authorize(rt, actor, command.app_key, command.user_id),
        201,
    )


# --- operators ------------------------------------------------------------------------------------------


@router.post(
    "/admin/provider-apps",
    status_code=201,
    response_model=NewProviderAppOut,
    tags=["admin"],
    responses=errors(400, 409),
)
def create_provider_app(body: ProviderAppBody, rt: CurrentRuntime, actor: Operator) -> providers.NewProviderApp:
    """Register a provider app. Its ``app_secret`` is shown in this response only."""
    command = as_command(CreateProviderApp, body)
    return providers.create_app(rt, actor, command.name, default=command.is_default)


@router.get("/admin/provider-apps", response_model=list[ProviderAppOut], tags=["admin"])
def list_provider_apps(rt: CurrentRuntime, actor: Operator) -> list[ProviderAppView]:
    """Every provider app (without secrets)."""
    return providers.list_apps(rt, actor)


@router.post(
    "/admin/provider-apps/{app_key}/default",
    response_model=ProviderAppOut,
    tags=["admin"],
    responses=errors(400, 404, 409),
)
def set_default_provider_app(app_key: AppKey, rt: CurrentRuntime, actor: Operator) -> ProviderAppView:
    """Make this app the one that receives the applications of accounts without a routing rule."""
    return providers.set_default(rt, actor, app_key)


@router.put(
    "/admin/provider-apps/routing/{user_id}",
    response_model=RoutingOut,
    tags=["admin"],
    responses=errors(400, 404, 409),
)
def route_account(user_id: PathId, body: RoutingBody, rt: CurrentRuntime, actor: Operator) -> RouteView:
    """Route an account's new applications to one app (``null``: back to the default app)."""
    command = as_command(RouteAccount, body, user_id=user_id)
    return providers.route(rt, actor, command.user_id, command.app_key)
