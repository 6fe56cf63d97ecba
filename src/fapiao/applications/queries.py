"""The Core statements of the application use cases, compiled once. Each hot path (filing, a provider's
get, a status update) runs a fixed handful of them on one connection; tests/unit/applications/
test_statements.py holds their budgets on both stores."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Row,
    Select,
    String,
    bindparam,
    cast,
    func,
    insert,
    or_,
    select,
    update,
)

from fapiao.applications.commands import ApplicationFilters
from fapiao.applications.views import ApplicationView, application_view, history_entry, line_view
from fapiao.domain.applications import ApplicationStatus, ExInfo
from fapiao.domain.errors import NotFound, ValidationFailed
from fapiao.domain.titles import TitleStatus
from fapiao.store.ids import IdAllocator
from fapiao.store.tables import (
    Account,
    Address,
    Application,
    ApplicationEvent,
    ApplicationLine,
    InvoiceableItem,
    ProviderApp,
    Title,
    table_of,
)
from fapiao.titles.service import title_data

APPLICATIONS = table_of(Application)

ACCOUNT_BY_USER_ID = select(Account.id, Account.user_id, Account.user_nick).where(
    Account.user_id == bindparam("user_id")
)
BY_CLIENT_TOKEN = select(Application.id, Application.request_fingerprint).where(
    Application.account_id == bindparam("account_id"), Application.client_token == bindparam("client_token")
)
APPLY_ID_TAKEN = select(Application.id).where(Application.apply_id == bindparam("apply_id"))
TITLE = select(table_of(Title)).where(Title.id == bindparam("id"))
ADDRESS = select(table_of(Address)).where(Address.id == bindparam("id"))
LOCK_ITEMS = (
    select(table_of(InvoiceableItem))
    .where(
        InvoiceableItem.account_id == bindparam("account_id"),
        InvoiceableItem.id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(InvoiceableItem.id)
    .with_for_update()
)
RESERVE = (
    update(table_of(InvoiceableItem))
    .where(InvoiceableItem.id == bindparam("row_id"))
    .values(reserved_fen=InvoiceableItem.reserved_fen + bindparam("share"), updated_at=bindparam("now"))
)
SETTLE = (
    update(table_of(InvoiceableItem))
    .where(InvoiceableItem.id == bindparam("row_id"))
    .values(
        reserved_fen=InvoiceableItem.reserved_fen - bindparam("share"),
        invoiced_fen=InvoiceableItem.invoiced_fen + bindparam("invoiced"),
        updated_at=bindparam("now"),
    )
)
CLEAR_LINE = update(table_of(ApplicationLine)).where(ApplicationLine.id == bindparam("line_id")).values(reserved_fen=0)
INSERT_LINE = insert(table_of(ApplicationLine))
INSERT_EVENT = insert(table_of(ApplicationEvent))
INSERT_IMPORTED = insert(APPLICATIONS).returning(Application.id)

# Filing inserts every column but ``id`` and ``apply_id``, which the statement allocates itself: the
# apply_id is the row id as text, so it exists before the row does and no second UPDATE fixes it up.
FILED_COLUMNS = tuple(c.name for c in APPLICATIONS.c if c.name not in ("id", "apply_id"))


@functools.cache
def insert_filed(ids: IdAllocator) -> Any:
    """The filing INSERT for a store's id allocation (``Database.ids``), built once per dialect."""
    allocated = select(ids.next_id(APPLICATIONS.c.id).label("n")).subquery("allocated")
    values = select(
        *(bindparam(name, type_=APPLICATIONS.c[name].type) for name in FILED_COLUMNS),
        allocated.c.n,
        cast(allocated.c.n, String),
    )
    return insert(APPLICATIONS).from_select([*FILED_COLUMNS, "id", "apply_id"], values).returning(Application.id)


WITH_OWNER = (
    select(
        APPLICATIONS,
        Account.user_id.label("owner_user_id"),
        Account.user_nick.label("owner_user_nick"),
        ProviderApp.app_key.label("routed_app_key"),
        ProviderApp.enabled.label("routed_app_enabled"),
    )
    .join(Account, Account.id == Application.account_id)
    .join(ProviderApp, ProviderApp.id == Application.provider_app_id)
)
BY_ID = WITH_OWNER.where(Application.id == bindparam("row_id"))
BY_APPLY_ID = WITH_OWNER.where(Application.apply_id == bindparam("apply_id"))
# A provider app sees what is routed to it (and, with a session, that merchant's); ``app_id`` None is an
# operator acting for whichever app it is routed to.
ROUTED = BY_APPLY_ID.where(
    or_(bindparam("app_id", type_=BigInteger) == None, Application.provider_app_id == bindparam("app_id")),  # noqa: E711
    or_(bindparam("account_id", type_=BigInteger) == None, Application.account_id == bindparam("account_id")),  # noqa: E711
)
ROUTED_FOR_UPDATE = ROUTED.with_for_update(of=APPLICATIONS)
UPDATE_STATUS = update(APPLICATIONS).where(
    Application.id == bindparam("row_id"), Application.version == bindparam("expected_version")
)

# Lines with the business type of the item each invoices, so callers need no per-item reads.
_LINES = (
    select(table_of(ApplicationLine), InvoiceableItem.biz_type)
    .outerjoin(InvoiceableItem, InvoiceableItem.id == ApplicationLine.item_id)
    .order_by(ApplicationLine.id)
)
LINES = _LINES.where(ApplicationLine.application_id == bindparam("application_id"))
LINES_OF = _LINES.where(ApplicationLine.application_id.in_(bindparam("ids", expanding=True)))
_HISTORY = select(table_of(ApplicationEvent)).order_by(ApplicationEvent.id)
HISTORY = _HISTORY.where(ApplicationEvent.application_id == bindparam("application_id"))
HISTORY_OF = _HISTORY.where(ApplicationEvent.application_id.in_(bindparam("ids", expanding=True)))


