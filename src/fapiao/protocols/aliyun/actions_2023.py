"""BssOpenApi 2023-09-30 over the same records as 2017-12-14: no ``Code``/``Success`` envelope, ``Data`` is
an array, ids are strings, amounts are ``"250.00"`` strings, list parameters are JSON strings.

``CreateInvoice`` reports an account's business failure inside ``Data`` (``ErrorCode``/``Message``, HTTP 200)
as the model describes; malformed parameters are still gateway errors (4xx).
"""

from __future__ import annotations

from collections.abc import Sequence

from fapiao.applications import service as applications
from fapiao.applications.commands import MAX_SELECTED_ITEMS, FileApplication
from fapiao.applications.views import LineView
from fapiao.domain.clock import format_china
from fapiao.domain.errors import DomainError, Reason
from fapiao.domain.money import fen_to_yuan_str
from fapiao.domain.titles import TitleStatus
from fapiao.items import service as items
from fapiao.items.service import ItemFilter, ItemView
from fapiao.protocols.aliyun import errors, faults, mapping
from fapiao.protocols.aliyun.catalog import Args, Call, Kind, Operation, Param
from fapiao.protocols.aliyun.shared import check_ec_accounts
from fapiao.titles import service as titles
from fapiao.titles.service import TitleView
from fapiao.usecases.pagination import MAX_PAGE_SIZE, PageRequest

VERSION = "2023-09-30"
_DIGITS = r"[0-9]{1,18}"


def title_record(view: TitleView) -> dict[str, object]:
    data = view.data
    return {
        "Id": str(view.id),
        "AccountId": view.user_id,
        "InvoiceTitle": data.invoice_title,
        "UnifiedSocialCreditCode": data.register_no,
        "AccountBankName": data.bank,
        "BankAccountNumber": data.bank_no,
        "RegisteredAddress": data.address,
        "RegisteredLandline": data.phone,
        "CreateTime": format_china(view.created_at),
    }


def list_invoice_title(call: Call, args: Args) -> dict[str, object]:
    """Approved titles only: the model has no status, and only these can be invoiced on."""
    every = titles.account_titles(call.rt, call.credential.actor, call.credential.revision)
    views = [view for view in every if view.status is TitleStatus.APPROVED]
    return {"Metadata": {}, "Data": [title_record(v) for v in views]}


def candidate_record(view: ItemView) -> dict[str, object]:
    return {
        "Id": str(view.id),
        "AccountId": view.user_id,
        "AccountName": view.user_nick,
        "ResourceOwnerAccountId": view.user_id,
        "ResourceOwnerAccountName": view.user_nick,
        "BillingCycle": int(view.bill_cycle.replace("-", "")),
        "BusinessId": view.out_biz_id,
        "BusinessTime": format_china(view.biz_time),
        "CreateTime": format_china(view.created_at),
        "CommodityCode": view.biz_type,
        "CommodityName": view.name,
        "ProductCode": view.biz_type,
        "ProductName": view.name,
        "InvoiceIssuer": view.biz_type,
        "TotalAmount": fen_to_yuan_str(view.original_fen),
        "InvoiceableAmount": fen_to_yuan_str(view.can_invoice_fen),
        "InvoicedAmount": fen_to_yuan_str(view.invoiced_fen),
        "OffsetAmount": fen_to_yuan_str(view.offset_fen),
        "AcceptedOffsetAmount": fen_to_yuan_str(view.offset_fen),
        "Status": view.status,
        "Type": view.type,
    }


def _cycle(value: int) -> str:
    year, month = divmod(value, 100)
    if not (1990 <= year <= 2999 and 1 <= month <= 12):
        raise errors.invalid_parameter("BillingCycles")
    return f"{year:04d}-{month:02d}"


