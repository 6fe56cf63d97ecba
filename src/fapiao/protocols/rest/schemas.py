"""Response bodies of the REST API: FastAPI answers through them and documents them, so the OpenAPI document
is exactly what a client gets.

Request bodies are the use cases' commands (``bodies.body_of``). Output models declare what a stored record
holds, without the input limits (a title filed through another protocol may hold what this API would refuse),
and no internal row ids.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from fapiao.documents.commands import DocumentKind
from fapiao.domain.items import BizType
from fapiao.domain.tax_ids import HolderKind
from fapiao.domain.titles import AdjustType, CustomerType, InvoiceKind, TaxpayerType, TitleStatus
from fapiao.usecases.spec import MAX_INT64

T = TypeVar("T")

MAX_ID = MAX_INT64  # the largest id (or amount) either store holds: larger numbers are refused, not a 500

PathId = Annotated[int, Path(ge=1, le=MAX_ID, description="A record's id, as its answers show it.")]


def _timestamp(value: datetime) -> str:
    """Stored times are naive UTC: whole seconds with a ``Z`` (as every answer since the first release)."""
    if value.tzinfo is not None and value.utcoffset() == timedelta(0):
        value = value.replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z" if value.tzinfo is None else value.isoformat()


Timestamp = Annotated[
    datetime,
    PlainSerializer(_timestamp, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    page: int
    page_size: int
    total: int


class ErrorBody(BaseModel):
    code: str = Field(description="Stable error code, e.g. `InvalidParameter`, `NotFound`, `IdempotencyKeyReused`.")
    message: str
    field: str | None = Field(description="The input at fault, by its name in this API.")


class ErrorOut(BaseModel):
    error: ErrorBody
    request_id: str


_ERROR_DESCRIPTIONS = {
    400: "Invalid or missing input",
    401: "No valid credentials",
    403: "The credentials may not do this",
    404: "No such record of the caller's",
    409: "The record's state or an earlier request conflicts",
    429: "Too many requests (throttling, when the server enables it); `Retry-After` gives the seconds to wait",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route that can refuse with these statuses, each with the error envelope."""
    return {status: {"model": ErrorOut, "description": _ERROR_DESCRIPTIONS[status]} for status in statuses}


# --- titles ---------------------------------------------------------------------------------------------


class TitleDataOut(BaseModel):
    invoice_title: str
    holder_kind: HolderKind
    invoice_kind: InvoiceKind
    taxpayer_type: TaxpayerType
    customer_type: CustomerType
    issue_type: int
    register_no: str
    bank: str
    bank_no: str
    address: str
    phone: str
    taxation_license: str
    title_change_instructions: str
    default_remark: str
    start_cycle: int | None
    end_cycle: int | None


class TitleOut(BaseModel):
    id: int
    user_id: int
    user_nick: str
    status: TitleStatus
    adjust_type: AdjustType
    data: TitleDataOut
    pending_change: TitleDataOut | None
    warnings: list[str]
    review_note: str
    created_at: Timestamp
    updated_at: Timestamp


# --- addresses ------------------------------------------------------------------------------------------


class AddressDataOut(BaseModel):
    addressee: str
    phone: str
    province: str
    city: str
    street: str
    county: str
    postal_code: str
    biz_type: str


class AddressOut(BaseModel):
    id: int
    user_id: int
    user_nick: str
    data: AddressDataOut
    delivery_address: str
    created_at: Timestamp


# --- items, documents, audit, account -------------------------------------------------------------------


class ItemOut(BaseModel):
    id: int
    user_id: int
    user_nick: str
    name: str
    biz_type: BizType
    bill_cycle: str
    bill_id: int
    item_id: int
    out_biz_id: str
    op_id: str
    biz_time: Timestamp
    original_fen: int
    offset_fen: int
    invoiced_fen: int
    reserved_fen: int
    can_invoice_fen: int
    present_fen: int
    status: int
    type: int
    created_at: Timestamp
    updated_at: Timestamp


class ItemPageOut(PageOut[ItemOut]):
    total_invoiced_fen: int
    total_can_invoice_fen: int


class DocumentOut(BaseModel):
    id: int
    kind: DocumentKind
    file_name: str
    content_type: str
    size: int
    sha256: str


class AuditOut(BaseModel):
    id: int
    at: Timestamp
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AccountOut(BaseModel):
    user_id: int
    user_nick: str
    real_name_verified: bool
    enabled: bool
    created_at: Timestamp
