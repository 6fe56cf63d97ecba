"""REST routes (``/api/v1``) of the account, titles, documents, addresses, invoiceable items and audit.

Each route parses, calls one service function and returns its view; the route's ``response_model`` decides
what of it the client gets. ``responses`` declares every error status the route can answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from fapiao.accounts import service as accounts
from fapiao.accounts.views import AccountView
from fapiao.addresses import service as addresses
from fapiao.addresses.commands import ChangeAddress, CreateAddress, ListAddresses
from fapiao.addresses.views import AddressView
from fapiao.audit import service as audit
from fapiao.audit.commands import ListAuditEvents
from fapiao.audit.views import AuditView
from fapiao.documents import service as documents
from fapiao.documents.commands import DocumentKind, UploadDocument
from fapiao.domain.errors import ValidationFailed
from fapiao.domain.items import BizType
from fapiao.domain.tax_ids import HolderKind
from fapiao.domain.titles import InvoiceKind, TitleStatus
from fapiao.items import service as items
from fapiao.items.commands import AmountFilter, ItemSort, ListItems
from fapiao.items.views import ItemPage, ItemView
from fapiao.protocols.rest.auth import CurrentRuntime, account_id_of, allowed, user_id_of
from fapiao.protocols.rest.bodies import as_command, body_of
from fapiao.protocols.rest.common import IdempotencyKey, write
from fapiao.protocols.rest.schemas import (
    MAX_ID,
    AccountOut,
    AddressOut,
    AuditOut,
    DocumentOut,
    ItemOut,
    ItemPageOut,
    PageOut,
    PathId,
    TitleOut,
    errors,
)
from fapiao.titles import service as titles
from fapiao.titles.commands import ChangeTitle, CreateTitle, Decision, ListTitles, ReviewTitle
from fapiao.titles.views import TitleView
from fapiao.usecases.actor import Actor
from fapiao.usecases.pagination import MAX_PAGE, MAX_PAGE_SIZE, Page
from fapiao.usecases.spec import MIN_INT64, STORED_TEXT

router = APIRouter(prefix="/api/v1", responses=errors(401, 403, 429))

# Query parameters that are not a command body's: the stores' rules (``spec``) declared on each.
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1.")]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page.")]
Number = Annotated[int, Query(ge=MIN_INT64, le=MAX_ID)]
Text = Annotated[str, Query(max_length=100), STORED_TEXT]
READ = errors(400)
READ_ONE = errors(400, 404)
WRITE = errors(400, 404, 409)

# Request bodies are the use cases' commands (less the id the URL carries): their limits and docs are declared
# once, in the command; only the examples are the API document's own.
_TITLE_EXAMPLES = {
    "invoice_title": "示例科技有限公司",
    "register_no": "91350100M000100Y43",
    "start_cycle": 202401,
    "end_cycle": 202612,
}
_ADDRESS_EXAMPLES = {
    "addressee": "张三",
    "phone": "18588888888",
    "province": "浙江省",
    "city": "杭州市",
    "street": "文一西路969号",
    "county": "余杭区",
    "postal_code": "311121",
}
if TYPE_CHECKING:  # to mypy, a body is what it parses into; ``as_command`` makes the command of it
    TitleBody = CreateTitle
    AddressBody = CreateAddress
    TitleChangesBody = object
    AddressChangesBody = object
else:
    TitleBody = body_of(CreateTitle, examples=_TITLE_EXAMPLES)
    TitleChangesBody = body_of(ChangeTitle, without=("title_id",), examples=_TITLE_EXAMPLES)
    AddressBody = body_of(CreateAddress, examples=_ADDRESS_EXAMPLES)
    AddressChangesBody = body_of(ChangeAddress, without=("address_id",), examples=_ADDRESS_EXAMPLES)


@router.get("/account", response_model=AccountOut, tags=["account"])
def whoami(rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:GetAccount")]) -> AccountView:
    """The account the presented key belongs to."""
    return next(a for a in accounts.list_accounts(rt, actor))


# --- titles ---------------------------------------------------------------------------------------------


@router.get("/titles", response_model=PageOut[TitleOut], tags=["titles"], responses=READ)
def list_titles(
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:ListTitles")],
    page: PageNumber = 1,
    page_size: PageSize = 20,
    status: TitleStatus | None = None,
    invoice_kind: InvoiceKind | None = None,
    holder_kind: HolderKind | None = None,
    search: Text | None = None,
) -> Page[TitleView]:
    """The caller's titles, oldest first, filtered by status, invoice kind, holder kind or text."""
    return titles.list_titles(rt, actor, ListTitles(status, invoice_kind, holder_kind, search, page, page_size))


