"""Invoice applications: one function per use case, each one transaction on one connection (Core
statements from ``queries``), each checking its actor. Filing reserves the amount on the invoiced items;
a provider's status update settles or releases it; every change writes its history, audit record and
outbox event (``application.filed`` / ``application.status_changed``) in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from fapiao.applications import queries
from fapiao.applications.commands import (
    ApplicationFilters,
    FileApplication,
    GetApplication,
    ImportApplication,
    UpdateApplicationStatus,
)
from fapiao.applications.views import (
    ApplicationView,
    HistoryEntry,
    LineView,
    application_view,
    event_payload,
    history_entry,
    line_view,
)
from fapiao.audit import service as audit
from fapiao.domain.applications import ApplicationStatus, ItemType, Medium, allocate, check_transition
from fapiao.domain.errors import Conflict, NotFound, PermissionDenied, Reason, ValidationFailed
from fapiao.domain.titles import InvoiceKind
from fapiao.providers.queries import routed_app
from fapiao.runtime import Runtime
from fapiao.store.tables import utcnow
from fapiao.usecases import outbox, spec
from fapiao.usecases.actor import Actor, ActorKind
from fapiao.usecases.idempotency import RETENTION, fingerprint
from fapiao.usecases.pagination import Page, PageRequest

__all__ = [
    "ApplicationView",
    "HistoryEntry",
    "LineView",
    "file_application",
    "get_for_customer",
    "get_for_provider",
    "import_application",
    "list_applications",
    "update_status",
]

_STAFF = (ActorKind.OPERATOR, ActorKind.SYSTEM)


def file_application(rt: Runtime, actor: Actor, user_id: int, request: FileApplication) -> ApplicationView:
    """File an application: checks the title, address and items, reserves the amount on the items so it
    cannot be invoiced twice, routes it, and publishes ``application.filed``. A repeated ``client_token``
    with the same request returns the first application.

    The token is reserved (``Database.idempotency``) by the transaction's first write, so concurrent retries
    with one token file once: on PostgreSQL they wait for the first filing's transaction and then find its
    application; on SQLite they run after it. The applications' unique ``(account_id, client_token)`` keeps
    tokens older than the reservation's retention answering their application."""
    _check_filing(request)
    request_hash = fingerprint(repr(request.__class__(**{**request.__dict__, "client_token": None})))
    reservations = rt.db.idempotency
    if request.client_token:
        reservations.purge_now_and_then(utcnow(), RETENTION)
    with rt.db.begin() as connection:
        account = connection.execute(queries.ACCOUNT_BY_USER_ID, {"user_id": user_id}).first()
        if account is None or not actor.sees(account.id):
            raise NotFound(f"account {user_id} does not exist", field="user_id")
        if request.client_token:
            reservations.reserve(
                connection, f"client-token:{account.id}", request.client_token, request_hash, utcnow(), RETENTION
            )  # a concurrent filing with this token has committed once this returns, or it never will
            earlier = connection.execute(
                queries.BY_CLIENT_TOKEN, {"account_id": account.id, "client_token": request.client_token}
            ).first()
            if earlier is not None:
                if earlier.request_fingerprint != request_hash:
                    raise Conflict(
                        "this client token was used with different parameters",
                        field="client_token",
                        reason=Reason.IDEMPOTENCY_MISMATCH,
                    )
                return queries.stored_view(connection, connection.execute(queries.BY_ID, {"row_id": earlier.id}).one())
        title = queries.usable_title(connection, account.id, request.title_id)
        address = queries.address(connection, account.id, request.address_id)
        medium = request.medium or (Medium.PAPER if address is not None else Medium.ELECTRONIC)
        if medium is Medium.PAPER and address is None:
            raise ValidationFailed("a paper invoice needs a mailing address", field="address_id")
        kind = request.invoice_kind or InvoiceKind(title.invoice_kind)
        if kind is InvoiceKind.SPECIAL and title.invoice_kind != InvoiceKind.SPECIAL.value:
            raise ValidationFailed("this title is not approved for special VAT invoices", field="invoice_kind")
        items = connection.execute(queries.LOCK_ITEMS, {"account_id": account.id, "ids": list(request.item_ids)}).all()
        found = {i.id for i in items}
        missing = [i for i in request.item_ids if i not in found]
        if missing:
            raise NotFound(f"invoiceable item {missing[0]} does not exist", field="item_ids")
        rooms = [i.original_fen - i.offset_fen - i.invoiced_fen - i.reserved_fen for i in items]
        amount = request.amount_fen if request.amount_fen is not None else sum(r for r in rooms if r > 0)
        shares = allocate(amount, rooms)
        app = routed_app(connection, account.id)
        now = utcnow()
        values: dict[str, Any] = {
            **queries.FILING_DEFAULTS,
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
            "receiver_address": queries.delivery(address),
            "invoice_payee_register_no": title.register_no,
            "invoice_address": title.address,
            "invoice_phone": title.phone,
            "user_remark": request.user_remark.strip(),
            "emails": request.emails.strip(),
            "process_way": request.process_way,
            "apply_user_nick": request.apply_user_nick,
            "client_token": request.client_token,
            "request_fingerprint": request_hash,
            "title_snapshot": queries.title_snapshot(title),
            "address_snapshot": queries.address_snapshot(address),
            "created_at": now,
            "updated_at": now,
        }
        row_id = connection.execute(queries.insert_filed(rt.db.ids), values).scalar_one()
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
        connection.execute(queries.INSERT_LINE, lines)
        connection.execute(
            queries.RESERVE, [{"row_id": line["item_id"], "share": line["reserved_fen"], "now": now} for line in lines]
        )
        event = _event(row_id, now, actor, None, ApplicationStatus.PENDING, {"app_key": app.app_key})
        connection.execute(queries.INSERT_EVENT, event)
        owner = {"owner_user_id": account.user_id, "owner_user_nick": account.user_nick, "routed_app_key": app.app_key}
        view = application_view(
            {**values, **owner, "id": row_id, "apply_id": str(row_id)},
            [line_view({**line, "biz_type": item.biz_type}) for line, item in zip(lines, items, strict=True)],
            [history_entry(event)],
        )
        _publish_filing(connection, actor, view, account_id=account.id, app_id=app.id)
        return view


