"""Invoice applications and the provider apps that process them."""

from __future__ import annotations

from typing import Any

import click

from fapiao.applications import service as applications
from fapiao.applications.commands import FileApplication, UpdateApplicationStatus
from fapiao.cli.base import cli, output, runtime
from fapiao.cli.render import Column, table
from fapiao.domain.applications import ApplicationStatus, ExInfo, Medium
from fapiao.domain.money import yuan_str_to_fen
from fapiao.domain.titles import InvoiceKind
from fapiao.providers import service as providers
from fapiao.usecases.actor import OPERATOR
from fapiao.usecases.pagination import PageRequest

_STATUSES = [s.value for s in ApplicationStatus]


@cli.group("applications")
def applications_group() -> None:
    """Invoice applications (开票申请), as customers and providers see them."""


@applications_group.command("file")
@click.option("--account", "user_id", type=int, required=True, help="UserId of the account.")
@click.option("--title", "title_id", type=int, required=True, help="An approved title of the account.")
@click.option("--item", "item_ids", type=int, multiple=True, required=True, help="Invoiceable item id (repeat).")
@click.option("--amount", help="Yuan, e.g. 250.00 (default: all the items still allow).")
@click.option("--address", "address_id", type=int, help="Mailing address (paper invoices).")
@click.option("--invoice-kind", type=click.Choice([k.value for k in InvoiceKind]))
@click.option("--medium", type=click.Choice([m.value for m in Medium]))
@click.option("--remark", default="", help="Remark for the provider.")
@click.option("--emails", default="", help="Comma-separated addresses for electronic invoices.")
@output()
def file_application(
    user_id: int,
    title_id: int,
    item_ids: tuple[int, ...],
    amount: str | None,
    address_id: int | None,
    invoice_kind: str | None,
    medium: str | None,
    remark: str,
    emails: str,
) -> Any:
    """File an application for an account; it is routed and announced to one provider app."""
    request = FileApplication(
        title_id=title_id,
        item_ids=item_ids,
        amount_fen=yuan_str_to_fen(amount, "amount") if amount is not None else None,
        address_id=address_id,
        invoice_kind=InvoiceKind(invoice_kind) if invoice_kind else None,
        medium=Medium(medium) if medium else None,
        user_remark=remark,
        emails=emails,
    )
    return applications.file_application(runtime(), OPERATOR, user_id, request)


@applications_group.command("list")
@click.option("--account", "user_id", type=int, help="Only this account's applications.")
@click.option("--status", type=click.Choice(_STATUSES))
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--page-size", type=int, default=20, show_default=True)
@output(
    table(
        Column("APPLY ID", "apply_id"),
        Column("USER ID", "user_id"),
        Column("STATUS", "status"),
        Column("AMOUNT ¥", "amount_fen"),
        Column("COMPANY", "company_name", wrap=True),
        Column("CREATED", "created_at"),
    )
)
def list_applications(user_id: int | None, status: str | None, page: int, page_size: int) -> Any:
    """List applications, newest first."""
    return applications.list_applications(
        runtime(),
        OPERATOR,
        PageRequest(page, page_size),
        user_id=user_id,
        status=ApplicationStatus(status) if status else None,
    )


@applications_group.command("show")
@click.argument("apply_id")
@output()
def show_application(apply_id: str) -> Any:
    """Show one application with its history."""
    return applications.get_for_customer(runtime(), OPERATOR, apply_id)


@applications_group.command("update-status")
@click.argument("apply_id")
@click.option("--status", type=click.Choice(_STATUSES), required=True)
@click.option("--message", default="", help="Free text; the reason when rejecting.")
@click.option("--logistics-company", default="", help="Carrier (needed for sent).")
@click.option("--logistics-no", default="", help="Tracking number (needed for sent).")
@click.option("--contact-name", default="", help="Sender.")
@click.option("--contact-phone", default="", help="Sender's phone.")
@click.option("--invoice-code", default="", help="Issued invoice's code.")
@click.option("--invoice-no", default="", help="Issued invoice's number (needed for completed).")
@output()
def update_status(apply_id: str, status: str, **info: str) -> Any:
    """Move an application on behalf of the provider app it is routed to (same rules as TOP's update)."""
    command = UpdateApplicationStatus(apply_id, ApplicationStatus(status), ExInfo.parse(info))
    return applications.update_status(runtime(), OPERATOR, command)


@cli.group("providers")
def providers_group() -> None:
    """Invoice service provider apps (TOP app keys), merchants' authorisations and routing."""


@providers_group.command("create")
@click.option("--name", required=True, help="The provider's name.")
@click.option("--default", "is_default", is_flag=True, help="Receive applications of accounts without a rule.")
@output()
def create_app(name: str, is_default: bool) -> Any:
    """Register a provider app and print its app_key and app_secret (the only time the secret is shown)."""
    created = providers.create_app(runtime(), OPERATOR, name, default=is_default)
    return {
        "app_key": created.app.app_key,
        "app_secret": created.app_secret,
        "name": created.app.name,
        "is_default": created.app.is_default,
    }


@providers_group.command("list")
@output(
    table(
        Column("APP KEY", "app_key"),
        Column("NAME", "name", wrap=True),
        Column("DEFAULT", "is_default"),
        Column("ENABLED", "enabled"),
        Column("CREATED", "created_at"),
    )
)
def list_apps() -> Any:
    """List provider apps (without secrets)."""
    return providers.list_apps(runtime(), OPERATOR)


@providers_group.command("set-default")
@click.argument("app_key")
@output()
def set_default(app_key: str) -> Any:
    """Make an app the default receiver of applications."""
    return providers.set_default(runtime(), OPERATOR, app_key)


@providers_group.command("authorize")
@click.option("--app", "app_key", required=True, help="The provider app's app_key.")
@click.option("--account", "user_id", type=int, required=True, help="UserId of the merchant account.")
@output()
def authorize(app_key: str, user_id: int) -> Any:
    """Authorise an app for an account and print the session (TOP ``session``) it acts with."""
    return providers.authorize(runtime(), OPERATOR, app_key, user_id)


@providers_group.command("route")
@click.option("--account", "user_id", type=int, required=True, help="UserId of the account.")
@click.option("--app", "app_key", help="Route the account's new applications to this app.")
@click.option("--default", "to_default", is_flag=True, help="Route them back to the default app.")
@output()
def route(user_id: int, app_key: str | None, to_default: bool) -> Any:
    """Choose which provider app receives an account's new applications."""
    if (app_key is None) == (not to_default):
        raise click.UsageError("give exactly one of --app KEY and --default")
    return providers.route(runtime(), OPERATOR, user_id, None if to_default else app_key)
