"""Request and response bodies of the REST API; FastAPI validates against them and documents them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from fapiao.domain.items import BizType
from fapiao.domain.tax_ids import HolderKind
from fapiao.domain.titles import AdjustType, CustomerType, InvoiceKind, TaxpayerType, TitleStatus


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TitleFields(Strict):
    invoice_title: str = Field(max_length=100, examples=["示例科技有限公司"])
    holder_kind: HolderKind = HolderKind.ENTERPRISE
    invoice_kind: InvoiceKind = InvoiceKind.PLAIN
    taxpayer_type: TaxpayerType = TaxpayerType.GENERAL
    customer_type: CustomerType = CustomerType.COMPANY
    issue_type: int = Field(default=1, ge=0)
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
    issue_type: int | None = Field(default=None, ge=0)
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


class TitleOut(BaseModel):
    id: int
    user_id: int
    user_nick: str
    status: TitleStatus
    adjust_type: AdjustType
    data: TitleFields
    pending_change: TitleFields | None
    warnings: list[str]
    review_note: str
    created_at: datetime
    updated_at: datetime


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
    addressee: str | None = None
    phone: str | None = None
    province: str | None = None
    city: str | None = None
    street: str | None = None
    county: str | None = None
    postal_code: str | None = None
    biz_type: str | None = None


class AddressOut(BaseModel):
    id: int
    user_id: int
    user_nick: str
    data: AddressFields
    delivery_address: str
    created_at: datetime


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
    biz_time: datetime
    original_fen: int
    offset_fen: int
    invoiced_fen: int
    reserved_fen: int
    can_invoice_fen: int
    present_fen: int
    status: int
    type: int
    created_at: datetime
    updated_at: datetime


class ItemPageOut(BaseModel):
    items: list[ItemOut]
    page: int
    page_size: int
    total: int
    total_invoiced_fen: int
    total_can_invoice_fen: int


class DocumentOut(BaseModel):
    id: int
    account_id: int
    kind: str
    file_name: str
    content_type: str
    size: int
    sha256: str


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    account_id: int | None
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, object] | None
    after: dict[str, object] | None


class AccountOut(BaseModel):
    id: int
    user_id: int
    user_nick: str
    real_name_verified: bool
    enabled: bool
    created_at: datetime


class ReviewNote(Strict):
    reason: str = ""


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None


class ErrorOut(BaseModel):
    error: ErrorBody
    request_id: str
