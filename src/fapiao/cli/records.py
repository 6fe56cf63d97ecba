"""Addresses, invoiceable items, documents and the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from fapiao.addresses import service as addresses
from fapiao.addresses.commands import ChangeAddress, CreateAddress, ListAddresses
from fapiao.audit import service as audit
from fapiao.audit.commands import ListAuditEvents
from fapiao.cli.base import cli, output, runtime
from fapiao.cli.render import Column, table
from fapiao.documents import service as documents
from fapiao.documents.commands import DocumentKind, UploadDocument
from fapiao.domain.items import BizType
from fapiao.domain.money import yuan_str_to_fen
from fapiao.items import service as items
from fapiao.items.commands import CreateItem, ListItems
from fapiao.usecases.actor import OPERATOR

F = TypeVar("F", bound=Callable[..., Any])

_ADDRESS_FIELDS = ("addressee", "phone", "province", "city", "county", "street", "postal_code", "biz_type")


def _address_options(required: bool) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        for name in reversed(_ADDRESS_FIELDS):
            must = required and name in ("addressee", "phone", "province", "city", "street")
            func = click.option(f"--{name.replace('_', '-')}", name, required=must, default=None)(func)
        return func

    return decorate


@cli.group("addresses")
def addresses_group() -> None:
    """Mailing addresses for paper invoices."""


@addresses_group.command("create")
@click.option("--account", "user_id", type=int, required=True, help="UserId of the account.")
@_address_options(required=True)
@output()
def create_address(user_id: int, **values: Any) -> Any:
    """Add a mailing address."""
    data = CreateAddress(**{k: v or "" for k, v in values.items()})
    return addresses.create_address(runtime(), OPERATOR, user_id, data)


@addresses_group.command("update")
@click.argument("address_id", type=int)
@_address_options(required=False)
@output()
def update_address(address_id: int, **values: Any) -> Any:
    """Change fields of an address."""
    return addresses.update_address(runtime(), OPERATOR, ChangeAddress(address_id, **values))


@addresses_group.command("delete")
@click.argument("address_id", type=int)
@output()
def delete_address(address_id: int) -> Any:
    """Delete an address (applications keep their copy)."""
    addresses.delete_address(runtime(), OPERATOR, address_id)
    return {"id": address_id, "deleted": True}


@addresses_group.command("show")
@click.argument("address_id", type=int)
@output()
def show_address(address_id: int) -> Any:
    """Show one address."""
    return addresses.get_address(runtime(), OPERATOR, address_id)


@addresses_group.command("list")
@click.option("--account", "user_id", type=int, help="Only this account's addresses.")
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--page-size", type=int, default=20, show_default=True)
@output(
    table(
        Column("ID", "id"),
        Column("USER ID", "user_id"),
        Column("ADDRESSEE", "data.addressee", wrap=True),
        Column("PHONE", "data.phone"),
        Column("ADDRESS", "delivery_address", wrap=True),
    )
)
def list_addresses(user_id: int | None, page: int, page_size: int) -> Any:
    """List addresses."""
    return addresses.list_addresses(runtime(), OPERATOR, ListAddresses(page=page, page_size=page_size, user_id=user_id))


@cli.group("items")
def items_group() -> None:
    """Invoiceable items: what accounts were billed and may invoice."""


@items_group.command("create")
@click.option("--account", "user_id", type=int, required=True, help="UserId of the account.")
@click.option("--name", required=True)
@click.option("--amount", required=True, help="Original amount in yuan, e.g. 250.00.")
@click.option("--bill-cycle", required=True, help="YYYY-MM.")
@click.option(
    "--biz-type",
    type=click.Choice([b.value for b in BizType]),
    default=BizType.ALIYUN.value,
    show_default=True,
)
@click.option("--out-biz-id", default="", help="Order, bill or contract id.")
@click.option("--offset", default="0", help="Refunded amount in yuan.")
@click.option("--biz-time", type=click.DateTime(["%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]), default=None)
@output()
def create_item(
    user_id: int,
    name: str,
    amount: str,
    bill_cycle: str,
    biz_type: str,
    out_biz_id: str,
    offset: str,
    biz_time: datetime | None,
) -> Any:
    """Record a billed item that may be invoiced."""
    item = CreateItem(
        name=name,
        bill_cycle=bill_cycle,
        original_fen=yuan_str_to_fen(amount, "amount"),
        biz_type=BizType(biz_type),
        out_biz_id=out_biz_id,
        offset_fen=yuan_str_to_fen(offset, "offset"),
        biz_time=biz_time,
    )
    return items.create_item(runtime(), OPERATOR, user_id, item)


@items_group.command("show")
@click.argument("item_id", type=int)
@output()
def show_item(item_id: int) -> Any:
    """Show one item."""
    return items.get_item(runtime(), OPERATOR, item_id)


@items_group.command("list")
@click.option("--account", "user_id", type=int, help="Only this account's items.")
@click.option("--bill-cycle", help="YYYY-MM.")
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--page-size", type=int, default=20, show_default=True)
@output(
    table(
        Column("ID", "id"),
        Column("USER ID", "user_id"),
        Column("NAME", "name", wrap=True),
        Column("CYCLE", "bill_cycle"),
        Column("ORIGINAL ¥", "original_fen"),
        Column("INVOICED ¥", "invoiced_fen"),
        Column("AVAILABLE ¥", "can_invoice_fen"),
    )
)
def list_items(user_id: int | None, bill_cycle: str | None, page: int, page_size: int) -> Any:
    """List items with totals."""
    command = ListItems(bill_cycle=bill_cycle, page=page, page_size=page_size, user_id=user_id)
    return items.list_items(runtime(), OPERATOR, command)


@cli.group("documents")
def documents_group() -> None:
    """Title documents: tax registration scans and title-change statements."""


@documents_group.command("upload")
@click.option("--account", "user_id", type=int, required=True, help="UserId of the account.")
@click.option("--kind", type=click.Choice([k.value for k in DocumentKind]), required=True)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", help="File name to store (default: the file's own).")
@output()
def upload_document(user_id: int, kind: str, path: Path, name: str | None) -> Any:
    """Upload a document; titles refer to it by its file name."""
    from fapiao.accounts.service import get_account

    account = get_account(runtime(), OPERATOR, user_id)
    command = UploadDocument(account.id, DocumentKind(kind), name or path.name, path.read_bytes())
    return documents.upload(runtime(), OPERATOR, command)


@cli.group("audit")
def audit_group() -> None:
    """The audit log."""


@audit_group.command("list")
@click.option("--account", "user_id", type=int, help="Only events of this account.")
@click.option("--entity-type")
@click.option("--entity-id")
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--page-size", type=int, default=50, show_default=True)
@output(
    table(
        Column("ID", "id"),
        Column("AT", "at"),
        Column("ACTOR", "actor", wrap=True),
        Column("ACTION", "action"),
        Column("ENTITY", "", show=lambda event: f"{event['entity_type']} {event['entity_id']}", wrap=True),
    )
)
def list_audit(user_id: int | None, entity_type: str | None, entity_id: str | None, page: int, page_size: int) -> Any:
    """List audit events, newest first."""
    account_id = None
    if user_id is not None:
        from fapiao.accounts.service import get_account

        account_id = get_account(runtime(), OPERATOR, user_id).id
    command = ListAuditEvents(
        account_id=account_id, entity_type=entity_type, entity_id=entity_id, page=page, page_size=page_size
    )
    return audit.list_events(runtime(), OPERATOR, command)
