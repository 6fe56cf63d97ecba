"""BssOpenApi 2023-09-30 over the same use cases as 2017-12-14, with its own wire names mapped onto the
same commands: no ``Code``/``Success`` envelope, ``Data`` is an array, ids are strings, amounts are
``"250.00"`` strings, list parameters are JSON strings.

``CreateInvoice`` reports an account's business failure inside ``Data`` (``ErrorCode``/``Message``, HTTP 200)
as the model describes; malformed parameters are still gateway errors (4xx).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fapiao.applications import service as applications
from fapiao.applications.commands import FileApplication
from fapiao.applications.views import LineView
from fapiao.domain.errors import DomainError, Reason
from fapiao.domain.titles import TitleStatus
from fapiao.items import service as items
from fapiao.items.commands import ListInvoiceCandidates
from fapiao.items.views import ItemPage
from fapiao.protocols.aliyun import errors, faults, mapping
from fapiao.protocols.aliyun.catalog import Args, Call, Kind, Operation, Param
from fapiao.protocols.aliyun.responses import Const, Items, Out, Record, Render, Response
from fapiao.protocols.aliyun.shared import check_ec_accounts
from fapiao.titles import service as titles
from fapiao.titles.views import TitleView

VERSION = "2023-09-30"
INT, ID, YUAN, TIME = Render.INTEGER, Render.ID_TEXT, Render.YUAN, Render.TIME
METADATA = Const("Metadata", {})

TITLE = Record(
    (
        Out("Id", "id", ID, "The `InvoiceTitleId` of CreateInvoice."),
        Out("AccountId", "user_id", INT),
        Out("InvoiceTitle", "data.invoice_title"),
        Out("UnifiedSocialCreditCode", "data.register_no"),
        Out("AccountBankName", "data.bank"),
        Out("BankAccountNumber", "data.bank_no"),
        Out("RegisteredAddress", "data.address"),
        Out("RegisteredLandline", "data.phone"),
        Out("CreateTime", "created_at", TIME),
    )
)
CANDIDATE = Record(
    (
        Out("Id", "id", ID, "For `InvoiceCandidateIds`."),
        Out("AccountId", "user_id", INT),
        Out("AccountName", "user_nick"),
        Out("ResourceOwnerAccountId", "user_id", INT),
        Out("ResourceOwnerAccountName", "user_nick"),
        Out("BillingCycle", "bill_cycle", Render.YYYYMM),
        Out("BusinessId", "out_biz_id"),
        Out("BusinessTime", "biz_time", TIME),
        Out("CreateTime", "created_at", TIME),
        Out("CommodityCode", "biz_type"),
        Out("CommodityName", "name"),
        Out("ProductCode", "biz_type"),
        Out("ProductName", "name"),
        Out("InvoiceIssuer", "biz_type"),
        Out("TotalAmount", "original_fen", YUAN),
        Out("InvoiceableAmount", "can_invoice_fen", YUAN),
        Out("InvoicedAmount", "invoiced_fen", YUAN),
        Out("OffsetAmount", "offset_fen", YUAN),
        Out("AcceptedOffsetAmount", "offset_fen", YUAN),
        Out("Status", "status", INT),
        Out("Type", "type", INT),
    )
)


@dataclass(frozen=True)
class Outcome:
    """One account's result of CreateInvoice: the filed amount, or why nothing was filed."""

    account_id: int
    amount_fen: int | None = None
    invoice_issuer: str = ""
    error_code: str = ""
    message: str = ""


OUTCOME = Record(
    (
        Out("AccountId", "account_id", INT),
        Out("Amount", "amount_fen", YUAN, "Empty when nothing was filed."),
        Out("InvoiceIssuer", "invoice_issuer", doc="The items' invoicing entities, comma-separated."),
        Out("ErrorCode", "error_code", doc="The code ApplyInvoice would raise; empty on success."),
        Out("Message", "message", doc="Empty on success."),
    )
)


def list_invoice_title(call: Call, args: Args) -> list[TitleView]:
    """Approved titles only: the model has no status, and only these can be invoiced on."""
    every = titles.account_titles(call.rt, call.credential)
    return [view for view in every if view.status is TitleStatus.APPROVED]


