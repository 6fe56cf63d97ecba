"""BssOpenApi 2017-12-14: titles, addresses, invoiceable items and ApplyInvoice, in the shapes of the SDK
models (list wrappers such as ``CustomerInvoiceList.CustomerInvoice[]``, integer cents, China-time strings).

Business failures of ``ApplyInvoice`` are 4xx errors (so every SDK raises), not ``200 + Success:false``.
"""

from __future__ import annotations

from fapiao.addresses import service as addresses
from fapiao.addresses.service import AddressView
from fapiao.applications import service as applications
from fapiao.applications.commands import MAX_EMAILS_LENGTH, MAX_REMARK_LENGTH, MAX_SELECTED_ITEMS, FileApplication
from fapiao.domain.clock import format_china
from fapiao.items import service as items
from fapiao.items.service import AmountFilter, ItemFilter, ItemSort, ItemView
from fapiao.protocols.aliyun import mapping
from fapiao.protocols.aliyun.catalog import Args, Call, Kind, Operation, Param
from fapiao.protocols.aliyun.envelope import DEFAULT_HOST_ID
from fapiao.protocols.aliyun.shared import all_pages, drop_none
from fapiao.titles import service as titles
from fapiao.titles.service import TitleView
from fapiao.usecases.pagination import MAX_PAGE_SIZE, PageRequest

VERSION = "2017-12-14"
OWNER_ID = Param("OwnerId", Kind.INTEGER, "Accepted for SDK compatibility and ignored: the key decides the account.")


def title_record(view: TitleView) -> dict[str, object]:
    """One ``CustomerInvoice`` (21 fields)."""
    data = view.data
    return drop_none(
        {
            "Id": view.id,
            "UserId": view.user_id,
            "UserNick": view.user_nick,
            "InvoiceTitle": data.invoice_title,
            "Type": mapping.TITLE_TYPE.to_wire(data.invoice_kind),
            "Status": mapping.TITLE_STATUS.to_wire(view.status),
            "AdjustType": mapping.ADJUST_TYPE.to_wire(view.adjust_type),
            "TaxpayerType": mapping.TAXPAYER_TYPE.to_wire(data.taxpayer_type),
            "CustomerType": mapping.CUSTOMER_TYPE.to_wire(data.customer_type),
            "IssueType": data.issue_type,
            "RegisterNo": data.register_no,
            "Bank": data.bank,
            "BankNo": data.bank_no,
            "OperatingLicenseAddress": data.address,
            "OperatingLicensePhone": data.phone,
            "TaxationLicense": data.taxation_license,
            "TitleChangeInstructions": data.title_change_instructions,
            "DefaultRemark": data.default_remark,
            "StartCycle": data.start_cycle,
            "EndCycle": data.end_cycle,
            "GmtCreate": format_china(view.created_at),
        }
    )


def query_invoicing_customer_list(call: Call, args: Args) -> dict[str, object]:
    views = titles.account_titles(call.rt, call.credential)
    return {"CustomerInvoiceList": {"CustomerInvoice": [title_record(v) for v in views]}}


def address_record(view: AddressView) -> dict[str, object]:
    data = view.data
    return {
        "Id": view.id,
        "UserId": view.user_id,
        "UserNick": view.user_nick,
        "Addressee": data.addressee,
        "Phone": data.phone,
        "Province": data.province,
        "City": data.city,
        "County": data.county,
        "Street": data.street,
        "DeliveryAddress": view.delivery_address,
        "PostalCode": data.postal_code,
        "BizType": data.biz_type,
    }


def query_customer_address_list(call: Call, args: Args) -> dict[str, object]:
    actor = call.credential.actor
    views = all_pages(lambda page: addresses.list_addresses(call.rt, actor, page))
    return {"CustomerInvoiceAddressList": {"CustomerInvoiceAddress": [address_record(v) for v in views]}}


def evaluate_record(view: ItemView) -> dict[str, object]:
    return {
        "Id": view.id,
        "UserId": view.user_id,
        "UserNick": view.user_nick,
        "Name": view.name,
        "BizType": view.biz_type,
        "BillCycle": view.bill_cycle,
        "BillId": view.bill_id,
        "ItemId": view.item_id,
        "OutBizId": view.out_biz_id,
        "OpId": view.op_id,
        "BizTime": format_china(view.biz_time),
        "GmtCreate": format_china(view.created_at),
        "GmtModified": format_china(view.updated_at),
        "OriginalAmount": view.original_fen,
        "CanInvoiceAmount": view.can_invoice_fen,
        "InvoicedAmount": view.invoiced_fen,
        "OffsetAcceptAmount": view.offset_fen,
        "OffsetCostAmount": view.offset_fen,
        "PresentAmount": view.present_fen,
        "Status": view.status,
        "Type": view.type,
    }