def listing(account_id: int | None, filters: ApplicationFilters) -> Select[Any]:
    """The applications a list shows, newest first; ``account_id`` narrows it to a customer's own."""
    query = WITH_OWNER
    if account_id is not None:
        query = query.where(Application.account_id == account_id)
    if filters.user_id is not None:
        query = query.where(Account.user_id == filters.user_id)
    if filters.status is not None:
        query = query.where(Application.status == filters.status.value)
    return query


def count(connection: Connection, query: Select[Any]) -> int:
    return connection.execute(select(func.count()).select_from(query.subquery())).scalar_one()


def page_of(connection: Connection, query: Select[Any], limit: int, offset: int) -> list[Row[Any]]:
    ordered = query.order_by(Application.id.desc()).limit(limit).offset(offset)
    return list(connection.execute(ordered).all())


# Column defaults of a new application, spelled out: the view is built from the inserted values.
FILING_DEFAULTS: dict[str, Any] = {
    "sender_name": "",
    "sender_phone": "",
    "sender_logistics_company": "",
    "sender_logistics_no": "",
    "invoice_code": "",
    "invoice_no": "",
    "provider_message": "",
    "version": 1,
}

IMPORTED_FIELDS = (
    "amount_fen",
    "company_name",
    "payee_register_no",
    "bank",
    "bank_account",
    "receiver_name",
    "receiver_phone",
    "receiver_address",
    "invoice_payee_register_no",
    "invoice_address",
    "invoice_phone",
    "sender_name",
    "sender_phone",
    "sender_logistics_company",
    "sender_logistics_no",
)


def grouped(rows: Iterable[Row[Any]]) -> defaultdict[int, list[Mapping[Any, Any]]]:
    grouped: defaultdict[int, list[Mapping[Any, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.application_id].append(row._mapping)
    return grouped


def stored_view(connection: Connection, row: Row[Any]) -> ApplicationView:
    """An application as stored (a ``WITH_OWNER`` row), with its lines and history."""
    lines = connection.execute(LINES, {"application_id": row.id}).all()
    history = connection.execute(HISTORY, {"application_id": row.id}).all()
    return application_view(
        row._mapping, [line_view(line._mapping) for line in lines], [history_entry(e._mapping) for e in history]
    )


# The fields a provider's details may fill in; a field it leaves empty keeps its value.
_INFO_COLUMNS = {
    "message": "provider_message",
    "logistics_company": "sender_logistics_company",
    "logistics_no": "sender_logistics_no",
    "contact_name": "sender_name",
    "contact_phone": "sender_phone",
    "invoice_code": "invoice_code",
    "invoice_no": "invoice_no",
}


def info_columns(info: ExInfo) -> dict[str, str]:
    return {column: getattr(info, field) for field, column in _INFO_COLUMNS.items() if getattr(info, field)}


def usable_title(connection: Connection, account_id: int, title_id: int) -> Row[Any]:
    title = connection.execute(TITLE, {"id": title_id}).first()
    if title is None or title.account_id != account_id:
        raise NotFound(f"invoice title {title_id} does not exist", field="title_id")
    if title.status != TitleStatus.APPROVED.value:
        raise ValidationFailed(f"invoice title {title_id} is {title.status}, not approved", field="title_id")
    return title


def address(connection: Connection, account_id: int, address_id: int | None) -> Row[Any] | None:
    if address_id is None:
        return None
    address = connection.execute(ADDRESS, {"id": address_id}).first()
    if address is None or address.account_id != account_id or address.deleted:
        raise NotFound(f"address {address_id} does not exist", field="address_id")
    return address


def delivery(address: Row[Any] | None) -> str:
    if address is None:
        return ""
    return "".join(p for p in (address.province, address.city, address.county, address.street) if p)


def title_snapshot(title: Row[Any]) -> dict[str, Any]:
    return {"id": title.id, **title_data(title).to_json()}


def address_snapshot(address: Row[Any] | None) -> dict[str, Any] | None:
    if address is None:
        return None
    fields = ("addressee", "phone", "province", "city", "county", "street", "postal_code", "biz_type")
    return {"id": address.id, **{f: getattr(address, f) for f in fields}}


def settle_reservations(
    connection: Connection, lines: Sequence[Row[Any]], account_id: int, target: ApplicationStatus, now: datetime
) -> None:
    """Completed: the reserved amounts become invoiced. Rejected: they are released."""
    if target not in (ApplicationStatus.COMPLETED, ApplicationStatus.REJECTED):
        return
    reserved = [line for line in lines if line.item_id is not None and line.reserved_fen]
    if not reserved:
        return
    ids = [line.item_id for line in reserved]
    present = {item.id for item in connection.execute(LOCK_ITEMS, {"account_id": account_id, "ids": ids})}
    invoiced = 1 if target is ApplicationStatus.COMPLETED else 0
    settled = [line for line in reserved if line.item_id in present]
    if settled:
        connection.execute(
            SETTLE,
            [
                {
                    "row_id": line.item_id,
                    "share": line.reserved_fen,
                    "invoiced": line.reserved_fen * invoiced,
                    "now": now,
                }
                for line in settled
            ],
        )
    connection.execute(CLEAR_LINE, [{"line_id": line.id} for line in reserved if line.item_id in present])