def list_invoice_candidate(call: Call, args: Args) -> dict[str, object]:
    credential = call.credential
    check_ec_accounts(args.objects("EcIdAccountIds"), credential.user_id)
    filters = ItemFilter(
        bill_cycles=tuple(_cycle(c) for c in args.integers("BillingCycles")),
        out_biz_ids=tuple(args.strings("BusinessIds")),
        statuses=tuple(args.integers("Status")),
        types=tuple(args.integers("Types")),
        biz_types=tuple(args.strings("InvoiceIssuers")),
        biz_time_from=args.time("StartTime"),
        biz_time_to=args.time("EndTime"),
    )
    number, size = args.integer("CurrentPage", 1) or 1, args.integer("PageSize", 20) or 20
    result = items.list_items(call.rt, credential.actor, PageRequest(number, size), filters=filters)
    found, total = result.items, result.total
    return {
        "Metadata": {},
        "CurrentPage": number,
        "PageSize": size,
        "TotalCount": total,
        "Data": [candidate_record(v) for v in found],
    }


def create_invoice(call: Call, args: Args) -> dict[str, object]:
    credential = call.credential
    check_ec_accounts(args.objects("EcIdAccountIds"), credential.user_id)
    emails = args.strings("RecipientEmails")
    if not emails or any(not e.strip() or "," in e for e in emails):
        raise errors.invalid_parameter("RecipientEmails")
    kind = mapping.CREATE_INVOICE_TYPE.from_wire(args.integer("InvoiceType") or 0)
    request = FileApplication(
        title_id=int(args.text("InvoiceTitleId")),
        item_ids=tuple(int(i) for i in args.strings("InvoiceCandidateIds")),
        amount_fen=args.integer("Amount"),
        invoice_kind=kind,
        user_remark=args.text("InvoiceRemark"),
        emails=",".join(e.strip() for e in emails),
        apply_user_nick=credential.user_nick,
    )
    outcome: dict[str, object] = {"AccountId": credential.user_id, "Amount": "", "InvoiceIssuer": ""}
    try:
        view = applications.file_application(call.rt, credential.actor, credential.user_id, request)
    except DomainError as failure:
        if failure.reason is Reason.UNAVAILABLE:
            raise  # the platform's problem, not the account's: a 503 for the whole call
        outcome |= {"ErrorCode": _error_code(failure), "Message": failure.message}
        return {"Metadata": {}, "Data": [outcome]}
    outcome |= {
        "Amount": fen_to_yuan_str(view.amount_fen),
        "InvoiceIssuer": ",".join(_issuers(view.lines)),
        "ErrorCode": "",
        "Message": "",
    }
    return {"Metadata": {}, "Data": [outcome]}


def _issuers(lines: Sequence[LineView]) -> list[str]:
    """The business types of the invoiced items, as filing read them with the lines."""
    return sorted({line.biz_type for line in lines if line.item_id is not None})


def _error_code(failure: DomainError) -> str:
    """The code a 2017 caller would get for the same failure (``InvalidParameter`` for a bad title, …)."""
    return faults.code_for(failure.reason)


_EC_ACCOUNTS = Param(
    "EcIdAccountIds",
    Kind.JSON_OBJECTS,
    '`[{"EcId": "…", "AccountIds": [id, …]}]`; Fapiao has no multi-account entities, so only the caller\'s own '
    "account id (or an empty `AccountIds`) is accepted.",
    max_items=20,
)
_NBID = Param("Nbid", Kind.STRING, "Marketplace id; accepted and ignored.", max_length=64)

