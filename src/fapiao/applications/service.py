"""Invoice applications: filing (with reservations on the invoiced items), provider status updates,
and the views both sides read. One record, two wire views: the customer's and the provider's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import BigInteger, Connection, Row, Select, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session, selectinload

from fapiao.applications.commands import FileApplication
from fapiao.audit import service as audit
from fapiao.domain.applications import (
    ApplicationStatus,
    ExInfo,
    ItemType,
    Medium,
    allocate,
    check_transition,
)
from fapiao.domain.errors import Conflict, NotFound, Reason, ValidationFailed
from fapiao.domain.titles import InvoiceKind, TitleStatus
from fapiao.providers.service import routed_app, routed_app_row
from fapiao.runtime import Runtime
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
    utcnow,
)
from fapiao.titles.service import title_data
from fapiao.usecases import outbox, spec
from fapiao.usecases.actor import Actor
from fapiao.usecases.idempotency import fingerprint
from fapiao.usecases.pagination import Page, PageRequest, paginate
from fapiao.usecases.serialize import to_jsonable


@dataclass(frozen=True)
class LineView:
    item_name: str
    item_type: ItemType
    amount_fen: int
    bill_date: str
    item_id: int | None


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    from_status: ApplicationStatus | None
    to_status: ApplicationStatus
    details: dict[str, Any]


@dataclass(frozen=True)
class ApplicationView:
    id: int
    apply_id: str
    user_id: int
    user_nick: str
    app_key: str
    title_id: int | None
    address_id: int | None
    status: ApplicationStatus
    medium: Medium
    invoice_kind: InvoiceKind
    amount_fen: int
    company_name: str
    payee_register_no: str
    bank: str
    bank_account: str
    receiver_name: str
    receiver_phone: str
    receiver_address: str
    invoice_payee_register_no: str
    invoice_address: str
    invoice_phone: str
    sender_name: str
    sender_phone: str
    sender_logistics_company: str
    sender_logistics_no: str
    invoice_code: str
    invoice_no: str
    provider_message: str
    user_remark: str
    emails: str
    lines: list[LineView]
    history: list[HistoryEntry] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class ImportedApplication:
    """An application carried over whole (operator imports, the demo): every printed field given."""

    user_id: int
    apply_id: str
    amount_fen: int
    company_name: str
    payee_register_no: str
    bank: str
    bank_account: str
    receiver_name: str
    receiver_phone: str
    receiver_address: str
    invoice_kind: InvoiceKind
    invoice_payee_register_no: str
    invoice_address: str
    invoice_phone: str
    lines: tuple[LineView, ...]
    medium: Medium = Medium.PAPER
    sender_name: str = ""
    sender_phone: str = ""
    sender_logistics_company: str = ""
    sender_logistics_no: str = ""


def file_application(rt: Runtime, actor: Actor, user_id: int, request: FileApplication) -> ApplicationView:
    """File an application: checks the title, address and items, reserves the amount on the items so it
    cannot be invoiced twice, routes it, and publishes ``application.filed`` — all in one transaction.
    A repeated ``client_token`` with the same request returns the first application.

    Every ``ApplyInvoice`` runs this, so it is precompiled Core statements on one connection (about a
    dozen) rather than an ORM unit of work, which cost three times as much (bench/README.md).
    """
    _check_request(request)
    request_hash = fingerprint(repr(request.__class__(**{**request.__dict__, "client_token": None})))
    with rt.db.engine.begin() as connection:
        account = connection.execute(_ACCOUNT_BY_USER_ID, {"user_id": user_id}).first()
        if account is None:
            raise NotFound(f"account {user_id} does not exist", field="user_id")
        actor.require_account(account.id)
        if request.client_token:
            earlier = connection.execute(
                _BY_CLIENT_TOKEN, {"account_id": account.id, "client_token": request.client_token}
            ).first()
            if earlier is not None:
                if earlier.request_fingerprint != request_hash:
                    raise Conflict(
                        "this client token was used with different parameters",
                        field="client_token",
                        reason=Reason.IDEMPOTENCY_MISMATCH,
                    )
                return _load_view(connection, earlier.id)
        title = _usable_title(connection, account.id, request.title_id)
        address = _address(connection, account.id, request.address_id)
        medium = request.medium or (Medium.PAPER if address is not None else Medium.ELECTRONIC)
        if medium is Medium.PAPER and address is None:
            raise ValidationFailed("a paper invoice needs a mailing address", field="address_id")
        kind = request.invoice_kind or InvoiceKind(title.invoice_kind)
        if kind is InvoiceKind.SPECIAL and title.invoice_kind != InvoiceKind.SPECIAL.value:
            raise ValidationFailed("this title is not approved for special VAT invoices", field="invoice_kind")

        items = connection.execute(_LOCK_ITEMS, {"account_id": account.id, "ids": list(request.item_ids)}).all()
        found = {i.id for i in items}
        missing = [i for i in request.item_ids if i not in found]
        if missing:
            raise NotFound(f"invoiceable item {missing[0]} does not exist", field="item_ids")
        rooms = [i.original_fen - i.offset_fen - i.invoiced_fen - i.reserved_fen for i in items]
        total = sum(r for r in rooms if r > 0)
        amount = request.amount_fen if request.amount_fen is not None else total
        shares = allocate(amount, rooms)
        app = routed_app_row(connection, account.id)
        now = utcnow()
        values: dict[str, Any] = {
            **_FILING_DEFAULTS,
            "apply_id": f"pending-{request_hash[:16]}-{account.id}",
            "account_id": account.id,
            "provider_app_id": app.id,
            "title_id": title.id,
            "address_id": address.id if address else None,
            "status": ApplicationStatus.PENDING.value,
            "medium": medium.value,
            "invoice_kind": kind.value,
            "amount_fen": amount,
            "company_name": title.invoice_title,
            "payee_register_no": title.register_no,
            "bank": title.bank,
            "bank_account": title.bank_no,
            "receiver_name": address.addressee if address else "",
            "receiver_phone": address.phone if address else "",
            "receiver_address": _delivery(address),
            "invoice_payee_register_no": title.register_no,
            "invoice_address": title.address,
            "invoice_phone": title.phone,
            "user_remark": request.user_remark.strip(),
            "emails": request.emails.strip(),
            "process_way": request.process_way,
            "apply_user_nick": request.apply_user_nick,
            "client_token": request.client_token,
            "request_fingerprint": request_hash,
            "title_snapshot": _title_snapshot(title),
            "address_snapshot": _address_snapshot(address),
            "created_at": now,
            "updated_at": now,
        }
        row_id = connection.execute(_INSERT_APPLICATION, values).scalar_one()
        values.update(id=row_id, apply_id=str(row_id))  # the id only exists now
        connection.execute(_SET_APPLY_ID, {"row_id": row_id, "apply_id": values["apply_id"], "updated_at": now})
        lines = [
            {
                "application_id": row_id,
                "item_id": item.id,
                "item_name": item.name,
                "item_type": ItemType.DAILY_BILL.value,
                "amount_fen": item.original_fen - item.offset_fen,
                "reserved_fen": share,
                "bill_date": item.biz_time.date().isoformat(),
            }
            for item, share in zip(items, shares, strict=True)
        ]
        if lines:
            connection.execute(_INSERT_LINE, lines)
            reservations = [{"row_id": line["item_id"], "share": line["reserved_fen"], "now": now} for line in lines]
            connection.execute(_RESERVE, reservations)
        event = {
            "application_id": row_id,
            "at": now,
            "actor": actor.label,
            "from_status": None,
            "to_status": values["status"],
            "details": {"app_key": app.app_key},
        }
        connection.execute(_INSERT_EVENT, event)
        row = SimpleNamespace(**values)
        view = _build_view(
            row,
            account.user_id,
            account.user_nick,
            app.app_key,
            [SimpleNamespace(**line) for line in lines],
            [SimpleNamespace(**event)],
        )
        _publish_filing(connection, actor, view, account_id=account.id, app_id=app.id)
        return view


# Column defaults of a new application, spelled out: the view is built from the inserted values.
_FILING_DEFAULTS: dict[str, Any] = {
    "sender_name": "",
    "sender_phone": "",
    "sender_logistics_company": "",
    "sender_logistics_no": "",
    "invoice_code": "",
    "invoice_no": "",
    "provider_message": "",
    "version": 1,
}
_ACCOUNT_BY_USER_ID = select(Account.id, Account.user_id, Account.user_nick).where(
    Account.user_id == bindparam("user_id")
)
_BY_CLIENT_TOKEN = select(Application.id, Application.request_fingerprint).where(
    Application.account_id == bindparam("account_id"), Application.client_token == bindparam("client_token")
)
_LOCK_ITEMS = (
    select(table_of(InvoiceableItem))
    .where(
        InvoiceableItem.account_id == bindparam("account_id"),
        InvoiceableItem.id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(InvoiceableItem.id)
    .with_for_update()
)
_INSERT_APPLICATION = insert(table_of(Application)).returning(Application.id)
_INSERT_LINE = insert(table_of(ApplicationLine))
_INSERT_EVENT = insert(table_of(ApplicationEvent))
_RESERVE = (
    update(table_of(InvoiceableItem))
    .where(InvoiceableItem.id == bindparam("row_id"))
    .values(reserved_fen=InvoiceableItem.reserved_fen + bindparam("share"), updated_at=bindparam("now"))
)


def _publish_filing(
    connection: Connection, actor: Actor, view: ApplicationView, *, account_id: int, app_id: int
) -> None:
    payload = {"application": _event_payload(view)}
    outbox.publish(connection, "application.filed", payload, account_id=account_id, provider_app_id=app_id)
    audit.record(
        connection,
        actor,
        "application.file",
        "application",
        view.apply_id,
        account_id=account_id,
        after=payload["application"],
    )


def _load_view(connection: Connection, row_id: int) -> ApplicationView:
    """An application as stored, with its lines and history, in three Core statements."""
    row = connection.execute(_WITH_OWNER.where(Application.id == bindparam("row_id")), {"row_id": row_id}).one()
    lines = connection.execute(_LINES, {"application_id": row_id}).all()
    history = connection.execute(_HISTORY, {"application_id": row_id}).all()
    return _build_view(row, row.owner_user_id, row.owner_user_nick, row.routed_app_key, lines, history)


def import_application(rt: Runtime, actor: Actor, record: ImportedApplication) -> ApplicationView:
    """Record an application whose printed fields are known already (no reservations are made)."""
    with rt.db.transaction() as session:
        account = session.scalars(select(Account).where(Account.user_id == record.user_id)).one()
        if session.scalars(select(Application.id).where(Application.apply_id == record.apply_id)).first():
            raise Conflict(f"application {record.apply_id} exists", field="apply_id")
        app = routed_app(session, account.id)
        row = Application(
            history=[],
            apply_id=record.apply_id,
            account_id=account.id,
            provider_app_id=app.id,
            status=ApplicationStatus.PENDING.value,
            medium=record.medium.value,
            invoice_kind=record.invoice_kind.value,
            amount_fen=record.amount_fen,
            company_name=record.company_name,
            payee_register_no=record.payee_register_no,
            bank=record.bank,
            bank_account=record.bank_account,
            receiver_name=record.receiver_name,
            receiver_phone=record.receiver_phone,
            receiver_address=record.receiver_address,
            invoice_payee_register_no=record.invoice_payee_register_no,
            invoice_address=record.invoice_address,
            invoice_phone=record.invoice_phone,
            sender_name=record.sender_name,
            sender_phone=record.sender_phone,
            sender_logistics_company=record.sender_logistics_company,
            sender_logistics_no=record.sender_logistics_no,
            title_snapshot={},
            address_snapshot=None,
        )
        for line in record.lines:
            row.lines.append(
                ApplicationLine(
                    item_id=None,
                    item_name=line.item_name,
                    item_type=line.item_type.value,
                    amount_fen=line.amount_fen,
                    bill_date=line.bill_date,
                )
            )
        row.history.append(_filed_event(actor, row, app))
        session.add(row)
        session.flush()
        return _finish_filing(session, actor, row, app)


_SET_APPLY_ID = (
    update(table_of(Application))
    .where(Application.id == bindparam("row_id"))
    .values(apply_id=bindparam("apply_id"), updated_at=bindparam("updated_at"))  # as filed, not a change
)


def _filed_event(actor: Actor, row: Application, app: ProviderApp) -> ApplicationEvent:
    """The first history entry, added before the row's first flush so one flush writes both."""
    return ApplicationEvent(actor=actor.label, from_status=None, to_status=row.status, details={"app_key": app.app_key})