@router.post("/titles", status_code=201, response_model=TitleOut, tags=["titles"], responses=WRITE)
async def create_title(
    request: Request,
    body: TitleBody,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:CreateTitle")],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """File a title for review. Send ``Idempotency-Key`` to make retries safe."""
    command = as_command(CreateTitle, body)
    user_id = user_id_of(actor)
    return await write(
        request, rt, actor, idempotency_key, lambda: titles.create_title(rt, actor, user_id, command), 201
    )


@router.get("/titles/{title_id}", response_model=TitleOut, tags=["titles"], responses=READ_ONE)
def get_title(title_id: PathId, rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:GetTitle")]) -> TitleView:
    return titles.get_title(rt, actor, title_id)


@router.patch("/titles/{title_id}", response_model=TitleOut, tags=["titles"], responses=WRITE)
async def update_title(
    request: Request,
    title_id: PathId,
    body: TitleChangesBody,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:UpdateTitle")],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Edit a title that has no approved version yet; it goes (back) under review. Absent or ``null``
    fields keep their value."""
    command = as_command(ChangeTitle, body, title_id=title_id)
    return await write(request, rt, actor, idempotency_key, lambda: titles.update_title(rt, actor, command))


@router.post("/titles/{title_id}/changes", response_model=TitleOut, tags=["titles"], responses=WRITE)
async def submit_title_change(
    request: Request,
    title_id: PathId,
    body: TitleChangesBody,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:UpdateTitle")],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Propose a change to an approved title; the approved values stay in force until it is reviewed.
    Absent or ``null`` fields keep their value."""
    command = as_command(ChangeTitle, body, title_id=title_id)
    return await write(request, rt, actor, idempotency_key, lambda: titles.submit_change(rt, actor, command))


@router.post("/titles/{title_id}/withdraw", response_model=TitleOut, tags=["titles"], responses=WRITE)
async def withdraw_title(
    request: Request,
    title_id: PathId,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:UpdateTitle")],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Withdraw a title, or the pending change of an approved title, from review."""
    command = ReviewTitle(title_id, Decision.WITHDRAW)
    return await write(request, rt, actor, idempotency_key, lambda: titles.review_title(rt, actor, command))


# --- documents ------------------------------------------------------------------------------------------


@router.post("/documents", status_code=201, response_model=DocumentOut, tags=["documents"], responses=WRITE)
async def upload_document(
    request: Request,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:UploadDocument")],
    kind: Annotated[DocumentKind, Form()],
    file: Annotated[UploadFile, File()],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Upload a JPEG, PNG, PDF, DOC or DOCX; titles then refer to it by its file name."""
    limit = rt.settings.max_document_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise ValidationFailed(f"file is larger than {limit} bytes", field="file")
    name = file.filename or ""
    command = UploadDocument(account_id_of(actor), kind, name, content)
    return await write(
        request,
        rt,
        actor,
        idempotency_key,
        lambda: documents.upload(rt, actor, command),
        201,
        payload=b"\x00".join((kind.value.encode(), name.encode(errors="surrogatepass"), content)),
    )


@router.get(
    "/documents/{document_id}",
    tags=["documents"],
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file"}, **READ_ONE},
)
async def download_document(
    document_id: PathId, rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:GetDocument")]
) -> Response:
    view, content = await run_in_threadpool(documents.read, rt, actor, document_id)
    disposition = f"attachment; filename*=UTF-8''{quote(view.file_name, safe='')}"
    return Response(content, media_type=view.content_type, headers={"Content-Disposition": disposition})


# --- addresses ------------------------------------------------------------------------------------------


@router.get("/addresses", response_model=PageOut[AddressOut], tags=["addresses"], responses=READ)
def list_addresses(
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:ListAddresses")],
    page: PageNumber = 1,
    page_size: PageSize = 20,
    search: Text | None = None,
) -> Page[AddressView]:
    return addresses.list_addresses(rt, actor, ListAddresses(search, page, page_size))


@router.post("/addresses", status_code=201, response_model=AddressOut, tags=["addresses"], responses=WRITE)
async def create_address(
    request: Request,
    body: AddressBody,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:CreateAddress")],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Add a mailing address for paper invoices."""
    command = as_command(CreateAddress, body)
    user_id = user_id_of(actor)
    return await write(
        request, rt, actor, idempotency_key, lambda: addresses.create_address(rt, actor, user_id, command), 201
    )


@router.get("/addresses/{address_id}", response_model=AddressOut, tags=["addresses"], responses=READ_ONE)
def get_address(
    address_id: PathId, rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:GetAddress")]
) -> AddressView:
    return addresses.get_address(rt, actor, address_id)


@router.patch("/addresses/{address_id}", response_model=AddressOut, tags=["addresses"], responses=WRITE)
async def update_address(
    request: Request,
    address_id: PathId,
    body: AddressChangesBody,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:UpdateAddress")],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Change an address; absent or ``null`` fields keep their value."""
    command = as_command(ChangeAddress, body, address_id=address_id)
    return await write(request, rt, actor, idempotency_key, lambda: addresses.update_address(rt, actor, command))


@router.delete("/addresses/{address_id}", status_code=204, tags=["addresses"], responses=WRITE)
def delete_address(
    address_id: PathId, rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:DeleteAddress")]
) -> Response:
    addresses.delete_address(rt, actor, address_id)
    return Response(status_code=204)


# --- invoiceable items ----------------------------------------------------------------------------------


@router.get("/invoiceable-items", response_model=ItemPageOut, tags=["invoiceable items"], responses=READ)
def list_items(
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:ListInvoiceableItems")],
    page: PageNumber = 1,
    page_size: PageSize = 20,
    amount: AmountFilter | None = None,
    bill_cycle: Annotated[str | None, Query(pattern=r"^[0-9]{4}-[0-9]{2}$")] = None,
    biz_type: Annotated[list[BizType] | None, Query()] = None,
    out_biz_id: Text | None = None,
    min_fen: Number | None = None,
    max_fen: Number | None = None,
    biz_time_from: datetime | None = None,
    biz_time_to: datetime | None = None,
    sort: ItemSort = ItemSort.ID_DESC,
) -> ItemPage:
    """Items the caller may invoice, with the filter's totals. ``amount``: 1 negative, 2 positive,
    3 non-zero invoiceable amount, 4 already invoiced."""
    command = ListItems(
        amount,
        bill_cycle,
        tuple(b.value for b in biz_type or ()),
        out_biz_id,
        min_fen,
        max_fen,
        biz_time_from,
        biz_time_to,
        sort=sort,
        page=page,
        page_size=page_size,
    )
    return items.list_items(rt, actor, command)


@router.get("/invoiceable-items/{item_id}", response_model=ItemOut, tags=["invoiceable items"], responses=READ_ONE)
def get_item(
    item_id: PathId, rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:GetInvoiceableItem")]
) -> ItemView:
    return items.get_item(rt, actor, item_id)


# --- audit ----------------------------------------------------------------------------------------------


@router.get("/audit-events", response_model=PageOut[AuditOut], tags=["audit"], responses=READ)
def list_audit_events(
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:ListAuditEvents")],
    page: PageNumber = 1,
    page_size: PageSize = 50,
    entity_type: Text | None = None,
    entity_id: Text | None = None,
    action: Text | None = None,
) -> Page[AuditView]:
    """What happened to the caller's records, newest first."""
    command = ListAuditEvents(
        entity_type=entity_type, entity_id=entity_id, action=action, page=page, page_size=page_size
    )
    return audit.list_events(rt, actor, command)