def import_application(rt: Runtime, actor: Actor, record: ImportApplication) -> ApplicationView:
    """Record an application whose printed fields are known already (operators and the demo only)."""
    _require_staff(actor)
    spec.check(record)
    with rt.db.begin() as connection:
        account = connection.execute(queries.ACCOUNT_BY_USER_ID, {"user_id": record.user_id}).first()
        if account is None:
            raise NotFound(f"account {record.user_id} does not exist", field="user_id")
        if connection.execute(queries.APPLY_ID_TAKEN, {"apply_id": record.apply_id}).first() is not None:
            raise Conflict(f"application {record.apply_id} exists", field="apply_id")
        app = routed_app(connection, account.id)
        now = utcnow()
        printed = {name: getattr(record, name) for name in queries.IMPORTED_FIELDS}
        values: dict[str, Any] = {
            **queries.FILING_DEFAULTS,
            **printed,
            "apply_id": record.apply_id,
            "account_id": account.id,
            "provider_app_id": app.id,
            "status": ApplicationStatus.PENDING.value,
            "medium": record.medium.value,
            "invoice_kind": record.invoice_kind.value,
            "title_snapshot": {},
            "address_snapshot": None,
            "created_at": now,
            "updated_at": now,
        }
        row_id = connection.execute(queries.INSERT_IMPORTED, values).scalar_one()
        lines = [
            {
                "application_id": row_id,
                "item_id": None,
                "item_name": line.item_name,
                "item_type": line.item_type.value,
                "amount_fen": line.amount_fen,
                "reserved_fen": 0,
                "bill_date": line.bill_date,
            }
            for line in record.lines
        ]
        if lines:
            connection.execute(queries.INSERT_LINE, lines)
        connection.execute(
            queries.INSERT_EVENT, _event(row_id, now, actor, None, ApplicationStatus.PENDING, {"app_key": app.app_key})
        )
        view = queries.stored_view(connection, connection.execute(queries.BY_ID, {"row_id": row_id}).one())
        _publish_filing(connection, actor, view, account_id=account.id, app_id=app.id)
        return view


