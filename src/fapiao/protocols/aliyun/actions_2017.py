"""BssOpenApi 2017-12-14: titles, addresses, invoiceable items and ApplyInvoice, in the shapes of the SDK
models (list wrappers such as ``CustomerInvoiceList.CustomerInvoice[]``, integer cents, China-time strings).

Business failures of ``ApplyInvoice`` are 4xx errors (so every SDK raises), not ``200 + Success:false``.
"""

from __future__ import annotations

from fapiao.addresses import service as addresses
from fapiao.addresses.commands import ListAddresses
from fapiao.addresses.views import AddressView
from fapiao.applications import service as applications
from fapiao.applications.commands import FileApplication
from fapiao.applications.service import ApplicationView
from fapiao.items import service as items
from fapiao.items.commands import ListItems
from fapiao.items.views import ItemPage
from fapiao.protocols.aliyun import mapping
from fapiao.protocols.aliyun.catalog import Args, Call, Kind, Operation, Param
from fapiao.protocols.aliyun.envelope import DEFAULT_HOST_ID
from fapiao.protocols.aliyun.responses import Const, Items, Out, Record, Render, Response
from fapiao.protocols.aliyun.shared import all_pages
from fapiao.titles import service as titles
from fapiao.titles.views import TitleView

VERSION = "2017-12-14"
OWNER_ID = Param("OwnerId", Kind.INTEGER, "Accepted for SDK compatibility and ignored: the key decides the account.")
INT = Render.INTEGER

TITLE = Record(
    (
        Out("Id", "id", INT),
        Out("UserId", "user_id", INT),
        Out("UserNick", "user_nick"),
        Out("InvoiceTitle", "data.invoice_title"),
        Out("Type", "data.invoice_kind", mapping.TITLE_TYPE),
        Out("Status", "status", mapping.TITLE_STATUS),
        Out("AdjustType", "adjust_type", mapping.ADJUST_TYPE),
        Out("TaxpayerType", "data.taxpayer_type", mapping.TAXPAYER_TYPE),
        Out("CustomerType", "data.customer_type", mapping.CUSTOMER_TYPE),
        Out("IssueType", "data.issue_type", INT),
        Out("RegisterNo", "data.register_no"),
        Out("Bank", "data.bank"),
        Out("BankNo", "data.bank_no"),
        Out("OperatingLicenseAddress", "data.address"),
        Out("OperatingLicensePhone", "data.phone"),
        Out("TaxationLicense", "data.taxation_license", doc="File name of the tax registration scan."),
        Out("TitleChangeInstructions", "data.title_change_instructions", doc="File name of the change statement."),
        Out("DefaultRemark", "data.default_remark"),
        Out("StartCycle", "data.start_cycle", Render.YYYYMM, "Absent: no limit."),
        Out("EndCycle", "data.end_cycle", Render.YYYYMM, "Absent: no limit."),
        Out("GmtCreate", "created_at", Render.TIME),
    ),
    drop_none=True,
)
ADDRESS = Record(
    (
        Out("Id", "id", INT, "The `AddressId` of ApplyInvoice."),
        Out("UserId", "user_id", INT),
        Out("UserNick", "user_nick"),
        Out("Addressee", "data.addressee"),
        Out("Phone", "data.phone"),
        Out("Province", "data.province"),
        Out("City", "data.city"),
        Out("County", "data.county"),
        Out("Street", "data.street"),
        Out("DeliveryAddress", "delivery_address", doc="The parts joined, province first."),
        Out("PostalCode", "data.postal_code"),
        Out("BizType", "data.biz_type"),
    )
)
EVALUATE = Record(
    (
        Out("Id", "id", INT, "The `SelectedIds` of ApplyInvoice."),
        Out("UserId", "user_id", INT),
        Out("UserNick", "user_nick"),
        Out("Name", "name"),
        Out("BizType", "biz_type"),
        Out("BillCycle", "bill_cycle", doc="`YYYY-MM`."),
        Out("BillId", "bill_id", INT),
        Out("ItemId", "item_id", INT),
        Out("OutBizId", "out_biz_id"),
        Out("OpId", "op_id"),
        Out("BizTime", "biz_time", Render.TIME),
        Out("GmtCreate", "created_at", Render.TIME),
        Out("GmtModified", "updated_at", Render.TIME),
        Out("OriginalAmount", "original_fen", Render.CENTS),
        Out("CanInvoiceAmount", "can_invoice_fen", Render.CENTS, "What may still be invoiced."),
        Out("InvoicedAmount", "invoiced_fen", Render.CENTS),
        Out("OffsetAcceptAmount", "offset_fen", Render.CENTS),
        Out("OffsetCostAmount", "offset_fen", Render.CENTS),
        Out("PresentAmount", "present_fen", Render.CENTS),
        Out("Status", "status", INT),
        Out("Type", "type", INT),
    )
)


def query_invoicing_customer_list(call: Call, args: Args) -> tuple[TitleView, ...]:
    return titles.account_titles(call.rt, call.credential)


def query_customer_address_list(call: Call, args: Args) -> list[AddressView]:
    actor = call.credential.actor
    return all_pages(
        lambda page: addresses.list_addresses(call.rt, actor, ListAddresses(page=page.page, page_size=page.page_size))
    )


def query_evaluate_list(call: Call, args: Args) -> ItemPage:
    return items.list_items(call.rt, call.credential.actor, args.command(ListItems))


def apply_invoice(call: Call, args: Args) -> ApplicationView:
    by_amount = args.flag("InvoiceByAmount") is True
    command = args.command(FileApplication, **({} if by_amount else {"amount_fen": None}))
    credential = call.credential
    return applications.file_application(call.rt, credential.actor, credential.user_id, command)