def query_evaluate_list(call: Call, args: Args) -> dict[str, object]:
    amount = args.integer("Type")
    sort = args.integer("SortType", ItemSort.ID_DESC) or ItemSort.ID_DESC
    filters = ItemFilter(
        amount=AmountFilter(amount) if amount is not None else None,
        bill_cycle=args.text("BillCycle") or None,
        biz_types=tuple(args.strings("BizTypeList")),
        out_biz_id=args.text("OutBizId") or None,
        min_fen=args.integer("StartAmount"),
        max_fen=args.integer("EndAmount"),
        biz_time_from=args.time("StartBizTime"),
        biz_time_to=args.time("EndBizTime"),
        created_from=args.time("StartSearchTime"),
        created_to=args.time("EndSearchTime"),
        sort=ItemSort(sort),
    )
    page = PageRequest(args.integer("PageNum", 1) or 1, args.integer("PageSize", 20) or 20)
    result = items.list_items(call.rt, call.credential.actor, page, filters=filters)
    return {
        "EvaluateList": {"Evaluate": [evaluate_record(v) for v in result.items]},
        "HostId": DEFAULT_HOST_ID,
        "PageNum": result.page,
        "PageSize": result.page_size,
        "TotalCount": result.total,
        "TotalInvoiceAmount": result.total_invoiced_fen,
        "TotalUnAppliedInvoiceAmount": result.total_can_invoice_fen,
    }


def apply_invoice(call: Call, args: Args) -> dict[str, object]:
    invoicing_type = args.integer("InvoicingType")
    by_amount = args.flag("InvoiceByAmount") is True
    request = FileApplication(
        title_id=args.integer("CustomerId") or 0,
        item_ids=tuple(args.integers("SelectedIds")),
        amount_fen=args.integer("InvoiceAmount") if by_amount else None,
        address_id=args.integer("AddressId"),
        invoice_kind=mapping.INVOICING_TYPE.from_wire(invoicing_type) if invoicing_type is not None else None,
        user_remark=args.text("UserRemark"),
        emails=args.text("emails"),
        process_way=args.integer("ProcessWay", 1) or 0,
        apply_user_nick=args.text("ApplyUserNick"),
        client_token=args.text("ClientToken") or None,
    )
    credential = call.credential
    view = applications.file_application(call.rt, credential.actor, credential.user_id, request)
    return {"InvoiceApplyId": view.id}