def _finish_filing(session: Session, actor: Actor, row: Application, app: ProviderApp) -> ApplicationView:
    view = _view(session, row, app_key=app.app_key)
    payload = {"application": _event_payload(view)}
    outbox.publish(session, "application.filed", payload, account_id=row.account_id, provider_app_id=app.id)
    audit.record(
        session,
        actor,
        "application.file",
        "application",
        row.apply_id,
        account_id=row.account_id,
        after=payload["application"],
    )
    return view


def update_status(
    rt: Runtime,
    actor: Actor,
    app_id: int,
    apply_id: str,
    target: ApplicationStatus,
    info: ExInfo,
    *,
    merchant_account_id: int | None = None,
) -> ApplicationView:
    """A provider moves an application it was routed. The row is locked (PostgreSQL ``FOR UPDATE``; SQLite
    holds the write lock from ``BEGIN IMMEDIATE``) and versioned, so concurrent updates never lose one.

    Every ``invoiceapply.update`` runs this, so it is Core statements on one connection, like filing.
    """
    parameters = {"apply_id": apply_id, "app_id": app_id, "account_id": merchant_account_id}
    with rt.db.engine.begin() as connection:
        row = connection.execute(_PROVIDER_GET_FOR_UPDATE, parameters).first()
        if row is None:
            raise NotFound(f"application {apply_id} does not exist", field="apply_id")
        current = ApplicationStatus(row.status)
        if not check_transition(current, target, Medium(row.medium), info):
            return _load_view(connection, row.id)
        now = utcnow()
        updated = connection.execute(
            update(table_of(Application))
            .where(Application.id == row.id, Application.version == row.version)
            .values(**_info_columns(info), status=target.value, version=row.version + 1, updated_at=now)
        )
        if updated.rowcount != 1:  # pragma: no cover - the row lock makes this unreachable
            raise Conflict(f"application {apply_id} changed meanwhile; retry", field="apply_id")
        _settle_reservations(connection, row.id, row.account_id, target, now)
        connection.execute(
            _INSERT_EVENT,
            {
                "application_id": row.id,
                "at": now,
                "actor": actor.label,
                "from_status": current.value,
                "to_status": target.value,
                "details": info.to_json(),
            },
        )
        view = _load_view(connection, row.id)
        outbox.publish(
            connection,
            "application.status_changed",
            {"application": _event_payload(view), "from_status": current.value, "to_status": target.value},
            account_id=row.account_id,
            provider_app_id=app_id,
        )
        audit.record(
            connection,
            actor,
            "application.status",
            "application",
            row.apply_id,
            account_id=row.account_id,
            before={"status": row.status},
            after={"status": target.value, **info.to_json()},
        )
        return view