OPERATIONS = (
    Operation(
        version=VERSION,
        action="ListInvoiceTitle",
        permission="bss:DescribeQueryInvoice",
        permission_source="Alibaba Cloud documentation (single source)",
        summary="The caller's approved invoice titles.",
        params=(),
        handler=list_invoice_title,
        envelope=False,
        response=(
            "`Data[]`: `Id` (string; the `InvoiceTitleId` of CreateInvoice), `AccountId`, `InvoiceTitle`, "
            "`UnifiedSocialCreditCode`, `AccountBankName`, `BankAccountNumber`, `RegisteredAddress`, "
            "`RegisteredLandline`, `CreateTime`; `Metadata` `{}`."
        ),
    ),
    Operation(
        version=VERSION,
        action="ListInvoiceCandidate",
        permission="bss:ListInvoiceCandidate",
        summary="The caller's invoiceable items, amounts as yuan strings, paged.",
        params=(
            Param("BillingCycles", Kind.JSON_INTEGERS, "Billing months `YYYYMM`.", max_items=120),
            Param("BusinessIds", Kind.JSON_STRINGS, "Business document numbers (`OutBizId`).", max_items=100),
            Param("InvoiceIssuers", Kind.JSON_STRINGS, "Invoicing entities (`ALIYUN`, `MARKETPLACE`).", max_items=20),
            Param("Status", Kind.JSON_INTEGERS, "Item statuses.", max_items=20),
            Param("Types", Kind.JSON_INTEGERS, "Item types.", max_items=20),
            Param("StartTime", Kind.TIME, "Earliest business time."),
            Param("EndTime", Kind.TIME, "Latest business time."),
            _EC_ACCOUNTS,
            _NBID,
            Param("CurrentPage", Kind.INTEGER, "Page number, from 1 (default 1).", minimum=1, maximum=1_000_000),
            Param("PageSize", Kind.INTEGER, "Entries per page (default 20).", minimum=1, maximum=MAX_PAGE_SIZE),
        ),
        handler=list_invoice_candidate,
        envelope=False,
        response=(
            "`CurrentPage`, `PageSize`, `TotalCount`, `Metadata` `{}` and `Data[]`: `Id` (string; for "
            "`InvoiceCandidateIds`), `AccountId`, `AccountName`, `ResourceOwnerAccountId`, "
            "`ResourceOwnerAccountName`, `BillingCycle` (`YYYYMM`), `BusinessId`, `BusinessTime`, `CreateTime`, "
            "`CommodityCode`, `CommodityName`, `ProductCode`, `ProductName`, `InvoiceIssuer`, `TotalAmount`, "
            "`InvoiceableAmount`, `InvoicedAmount`, `OffsetAmount`, `AcceptedOffsetAmount` (yuan strings), "
            "`Status`, `Type`."
        ),
    ),
    Operation(
        version=VERSION,
        action="CreateInvoice",
        permission="bss:CreateInvoice",
        summary=(
            "File an invoice application, like ApplyInvoice: reserves the amounts on the candidates. An account's "
            "business failure comes back in `Data[].ErrorCode`/`Message` with HTTP 200."
        ),
        params=(
            Param("InvoiceTitleId", Kind.STRING, "An approved title of the caller.", True, pattern=_DIGITS),
            Param(
                "InvoiceCandidateIds",
                Kind.JSON_STRINGS,
                "Candidate ids (`Id` of ListInvoiceCandidate).",
                True,
                max_items=MAX_SELECTED_ITEMS,
                pattern=_DIGITS,
            ),
            Param(
                "InvoiceMode",
                Kind.INTEGER,
                "0 independent, 1 consolidated (one account: the same).",
                True,
                choices=(0, 1),
            ),
            Param(
                "InvoiceType",
                Kind.INTEGER,
                "Undocumented upstream; Fapiao: 1 plain VAT invoice, 2 special VAT invoice.",
                True,
                choices=mapping.CREATE_INVOICE_TYPE.wire_values,
            ),
            Param("RecipientEmails", Kind.JSON_STRINGS, "Recipient emails.", True, max_items=3, max_length=64),
            Param("Amount", Kind.AMOUNT, "Amount in yuan; absent = everything the candidates still allow."),
            Param("InvoiceRemark", Kind.STRING, "Remark for the provider.", max_length=500),
            _EC_ACCOUNTS,
            _NBID,
        ),
        handler=create_invoice,
        envelope=False,
        notes=(
            "Malformed parameters are gateway errors (`400 MissingParameter`/`InvalidParameter`); a business "
            "failure of the account (title, candidates, amount) is `Data[0].ErrorCode` (the code ApplyInvoice "
            "would raise) with HTTP 200, and nothing is reserved.",
        ),
        fields={
            "item_ids": "InvoiceCandidateIds",
            "title_id": "InvoiceTitleId",
            "amount_fen": "Amount",
            "user_remark": "InvoiceRemark",
            "invoice_kind": "InvoiceType",
        },
        response=(
            "`Data[]`, one per account: `AccountId`, `Amount` (yuan string), `InvoiceIssuer`, `ErrorCode` and "
            "`Message` (empty on success); `Metadata` `{}`."
        ),
    ),
)
