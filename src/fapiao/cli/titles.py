"""Invoice titles: create, edit and resubmit, submit a change, review, list, show."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from fapiao.cli.base import cli, output, runtime
from fapiao.domain.tax_ids import HolderKind
from fapiao.domain.titles import CustomerType, InvoiceKind, TaxpayerType, TitleStatus
from fapiao.titles import service as titles
from fapiao.titles.commands import ChangeTitle, CreateTitle, Decision, ListTitles, ReviewTitle
from fapiao.usecases.actor import OPERATOR

F = TypeVar("F", bound=Callable[..., Any])

# (option, CreateTitle/ChangeTitle field, click type, help) — one table drives create, update and submit-change.
_FIELD_OPTIONS: tuple[tuple[str, str, Any, str], ...] = (
    ("--title", "invoice_title", str, "Invoice title (buyer name)."),
    ("--holder-kind", "holder_kind", click.Choice([k.value for k in HolderKind]), "Who the title names."),
    ("--invoice-kind", "invoice_kind", click.Choice([k.value for k in InvoiceKind]), "Default invoice type."),
    ("--taxpayer-type", "taxpayer_type", click.Choice([k.value for k in TaxpayerType]), "Taxpayer type."),
    (
        "--customer-type",
        "customer_type",
        click.Choice([k.value for k in CustomerType]),
        "Alipay real-name type of the account.",
    ),
    ("--issue-type", "issue_type", int, "IssueType (opaque)."),
    ("--register-no", "register_no", str, "Taxpayer id / unified social credit code."),
    ("--bank", "bank", str, "Bank name."),
    ("--bank-no", "bank_no", str, "Bank account number."),
    ("--address", "address", str, "Registered address."),
    ("--phone", "phone", str, "Registered phone."),
    ("--taxation-license", "taxation_license", str, "File name of an uploaded tax registration scan."),
    (
        "--change-instructions",
        "title_change_instructions",
        str,
        "File name of an uploaded title-change statement.",
    ),
    ("--default-remark", "default_remark", str, "Default invoice remark."),
    ("--start-cycle", "start_cycle", int, "First valid month, YYYYMM."),
    ("--end-cycle", "end_cycle", int, "Last valid month, YYYYMM."),
)


def field_options(func: F) -> F:
    for option, field, kind, text in reversed(_FIELD_OPTIONS):
        func = click.option(option, field, type=kind, default=None, help=text)(func)
    return func


def _changes(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


@cli.group("titles")
def titles_group() -> None:
    """Invoice titles (发票抬头) and their review."""


@titles_group.command("create")
@click.option("--account", "user_id", type=int, required=True, help="UserId of the account.")
@field_options
@output()
def create(user_id: int, **values: Any) -> Any:
    """File a new title; it starts under review (applying)."""
    changes = _changes(values)
    if "invoice_title" not in changes:
        raise click.UsageError("--title is required")
    return titles.create_title(runtime(), OPERATOR, user_id, CreateTitle.from_json(changes))


@titles_group.command("update")
@click.argument("title_id", type=int)
@field_options
@output()
def update(title_id: int, **values: Any) -> Any:
    """Edit a title that is not approved yet and resubmit it for review."""
    return titles.update_title(runtime(), OPERATOR, ChangeTitle(title_id, **_changes(values)))


@titles_group.command("submit-change")
@click.argument("title_id", type=int)
@field_options
@output()
def submit_change(title_id: int, **values: Any) -> Any:
    """Propose a change to an approved title; it goes through review with the implied AdjustType."""
    return titles.submit_change(runtime(), OPERATOR, ChangeTitle(title_id, **_changes(values)))


@titles_group.command("approve")
@click.argument("title_id", type=int)
@click.option("--note", default="", help="Review note.")
@output()
def approve(title_id: int, note: str) -> Any:
    """Approve a title (or its pending change)."""
    return titles.review_title(runtime(), OPERATOR, ReviewTitle(title_id, Decision.APPROVE, note))


@titles_group.command("reject")
@click.argument("title_id", type=int)
@click.option("--reason", required=True, help="Why (shown to the customer).")
@output()
def reject(title_id: int, reason: str) -> Any:
    """Reject a title under review (a rejected change leaves the approved title in force)."""
    return titles.review_title(runtime(), OPERATOR, ReviewTitle(title_id, Decision.REJECT, reason))


@titles_group.command("withdraw")
@click.argument("title_id", type=int)
@output()
def withdraw(title_id: int) -> Any:
    """Withdraw a title (or its pending change) from review."""
    return titles.review_title(runtime(), OPERATOR, ReviewTitle(title_id, Decision.WITHDRAW))


@titles_group.command("invalidate")
@click.argument("title_id", type=int)
@click.option("--reason", default="", help="Why.")
@output()
def invalidate(title_id: int, reason: str) -> Any:
    """Mark a title invalid (失效): it can no longer be used to invoice."""
    return titles.review_title(runtime(), OPERATOR, ReviewTitle(title_id, Decision.INVALIDATE, reason))


@titles_group.command("show")
@click.argument("title_id", type=int)
@output()
def show(title_id: int) -> Any:
    """Show one title."""
    return titles.get_title(runtime(), OPERATOR, title_id)


@titles_group.command("list")
@click.option("--account", "user_id", type=int, help="Only this account's titles.")
@click.option("--status", type=click.Choice([s.value for s in TitleStatus]))
@click.option("--invoice-kind", type=click.Choice([k.value for k in InvoiceKind]))
@click.option("--search", help="Part of the title or taxpayer id.")
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--page-size", type=int, default=20, show_default=True)
@output()
def list_(
    user_id: int | None,
    status: str | None,
    invoice_kind: str | None,
    search: str | None,
    page: int,
    page_size: int,
) -> Any:
    """List titles, newest last."""
    command = ListTitles(
        status=TitleStatus(status) if status else None,
        invoice_kind=InvoiceKind(invoice_kind) if invoice_kind else None,
        search=search,
        page=page,
        page_size=page_size,
        user_id=user_id,
    )
    return titles.list_titles(runtime(), OPERATOR, command)