# The fields a provider's ex_info may fill in; a field it leaves empty keeps its value.
_INFO_COLUMNS = {
    "message": "provider_message",
    "logistics_company": "sender_logistics_company",
    "logistics_no": "sender_logistics_no",
    "contact_name": "sender_name",
    "contact_phone": "sender_phone",
    "invoice_code": "invoice_code",
    "invoice_no": "invoice_no",
}


def _info_columns(info: ExInfo) -> dict[str, str]:
    return {column: getattr(info, field) for field, column in _INFO_COLUMNS.items() if getattr(info, field)}


def get_for_customer(rt: Runtime, actor: Actor, apply_id: str) -> ApplicationView:
    with rt.db.transaction() as session:
        row = session.scalars(_with_children().where(Application.apply_id == apply_id)).first()
        if row is None:
            raise NotFound(f"application {apply_id} does not exist", field="apply_id")
        actor.require_account(row.account_id)
        return _view(session, row)


def get_for_provider(
    rt: Runtime, app_id: int, apply_id: str, *, merchant_account_id: int | None = None
) -> ApplicationView:
    """What a provider app may read: only applications routed to it (and the session's merchant's).

    Every ``invoiceapply.get`` runs this, so it is two precompiled Core statements — the application with
    its owner and app, then its lines — and no ORM session; the provider's wire view has no history.
    """
    parameters = {"apply_id": apply_id, "app_id": app_id, "account_id": merchant_account_id}
    # No shared snapshot needed: what this view shows of the lines never changes after filing.
    with rt.db.reads() as connection:
        row = connection.execute(_PROVIDER_GET, parameters).first()
        if row is None:
            raise NotFound(f"application {apply_id} does not exist", field="apply_id")
        lines = connection.execute(_LINES, {"application_id": row.id}).all()
    return _build_view(row, row.owner_user_id, row.owner_user_nick, row.routed_app_key, lines, [])


