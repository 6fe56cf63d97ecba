"""Request and response bodies of the REST API: FastAPI validates against them, answers through them and
documents them, so the OpenAPI document is exactly what a client gets.

Output models are separate from the input ones: they declare what a stored record holds, without the input
limits (a title filed through another protocol may hold what this API would refuse), and no internal row ids.
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

T = TypeVar("T")

MAX_ID = 2**63 - 1  # the largest id (or amount) either store holds: larger numbers are refused, not a 500
MAX_INT32 = 2**31 - 1  # the largest small number column (a title's issue_type)

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
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route that can refuse with these statuses, each with the error envelope."""
    return {status: {"model": ErrorOut, "description": _ERROR_DESCRIPTIONS[status]} for status in statuses}


# --- titles ---------------------------------------------------------------------------------------------


class TitleFields(Strict):
    invoice_title: str = Field(max_length=100, examples=["示例科技有限公司"])
    holder_kind: HolderKind = HolderKind.ENTERPRISE
    invoice_kind: InvoiceKind = InvoiceKind.PLAIN
    taxpayer_type: TaxpayerType = TaxpayerType.GENERAL
    customer_type: CustomerType = CustomerType.COMPANY
    issue_type: int = Field(default=1, ge=0, le=MAX_INT32)
    register_no: str = Field(default="", max_length=26, examples=["91350100M000100Y43"])
    bank: str = Field(default="", max_length=120)
    bank_no: str = Field(default="", max_length=100)
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=60)
    taxation_license: str = Field(default="", description="File name of an uploaded tax registration scan.")
    title_change_instructions: str = Field(default="", description="File name of an uploaded change statement.")
    default_remark: str = Field(default="", max_length=450)
    start_cycle: int | None = Field(default=None, examples=[202401], description="First valid month, YYYYMM.")
    end_cycle: int | None = Field(default=None, examples=[202612], description="Last valid month, YYYYMM.")


class TitleChanges(Strict):
    """Fields to change; absent fields keep their value."""

    invoice_title: str | None = Field(default=None, max_length=100)
    holder_kind: HolderKind | None = None
    invoice_kind: InvoiceKind | None = None
    taxpayer_type: TaxpayerType | None = None
    customer_type: CustomerType | None = None
    issue_type: int | None = Field(default=None, ge=0, le=MAX_INT32)
    register_no: str | None = Field(default=None, max_length=26)
    bank: str | None = Field(default=None, max_length=120)
    bank_no: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=60)
    taxation_license: str | None = None
    title_change_instructions: str | None = None
    default_remark: str | None = Field(default=None, max_length=450)
    start_cycle: int | None = None
    end_cycle: int | None = None


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


class AddressFields(Strict):
    addressee: str = Field(max_length=200, examples=["张三"])
    phone: str = Field(max_length=200, examples=["18588888888"])
    province: str = Field(max_length=200, examples=["浙江省"])
    city: str = Field(max_length=200, examples=["杭州市"])
    street: str = Field(max_length=200, examples=["文一西路969号"])
    county: str = Field(default="", max_length=200, examples=["余杭区"])
    postal_code: str = Field(default="", max_length=200, examples=["311121"])
    biz_type: str = Field(default="", max_length=200)


class AddressChanges(Strict):
    addressee: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=200)
    province: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=200)
    street: str | None = Field(default=None, max_length=200)
    county: str | None = Field(default=None, max_length=200)
    postal_code: str | None = Field(default=None, max_length=200)
    biz_type: str | None = Field(default=None, max_length=200)


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