def list_invoice_candidate(call: Call, args: Args) -> ItemPage:
    credential = call.credential
    check_ec_accounts(args.objects("EcIdAccountIds"), credential.user_id)
    return items.list_invoice_candidates(call.rt, credential.actor, args.command(ListInvoiceCandidates))


def create_invoice(call: Call, args: Args) -> list[Outcome]:
    credential = call.credential
    check_ec_accounts(args.objects("EcIdAccountIds"), credential.user_id)
    emails = args.strings("RecipientEmails")
    if not emails or any(not e.strip() or "," in e for e in emails):
        raise errors.invalid_parameter("RecipientEmails")
    joined = ",".join(e.strip() for e in emails)
    command = args.command(FileApplication, emails=joined, apply_user_nick=credential.user_nick)
    try:
        view = applications.file_application(call.rt, credential.actor, credential.user_id, command)
    except DomainError as failure:
        if failure.reason is Reason.UNAVAILABLE:
            raise  # the platform's problem, not the account's: a 503 for the whole call
        return [Outcome(credential.user_id, error_code=_error_code(failure), message=failure.message)]
    return [Outcome(credential.user_id, view.amount_fen, ",".join(_issuers(view.lines)))]


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
        response=Response((METADATA, Items("Data", TITLE))),
    ),
    Operation(
        version=VERSION,
        action="ListInvoiceCandidate",
        permission="bss:ListInvoiceCandidate",
        summary="The caller's invoiceable items, amounts as yuan strings, paged.",
        command=ListInvoiceCandidates,
        params=(
            Param("BillingCycles", Kind.JSON_INTEGERS, field="bill_cycles"),
            Param("BusinessIds", Kind.JSON_STRINGS, "Business document numbers (`OutBizId`).", "out_biz_ids"),
            Param("InvoiceIssuers", Kind.JSON_STRINGS, field="biz_types"),
            Param("Status", Kind.JSON_INTEGERS, field="statuses"),
            Param("Types", Kind.JSON_INTEGERS, field="types"),
            Param("StartTime", Kind.TIME, "Earliest business time.", "biz_time_from"),
            Param("EndTime", Kind.TIME, "Latest business time.", "biz_time_to"),
            _EC_ACCOUNTS,
            _NBID,
            Param("CurrentPage", Kind.INTEGER, "Page number, from 1 (default 1).", "page"),
            Param("PageSize", Kind.INTEGER, "Entries per page (default 20).", "page_size"),
        ),
        handler=list_invoice_candidate,
        envelope=False,
        response=Response(
            (
                METADATA,
                Out("CurrentPage", "page", INT),
                Out("PageSize", "page_size", INT),
                Out("TotalCount", "total", INT, "Every matching item."),
                Items("Data", CANDIDATE, "items", "The page's items."),
            )
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
        command=FileApplication,
        params=(
            Param("InvoiceTitleId", Kind.ID_STRING, "An approved title of the caller.", "title_id"),
            Param(
                "InvoiceCandidateIds",
                Kind.JSON_ID_STRINGS,
                "Candidate ids (`Id` of ListInvoiceCandidate).",
                "item_ids",
            ),
            Param(
                "InvoiceMode",
                Kind.INTEGER,
                "0 independent, 1 consolidated (one account: the same).",
                required=True,
                choices=(0, 1),
            ),
            Param(
                "InvoiceType",
                Kind.INTEGER,
                "Undocumented upstream; Fapiao: 1 plain VAT invoice, 2 special VAT invoice.",
                "invoice_kind",
                True,
                wire=mapping.CREATE_INVOICE_TYPE,
            ),
            Param(
                "RecipientEmails",
                Kind.JSON_STRINGS,
                "Recipient emails (joined into the application's `emails`).",
                required=True,
                max_items=3,
                max_length=64,
            ),
            Param(
                "Amount", Kind.AMOUNT, "Amount in yuan; absent = everything the candidates still allow.", "amount_fen"
            ),
            Param("InvoiceRemark", Kind.STRING, "Remark for the provider.", "user_remark"),
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
        response=Response((METADATA, Items("Data", OUTCOME, doc="One per account (here: the caller's)."))),
    ),
)