_WITH_OWNER = (
    select(
        table_of(Application),
        Account.user_id.label("owner_user_id"),
        Account.user_nick.label("owner_user_nick"),
        ProviderApp.app_key.label("routed_app_key"),
    )
    .join(Account, Account.id == Application.account_id)
    .join(ProviderApp, ProviderApp.id == Application.provider_app_id)
)
_PROVIDER_GET = _WITH_OWNER.where(
    Application.apply_id == bindparam("apply_id"),
    Application.provider_app_id == bindparam("app_id"),
    or_(bindparam("account_id", type_=BigInteger) == None, Application.account_id == bindparam("account_id")),  # noqa: E711
)
_PROVIDER_GET_FOR_UPDATE = _PROVIDER_GET.with_for_update(of=table_of(Application))
_LINES = (
    select(table_of(ApplicationLine))
    .where(ApplicationLine.application_id == bindparam("application_id"))
    .order_by(ApplicationLine.id)
)
_HISTORY = (
    select(table_of(ApplicationEvent))
    .where(ApplicationEvent.application_id == bindparam("application_id"))
    .order_by(ApplicationEvent.id)
)


def list_applications(
    rt: Runtime, actor: Actor, page: PageRequest, *, user_id: int | None = None, status: ApplicationStatus | None = None
) -> Page[ApplicationView]:
    query = select(Application)
    if actor.is_customer:
        query = query.where(Application.account_id == actor.account_id)
    if user_id is not None:
        query = query.join(Account, Account.id == Application.account_id).where(Account.user_id == user_id)
    if status is not None:
        query = query.where(Application.status == status.value)
    query = query.options(selectinload(Application.lines), selectinload(Application.history))
    with rt.db.transaction() as session:
        return paginate(session, query, Application.id, page, lambda row: _view(session, row), descending=True)