OPERATIONS = (
    Operation(
        version=VERSION,
        action="QueryInvoicingCustomerList",
        permission="bss:QueryCustomerInvoiceInfo",
        permission_source="Alibaba Cloud documentation",
        summary="The caller's invoice titles, every status, oldest first.",
        params=(OWNER_ID,),
        handler=query_invoicing_customer_list,
        envelope=True,
        response=Response((Items("CustomerInvoiceList.CustomerInvoice", TITLE),)),
    ),
    Operation(
        version=VERSION,
        action="QueryCustomerAddressList",
        permission="bss:QueryCustomerAddressList",
        summary="The caller's mailing addresses (deleted ones excluded).",
        params=(OWNER_ID,),
        handler=query_customer_address_list,
        envelope=True,
        response=Response((Items("CustomerInvoiceAddressList.CustomerInvoiceAddress", ADDRESS),)),
    ),
    Operation(
        version=VERSION,
        action="QueryEvaluateList",
        permission="bss:QueryEvaluateList",
        summary="The caller's invoiceable items with their amounts in cents, filtered, sorted and paged.",
        command=ListItems,
        params=(
            Param("Type", Kind.INTEGER, field="amount"),
            Param("BillCycle", Kind.STRING, field="bill_cycle"),
            Param("BizTypeList", Kind.FLAT_STRINGS, field="biz_types"),
            Param("OutBizId", Kind.STRING, field="out_biz_id"),
            Param("StartAmount", Kind.INTEGER, "Lowest invoiceable amount, cents.", field="min_fen"),
            Param("EndAmount", Kind.INTEGER, "Highest invoiceable amount, cents.", field="max_fen"),
            Param("StartBizTime", Kind.TIME, field="biz_time_from"),
            Param("EndBizTime", Kind.TIME, field="biz_time_to"),
            Param("StartSearchTime", Kind.TIME, field="created_from"),
            Param("EndSearchTime", Kind.TIME, field="created_to"),
            Param("PageNum", Kind.INTEGER, "Page number, from 1 (default 1).", field="page"),
            Param("PageSize", Kind.INTEGER, "Entries per page (default 20).", field="page_size"),
            Param("SortType", Kind.INTEGER, field="sort"),
            OWNER_ID,
        ),
        handler=query_evaluate_list,
        envelope=True,
        response=Response(
            (
                Items("EvaluateList.Evaluate", EVALUATE, "items", "The page's items."),
                Const("HostId", DEFAULT_HOST_ID),
                Out("PageNum", "page", INT),
                Out("PageSize", "page_size", INT),
                Out("TotalCount", "total", INT, "Every matching item."),
                Out("TotalInvoiceAmount", "total_invoiced_fen", Render.CENTS, "Over every matching item."),
                Out("TotalUnAppliedInvoiceAmount", "total_can_invoice_fen", Render.CENTS, "Over every matching item."),
            )
        ),
    ),
    Operation(
        version=VERSION,
        action="ApplyInvoice",
        permission="bss:ApplyInvoice",
        permission_source="Alibaba Cloud documentation",
        summary=(
            "File an invoice application on an approved title for selected items; the amounts are reserved on "
            "the items until the provider completes (invoiced) or rejects (released) the application."
        ),
        command=FileApplication,
        params=(
            Param("CustomerId", Kind.INTEGER, "An approved title of the caller (`Id` of the title list).", "title_id"),
            Param(
                "AddressId",
                Kind.INTEGER,
                "Mailing address (`Id` of the address list); given → paper invoice, absent → electronic.",
                "address_id",
            ),
            Param(
                "ApplyUserNick", Kind.STRING, "Applicant nickname (recorded, not verified).", "apply_user_nick", True
            ),
            Param(
                "InvoiceAmount",
                Kind.INTEGER,
                "Amount in cents; used when `InvoiceByAmount` is true.",
                "amount_fen",
                True,
            ),
            Param(
                "SelectedIds",
                Kind.FLAT_INTEGERS,
                "Items (`Id` of the evaluate list); each at most once.",
                "item_ids",
                minimum=1,
            ),
            Param(
                "InvoiceByAmount",
                Kind.BOOLEAN,
                "true: invoice exactly `InvoiceAmount` (≤ what the items still allow); otherwise everything the "
                "selected items still allow.",
            ),
            Param(
                "InvoicingType",
                Kind.INTEGER,
                "0 special VAT invoice, 1 plain VAT invoice (current documentation); absent = the title's type.",
                "invoice_kind",
                wire=mapping.INVOICING_TYPE,
            ),
            Param(
                "ProcessWay",
                Kind.INTEGER,
                "0 by the platform, 1 by the tax platform (default 1).",
                "process_way",
                choices=(0, 1),
            ),
            Param("UserRemark", Kind.STRING, "Remark for the provider.", "user_remark"),
            Param("emails", Kind.STRING, "Recipient emails, comma-separated (lower-case wire name).", "emails"),
            Param(
                "ClientToken",
                Kind.STRING,
                "Idempotency token: the same token with the same parameters returns the first application; with "
                "other parameters `IdempotentParameterMismatch`.",
                "client_token",
                pattern=r"[\x21-\x7e]+",
            ),
            OWNER_ID,
        ),
        handler=apply_invoice,
        envelope=True,
        notes=(
            "Business failures (title not approved or not the caller's, unknown item or address, amount above "
            "what the items allow) are `400 InvalidParameter` naming the parameter, so every SDK raises; "
            "nothing is reserved then.",
            "`IdempotentParameterMismatch` (400): a `ClientToken` reused with other parameters.",
            "No default provider app configured: `503 ServiceUnavailable`.",
        ),
        response=Response(
            (Out("InvoiceApplyId", "id", INT, "The new application (with a reused `ClientToken`: the first one)."),)
        ),
    ),
)
