"""Invoice titles: create, edit and resubmit, submit a change, review, list, show."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from fapiao.cli.base import cli, output, runtime
from fapiao.cli.render import Column, table
from fapiao.domain.titles import InvoiceKind, TitleStatus
from fapiao.titles import service as titles
from fapiao.titles.commands import ChangeTitle, CreateTitle, Decision, ListTitles, ReviewTitle
from fapiao.usecases import spec
from fapiao.usecases.actor import OPERATOR

F = TypeVar("F", bound=Callable[..., Any])

# The option of each CreateTitle/ChangeTitle field (one table drives create, update and submit-change); its
# type, choices and help come from the command's declaration.
_FIELD_OPTIONS = {
    "--title": "invoice_title",
    "--holder-kind": "holder_kind",
    "--invoice-kind": "invoice_kind",
    "--taxpayer-type": "taxpayer_type",
    "--customer-type": "customer_type",
    "--issue-type": "issue_type",
    "--register-no": "register_no",
    "--bank": "bank",
    "--bank-no": "bank_no",
    "--address": "address",
    "--phone": "phone",
    "--taxation-license": "taxation_license",
    "--change-instructions": "title_change_instructions",
    "--default-remark": "default_remark",
    "--start-cycle": "start_cycle",
    "--end-cycle": "end_cycle",
}


def _option(option: str, name: str) -> Callable[[F], F]:
    field = spec.field_of(CreateTitle, name)
    kind: Any = click.Choice(field.choices) if field.choices else field.type
    limits = "" if field.choices else field.limits()
    text = f"{field.doc} ({limits})" if limits else field.doc
    return click.option(option, name, type=kind, default=None, help=text)


def field_options(func: F) -> F:
    for option, name in reversed(_FIELD_OPTIONS.items()):
        func = _option(option, name)(func)
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
@output(
    table(
        Column("ID", "id"),
        Column("USER ID", "user_id"),
        Column("TITLE", "data.invoice_title", wrap=True),
        Column("REGISTER NO", "data.register_no"),
        Column("KIND", "data.invoice_kind"),
        Column("STATUS", "", show=lambda title: title["status"] + (" (change)" if title["pending_change"] else "")),
    )
)
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
