"""REST routes (``/api/v1``). Each route parses, calls one service function, and renders its result."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from fapiao.accounts import service as accounts
from fapiao.addresses import service as addresses
from fapiao.addresses.commands import ChangeAddress, ListAddresses
from fapiao.audit import service as audit
from fapiao.audit.commands import ListAuditEvents
from fapiao.documents import service as documents
from fapiao.documents.commands import DocumentKind, UploadDocument
from fapiao.domain.addresses import AddressData
from fapiao.domain.errors import ValidationFailed
from fapiao.domain.items import BizType
from fapiao.domain.tax_ids import HolderKind
from fapiao.domain.titles import InvoiceKind, TitleData, TitleStatus
from fapiao.items import service as items
from fapiao.items.commands import AmountFilter, ItemSort, ListItems
from fapiao.protocols.rest.auth import CurrentActor, CurrentRuntime, allowed
from fapiao.protocols.rest.common import PageOut, render, write
from fapiao.protocols.rest.schemas import (
    AccountOut,
    AddressChanges,
    AddressFields,
    AddressOut,
    AuditOut,
    DocumentOut,
    ErrorOut,
    ItemOut,
    ItemPageOut,
    TitleChanges,
    TitleFields,
    TitleOut,
)
from fapiao.titles import service as titles
from fapiao.titles.commands import ChangeTitle, ListTitles
from fapiao.usecases.actor import Actor
from fapiao.usecases.pagination import MAX_PAGE_SIZE

_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409)}
router = APIRouter(prefix="/api/v1", responses=_ERRORS)

PageNumber = Annotated[int, Query(ge=1, description="Page number, from 1.")]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page.")]
IdempotencyKey = Annotated[str | None, Query(include_in_schema=False)]


def _changes(model: TitleChanges | AddressChanges) -> dict[str, Any]:
    return model.model_dump(exclude_unset=True, exclude_none=True, mode="json")


@router.get("/account", response_model=AccountOut, tags=["account"])
def whoami(rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:GetAccount")]) -> Response:
    """The account the presented key belongs to."""
    return render(next(a for a in accounts.list_accounts(rt, actor)))


# --- titles ---------------------------------------------------------------------------------------------


@router.get("/titles", response_model=PageOut[TitleOut], tags=["titles"])
def list_titles(
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:ListTitles")],
    page: PageNumber = 1,
    page_size: PageSize = 20,
    status: TitleStatus | None = None,
    invoice_kind: InvoiceKind | None = None,
    holder_kind: HolderKind | None = None,
    search: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The caller's titles, oldest first, filtered by status, invoice kind, holder kind or text."""
    command = ListTitles(status, invoice_kind, holder_kind, search, page, page_size)
    return render(titles.list_titles(rt, actor, command))


@router.post("/titles", status_code=201, response_model=TitleOut, tags=["titles"])
async def create_title(
    request: Request, body: TitleFields, rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:CreateTitle")]
) -> Response:
    """File a title for review. Send ``Idempotency-Key`` to make retries safe."""
    data = TitleData.from_json(body.model_dump(mode="json"))
    user_id = _user_id(rt, actor)
    return await write(request, rt, actor, lambda: titles.create_title(rt, actor, user_id, data), 201)