def _check_request(request: FileApplication) -> None:
    spec.check(request)
    if len(set(request.item_ids)) != len(request.item_ids):
        raise ValidationFailed("an item is selected twice", field="item_ids")
    for email in filter(None, (e.strip() for e in request.emails.split(","))):
        if "@" not in email or " " in email:
            raise ValidationFailed(f"not an email address: {email}", field="emails")


def _usable_title(connection: Connection, account_id: int, title_id: int) -> Row[Any]:
    title = connection.execute(_TITLE, {"id": title_id}).first()
    if title is None or title.account_id != account_id:
        raise NotFound(f"invoice title {title_id} does not exist", field="title_id")
    if title.status != TitleStatus.APPROVED.value:
        raise ValidationFailed(f"invoice title {title_id} is {title.status}, not approved", field="title_id")
    return title


def _address(connection: Connection, account_id: int, address_id: int | None) -> Row[Any] | None:
    if address_id is None:
        return None
    address = connection.execute(_ADDRESS, {"id": address_id}).first()
    if address is None or address.account_id != account_id or address.deleted:
        raise NotFound(f"address {address_id} does not exist", field="address_id")
    return address


_TITLE = select(table_of(Title)).where(Title.id == bindparam("id"))
_ADDRESS = select(table_of(Address)).where(Address.id == bindparam("id"))


def _delivery(address: Row[Any] | None) -> str:
    if address is None:
        return ""
    return "".join(p for p in (address.province, address.city, address.county, address.street) if p)


def _title_snapshot(title: Row[Any]) -> dict[str, Any]:
    return {"id": title.id, **title_data(title).to_json()}


def _address_snapshot(address: Row[Any] | None) -> dict[str, Any] | None:
    if address is None:
        return None
    fields = ("addressee", "phone", "province", "city", "county", "street", "postal_code", "biz_type")
    return {"id": address.id, **{f: getattr(address, f) for f in fields}}