_PAGE_NUM = Param("PageNum", Kind.INTEGER, "Page number, from 1 (default 1).", minimum=1, maximum=1_000_000)
_PAGE_SIZE = Param("PageSize", Kind.INTEGER, "Entries per page (default 20).", minimum=1, maximum=MAX_PAGE_SIZE)

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
        response=(
            "`Data.CustomerInvoiceList.CustomerInvoice[]`: `Id`, `UserId`, `UserNick`, `InvoiceTitle`, `Type` "
            "(0 plain, 1 special), `Status` (1 applying, 2 approved, 3 rejected, 4 invalid, 5 withdrawn), "
            "`AdjustType` (1 details, 4 other title, 5 verified title), `TaxpayerType` (1 general, 2 small-scale), "
            "`CustomerType` (1 individual, 2 company), `IssueType`, `RegisterNo`, `Bank`, `BankNo`, "
            "`OperatingLicenseAddress`, `OperatingLicensePhone`, `TaxationLicense`, `TitleChangeInstructions`, "
            "`DefaultRemark`, `StartCycle`, `EndCycle` (`YYYYMM`), `GmtCreate` (`yyyy-mm-dd hh:mm:ss`, China time)."
        ),
    ),
    Operation(
        version=VERSION,
        action="QueryCustomerAddressList",
        permission="bss:QueryCustomerAddressList",
        summary="The caller's mailing addresses (deleted ones excluded).",
        params=(OWNER_ID,),
        handler=query_customer_address_list,
        envelope=True,
        response=(
            "`Data.CustomerInvoiceAddressList.CustomerInvoiceAddress[]`: `Id` (the `AddressId` of ApplyInvoice), "
            "`UserId`, `UserNick`, `Addressee`, `Phone`, `Province`, `City`, `County`, `Street`, `DeliveryAddress` "
            "(the parts joined), `PostalCode`, `BizType`."
        ),
    ),
    Operation(
        version=VERSION,
        action="QueryEvaluateList",
        permission="bss:QueryEvaluateList",
        summary="The caller's invoiceable items with their amounts in cents, filtered, sorted and paged.",
        params=(
            Param(
                "Type",
                Kind.INTEGER,
                "1 invoiceable amount < 0, 2 > 0, 3 ≠ 0, 4 invoiced amount > 0; absent = all.",
                choices=(1, 2, 3, 4),
            ),
            Param("BillCycle", Kind.STRING, "Billing month, `YYYY-MM`.", pattern=r"[0-9]{4}-[0-9]{2}"),
            Param(
                "BizTypeList",
                Kind.FLAT_STRINGS,
                "Invoicing entities (`ALIYUN`, `MARKETPLACE`).",
                max_items=20,
                max_length=32,
            ),
            Param("OutBizId", Kind.STRING, "Order, bill or contract id.", max_length=64),
            Param("StartAmount", Kind.INTEGER, "Lowest invoiceable amount, cents."),
            Param("EndAmount", Kind.INTEGER, "Highest invoiceable amount, cents."),
            Param("StartBizTime", Kind.TIME, "Earliest business (payment) time."),
            Param("EndBizTime", Kind.TIME, "Latest business (payment) time."),
            Param("StartSearchTime", Kind.TIME, "Earliest creation time of the item."),
            Param("EndSearchTime", Kind.TIME, "Latest creation time of the item."),
            _PAGE_NUM,
            _PAGE_SIZE,
            Param(
                "SortType",
                Kind.INTEGER,
                "1 id descending (default); 2 type descending, then id descending; 3 type ascending, then id "
                "descending.",
                choices=(1, 2, 3),
            ),
            OWNER_ID,
        ),
        handler=query_evaluate_list,
        envelope=True,
        fields={"bill_cycle": "BillCycle", "page": "PageNum", "page_size": "PageSize"},
        response=(
            "`Data`: `EvaluateList.Evaluate[]` (`Id` — the `SelectedIds` of ApplyInvoice —, `UserId`, `UserNick`, "
            "`Name`, `BizType`, `BillCycle`, `BillId`, `ItemId`, `OutBizId`, `OpId`, `BizTime`, `GmtCreate`, "
            "`GmtModified`, `OriginalAmount`, `CanInvoiceAmount`, `InvoicedAmount`, `OffsetAcceptAmount`, "
            "`OffsetCostAmount`, `PresentAmount`, `Status`, `Type`), `HostId`, `PageNum`, `PageSize`, `TotalCount`, "
            "`TotalInvoiceAmount`, `TotalUnAppliedInvoiceAmount` (cents, over every matching item)."
        ),
    ),
    Operation(
        version=VERSION,
        action="ApplyInvoice",
        permission="bss:ApplyInvoice",
        permission_source="Alibaba Cloud documentation",
        fields={
            "title_id": "CustomerId",
            "item_ids": "SelectedIds",
            "address_id": "AddressId",
            "invoice_kind": "InvoicingType",
            "amount_fen": "InvoiceAmount",
            "user_remark": "UserRemark",
            "client_token": "ClientToken",
        },
        summary=(
            "File an invoice application on an approved title for selected items; the amounts are reserved on "
            "the items until the provider completes (invoiced) or rejects (released) the application."
        ),
        params=(
            Param("CustomerId", Kind.INTEGER, "An approved title of the caller (`Id` of the title list).", True, 1),
            Param(
                "AddressId",
                Kind.INTEGER,
                "Mailing address (`Id` of the address list); given → paper invoice, absent → electronic.",
                minimum=1,
            ),
            Param("ApplyUserNick", Kind.STRING, "Applicant nickname (recorded, not verified).", True, max_length=64),
            Param("InvoiceAmount", Kind.INTEGER, "Amount in cents; used when `InvoiceByAmount` is true.", True, 1),
            Param(
                "SelectedIds",
                Kind.FLAT_INTEGERS,
                "Items (`Id` of the evaluate list); each at most once.",
                True,
                minimum=1,
                max_items=MAX_SELECTED_ITEMS,
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
                choices=mapping.INVOICING_TYPE.wire_values,
            ),
            Param("ProcessWay", Kind.INTEGER, "0 by the platform, 1 by the tax platform (default 1).", choices=(0, 1)),
            Param("UserRemark", Kind.STRING, "Remark for the provider.", max_length=MAX_REMARK_LENGTH),
            Param(
                "emails",
                Kind.STRING,
                "Recipient emails, comma-separated (lower-case wire name).",
                max_length=MAX_EMAILS_LENGTH,
            ),
            Param(
                "ClientToken",
                Kind.STRING,
                "Idempotency token: the same token with the same parameters returns the first application; with "
                "other parameters `IdempotentParameterMismatch`.",
                max_length=64,
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
        response="`Data.InvoiceApplyId`: the id of the new (or, with a reused `ClientToken`, the first) application.",
    ),
)