@router.get("/titles/{title_id}", response_model=TitleOut, tags=["titles"])
def get_title(title_id: int, rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:GetTitle")]) -> Response:
    return render(titles.get_title(rt, actor, title_id))


@router.patch("/titles/{title_id}", response_model=TitleOut, tags=["titles"])
async def update_title(
    request: Request,
    title_id: int,
    body: TitleChanges,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:UpdateTitle")],
) -> Response:
    """Edit a title that has no approved version yet; it goes (back) under review."""
    command = ChangeTitle(title_id, **_changes(body))
    return await write(request, rt, actor, lambda: titles.update_title(rt, actor, command))


@router.post("/titles/{title_id}/changes", response_model=TitleOut, tags=["titles"])
async def submit_title_change(
    request: Request,
    title_id: int,
    body: TitleChanges,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:UpdateTitle")],
) -> Response:
    """Propose a change to an approved title; the approved values stay in force until it is reviewed."""
    command = ChangeTitle(title_id, **_changes(body))
    return await write(request, rt, actor, lambda: titles.submit_change(rt, actor, command))


@router.post("/titles/{title_id}/withdraw", response_model=TitleOut, tags=["titles"])
async def withdraw_title(
    request: Request, title_id: int, rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:UpdateTitle")]
) -> Response:
    """Withdraw a title, or the pending change of an approved title, from review."""
    return await write(request, rt, actor, lambda: titles.withdraw(rt, actor, title_id))


# --- documents ------------------------------------------------------------------------------------------


@router.post("/documents", status_code=201, response_model=DocumentOut, tags=["documents"])
async def upload_document(
    request: Request,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:UploadDocument")],
    kind: Annotated[DocumentKind, Form()],
    file: Annotated[UploadFile, File()],
) -> Response:
    """Upload a JPEG, PNG, PDF, DOC or DOCX; titles then refer to it by its file name."""
    limit = rt.settings.max_document_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise ValidationFailed(f"file is larger than {limit} bytes", field="file")
    name = file.filename or ""
    assert actor.account_id is not None
    command = UploadDocument(actor.account_id, kind, name, content)
    return await write(request, rt, actor, lambda: documents.upload(rt, actor, command), 201)


@router.get(
    "/documents/{document_id}",
    tags=["documents"],
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def download_document(
    document_id: int, rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:GetDocument")]
) -> Response:
    view, content = await run_in_threadpool(documents.read, rt, actor, document_id)
    disposition = f"attachment; filename*=UTF-8''{_quote(view.file_name)}"
    return Response(content, media_type=view.content_type, headers={"Content-Disposition": disposition})


# --- addresses ------------------------------------------------------------------------------------------


@router.get("/addresses", response_model=PageOut[AddressOut], tags=["addresses"])
def list_addresses(
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:ListAddresses")],
    page: PageNumber = 1,
    page_size: PageSize = 20,
    search: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    return render(addresses.list_addresses(rt, actor, ListAddresses(search, page, page_size)))


@router.post("/addresses", status_code=201, response_model=AddressOut, tags=["addresses"])
async def create_address(
    request: Request, body: AddressFields, rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:CreateAddress")]
) -> Response:
    data = AddressData(**body.model_dump())
    user_id = _user_id(rt, actor)
    return await write(request, rt, actor, lambda: addresses.create_address(rt, actor, user_id, data), 201)


@router.get("/addresses/{address_id}", response_model=AddressOut, tags=["addresses"])
def get_address(address_id: int, rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:GetAddress")]) -> Response:
    return render(addresses.get_address(rt, actor, address_id))


@router.patch("/addresses/{address_id}", response_model=AddressOut, tags=["addresses"])
async def update_address(
    request: Request,
    address_id: int,
    body: AddressChanges,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:UpdateAddress")],
) -> Response:
    command = ChangeAddress(address_id, **_changes(body))
    return await write(request, rt, actor, lambda: addresses.update_address(rt, actor, command))


@router.delete("/addresses/{address_id}", status_code=204, tags=["addresses"])
def delete_address(
    address_id: int, rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:DeleteAddress")]
) -> Response:
    addresses.delete_address(rt, actor, address_id)
    return Response(status_code=204)


# --- invoiceable items ----------------------------------------------------------------------------------


@router.get("/invoiceable-items", response_model=ItemPageOut, tags=["invoiceable items"])
def list_items(
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:ListInvoiceableItems")],
    page: PageNumber = 1,
    page_size: PageSize = 20,
    amount: AmountFilter | None = None,
    bill_cycle: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
    biz_type: Annotated[list[BizType] | None, Query()] = None,
    out_biz_id: str | None = None,
    min_fen: int | None = None,
    max_fen: int | None = None,
    biz_time_from: datetime | None = None,
    biz_time_to: datetime | None = None,
    sort: ItemSort = ItemSort.ID_DESC,
) -> Response:
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
    return render(items.list_items(rt, actor, command))


@router.get("/invoiceable-items/{item_id}", response_model=ItemOut, tags=["invoiceable items"])
def get_item(
    item_id: int, rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:GetInvoiceableItem")]
) -> Response:
    return render(items.get_item(rt, actor, item_id))


# --- audit ----------------------------------------------------------------------------------------------


@router.get("/audit-events", response_model=PageOut[AuditOut], tags=["audit"])
def list_audit_events(
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:ListAuditEvents")],
    page: PageNumber = 1,
    page_size: PageSize = 50,
    entity_type: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
) -> Response:
    """What happened to the caller's records, newest first."""
    return render(
        audit.list_events(
            rt,
            actor,
            ListAuditEvents(
                entity_type=entity_type, entity_id=entity_id, action=action, page=page, page_size=page_size
            ),
        )
    )


def _user_id(rt: CurrentRuntime, actor: CurrentActor) -> int:
    """The caller's own account (REST callers always authenticate with an account's keys)."""
    assert actor.user_id is not None
    return actor.user_id


def _quote(name: str) -> str:
    return quote(name, safe="")