def _settle_reservations(
    connection: Connection, row_id: int, account_id: int, target: ApplicationStatus, now: datetime
) -> None:
    """Completed: the reserved amounts become invoiced. Rejected: they are released."""
    if target not in (ApplicationStatus.COMPLETED, ApplicationStatus.REJECTED):
        return
    lines = [
        line
        for line in connection.execute(_LINES, {"application_id": row_id})
        if line.item_id is not None and line.reserved_fen
    ]
    if not lines:
        return
    locked = connection.execute(_LOCK_ITEMS, {"account_id": account_id, "ids": [line.item_id for line in lines]})
    present = {item.id for item in locked}
    invoiced = 1 if target is ApplicationStatus.COMPLETED else 0
    settled = [
        {"row_id": line.item_id, "share": line.reserved_fen, "invoiced": line.reserved_fen * invoiced, "now": now}
        for line in lines
        if line.item_id in present
    ]
    if settled:
        connection.execute(_SETTLE, settled)
    connection.execute(_CLEAR_LINE, [{"line_id": line.id} for line in lines if line.item_id in present])


_SETTLE = (
    update(table_of(InvoiceableItem))
    .where(InvoiceableItem.id == bindparam("row_id"))
    .values(
        reserved_fen=InvoiceableItem.reserved_fen - bindparam("share"),
        invoiced_fen=InvoiceableItem.invoiced_fen + bindparam("invoiced"),
        updated_at=bindparam("now"),
    )
)
_CLEAR_LINE = update(table_of(ApplicationLine)).where(ApplicationLine.id == bindparam("line_id")).values(reserved_fen=0)


def _with_children() -> Select[Application]:
    return select(Application).options(selectinload(Application.lines), selectinload(Application.history))


def _event_payload(view: ApplicationView) -> dict[str, Any]:
    data: dict[str, Any] = to_jsonable(view)
    data.pop("history", None)
    return data


def _view(
    session: Session, row: Application, *, with_history: bool = True, app_key: str | None = None
) -> ApplicationView:
    """``app_key`` when the caller holds the app already (one query fewer)."""
    account = session.get_one(Account, row.account_id)
    if app_key is None:
        app_key = session.scalars(select(ProviderApp.app_key).where(ProviderApp.id == row.provider_app_id)).one()
    history = row.history if with_history else []
    return _build_view(row, account.user_id, account.user_nick, app_key, row.lines, history)


def _build_view(
    row: Any, user_id: int, user_nick: str, app_key: str, lines: Sequence[Any], history: Sequence[Any]
) -> ApplicationView:
    """From an ``Application`` or a Core row of its table (same attribute names), and its lines and history."""
    return ApplicationView(
        id=row.id,
        apply_id=row.apply_id,
        user_id=user_id,
        user_nick=user_nick,
        app_key=app_key,
        title_id=row.title_id,
        address_id=row.address_id,
        status=ApplicationStatus(row.status),
        medium=Medium(row.medium),
        invoice_kind=InvoiceKind(row.invoice_kind),
        amount_fen=row.amount_fen,
        company_name=row.company_name,
        payee_register_no=row.payee_register_no,
        bank=row.bank,
        bank_account=row.bank_account,
        receiver_name=row.receiver_name,
        receiver_phone=row.receiver_phone,
        receiver_address=row.receiver_address,
        invoice_payee_register_no=row.invoice_payee_register_no,
        invoice_address=row.invoice_address,
        invoice_phone=row.invoice_phone,
        sender_name=row.sender_name,
        sender_phone=row.sender_phone,
        sender_logistics_company=row.sender_logistics_company,
        sender_logistics_no=row.sender_logistics_no,
        invoice_code=row.invoice_code,
        invoice_no=row.invoice_no,
        provider_message=row.provider_message,
        user_remark=row.user_remark,
        emails=row.emails,
        lines=[
            LineView(line.item_name, ItemType(line.item_type), line.amount_fen, line.bill_date, line.item_id)
            for line in lines
        ],
        history=[
            HistoryEntry(
                e.at,
                e.actor,
                ApplicationStatus(e.from_status) if e.from_status else None,
                ApplicationStatus(e.to_status),
                e.details,
            )
            for e in history
        ],
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