def update_status(
    rt: Runtime,
    actor: Actor,
    command: UpdateApplicationStatus,
    *,
    app_id: int | None = None,
    merchant_account_id: int | None = None,
) -> ApplicationView:
    """Move an application. A provider app (``app_id``) moves only what is routed to it, and with a
    ``merchant_account_id`` only that merchant's; an operator or the system (``app_id`` None) acts for the
    app it is routed to, which must be enabled. Customers may not. The row is locked (PostgreSQL ``FOR
    UPDATE``; SQLite holds the write lock from ``BEGIN IMMEDIATE``) and versioned, so concurrent updates
    never lose one.

    Repeating the current status is a retry and changes nothing, unless it brings details that differ from
    the stored ones (a corrected waybill or invoice number): those are applied and recorded like a move,
    with the status unchanged, never dropped while the answer says it succeeded."""
    _require_provider_or_staff(actor, app_id)
    spec.check(command)
    parameters = {"apply_id": command.apply_id, "app_id": app_id, "account_id": merchant_account_id}
    target, info = command.status, command.details
    with rt.db.begin() as connection:
        row = connection.execute(queries.ROUTED_FOR_UPDATE, parameters).first()
        if row is None:
            raise NotFound(f"application {command.apply_id} does not exist", field="apply_id")
        if app_id is None and not row.routed_app_enabled:
            raise Conflict(f"provider app {row.routed_app_key} is disabled", field="app_key")
        current = ApplicationStatus(row.status)
        details = queries.info_columns(info)
        if not check_transition(current, target, Medium(row.medium), info):
            details = {column: value for column, value in details.items() if getattr(row, column) != value}
            if not details:
                return queries.stored_view(connection, row)  # a retry: nothing new
        now = utcnow()
        changes = {**details, "status": target.value, "version": row.version + 1, "updated_at": now}
        updated = connection.execute(
            queries.UPDATE_STATUS.values(**changes), {"row_id": row.id, "expected_version": row.version}
        )
        if updated.rowcount != 1:  # pragma: no cover - the row lock makes this unreachable
            raise Conflict(f"application {command.apply_id} changed meanwhile; retry", field="apply_id")
        lines = connection.execute(queries.LINES, {"application_id": row.id}).all()
        if target is not current:  # details alone settle nothing: the move that reached this status did
            queries.settle_reservations(connection, lines, row.account_id, target, now)
        event = _event(row.id, now, actor, current, target, info.to_json())
        connection.execute(queries.INSERT_EVENT, event)
        history = connection.execute(queries.HISTORY, {"application_id": row.id}).all()
        view = application_view(
            {**row._mapping, **changes},
            [line_view(line._mapping) for line in lines],
            [history_entry(entry._mapping) for entry in history],
        )
        outbox.publish(
            connection,
            "application.status_changed",
            {"application": event_payload(view), "from_status": current.value, "to_status": target.value},
            account_id=row.account_id,
            provider_app_id=row.provider_app_id,
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


def get_for_customer(rt: Runtime, actor: Actor, apply_id: str) -> ApplicationView:
    """One application with its lines and history; a customer sees its own only."""
    command = GetApplication(apply_id)
    spec.check(command)
    with rt.db.begin() as connection:
        row = connection.execute(queries.BY_APPLY_ID, {"apply_id": command.apply_id}).first()
        if row is None or not actor.sees(row.account_id):
            raise NotFound(f"application {apply_id} does not exist", field="apply_id")
        return queries.stored_view(connection, row)


def get_for_provider(
    rt: Runtime, actor: Actor, app_id: int, command: GetApplication, *, merchant_account_id: int | None = None
) -> ApplicationView:
    """What a provider app may read: only applications routed to it (and the session's merchant's). Two
    statements, the application with its owner and app, then its lines; the provider's view has no history."""
    _require_provider_or_staff(actor, app_id)
    spec.check(command)
    parameters = {"apply_id": command.apply_id, "app_id": app_id, "account_id": merchant_account_id}
    # No shared snapshot needed: what this view shows of the lines never changes after filing.
    with rt.db.reads() as connection:
        row = connection.execute(queries.ROUTED, parameters).first()
        if row is None:
            raise NotFound(f"application {command.apply_id} does not exist", field="apply_id")
        lines = connection.execute(queries.LINES, {"application_id": row.id}).all()
    return application_view(row._mapping, [line_view(line._mapping) for line in lines])


def list_applications(
    rt: Runtime, actor: Actor, page: PageRequest, *, user_id: int | None = None, status: ApplicationStatus | None = None
) -> Page[ApplicationView]:
    """Applications newest first, with their lines and history (three statements, four with a count);
    customers see their own account's only."""
    filters = ApplicationFilters(user_id=user_id, status=status)
    spec.check(filters)
    if actor.is_customer and actor.account_id is None:
        raise PermissionDenied("a customer without an account lists nothing", reason=Reason.FORBIDDEN)
    query = queries.listing(actor.account_id if actor.is_customer else None, filters)
    offset = (page.page - 1) * page.page_size
    with rt.db.begin() as connection:
        rows = queries.page_of(connection, query, page.page_size, offset)
        if len(rows) < page.page_size and (rows or offset == 0):
            total = offset + len(rows)  # a short page is the last one: no need to count
        else:
            total = queries.count(connection, query)
        ids = [row.id for row in rows]
        lines = queries.grouped(connection.execute(queries.LINES_OF, {"ids": ids}).all() if ids else [])
        history = queries.grouped(connection.execute(queries.HISTORY_OF, {"ids": ids}).all() if ids else [])
    views = [
        application_view(
            row._mapping,
            [line_view(line) for line in lines[row.id]],
            [history_entry(entry) for entry in history[row.id]],
        )
        for row in rows
    ]
    return Page(views, page.page, page.page_size, total)


def _require_staff(actor: Actor) -> None:
    if actor.kind not in _STAFF:
        raise PermissionDenied("only an operator may do this", reason=Reason.FORBIDDEN)


def _require_provider_or_staff(actor: Actor, app_id: int | None) -> None:
    """Providers act for their own app (``app_id`` given); operators and the system for any."""
    if actor.kind in _STAFF or (actor.kind is ActorKind.PROVIDER and app_id is not None):
        return
    raise PermissionDenied("only the provider app an application is routed to may do this", reason=Reason.FORBIDDEN)


def _publish_filing(
    connection: Connection, actor: Actor, view: ApplicationView, *, account_id: int, app_id: int
) -> None:
    payload = {"application": event_payload(view)}
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


def _event(
    row_id: int,
    at: datetime,
    actor: Actor,
    from_status: ApplicationStatus | None,
    to_status: ApplicationStatus,
    details: dict[str, Any],
) -> dict[str, Any]:
    return {
        "application_id": row_id,
        "at": at,
        "actor": actor.label,
        "from_status": from_status.value if from_status else None,
        "to_status": to_status.value,
        "details": details,
    }


def _check_filing(request: FileApplication) -> None:
    spec.check(request)
    if len(set(request.item_ids)) != len(request.item_ids):
        raise ValidationFailed("an item is selected twice", field="item_ids")
    for email in filter(None, (e.strip() for e in request.emails.split(","))):
        if "@" not in email or " " in email:
            raise ValidationFailed(f"not an email address: {email}", field="emails")
