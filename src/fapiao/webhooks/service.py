"""Webhook endpoints of accounts and provider apps, their signing secrets, and the delivery log.

A secret is generated here, sealed at rest and shown once (at creation and at each rotation). Customers
manage their own account's endpoints only; provider apps' endpoints belong to the operator. Delivery itself
is the worker's (``fapiao.notify``); this module lists what happened and queues redeliveries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from fapiao.accounts.service import load_account
from fapiao.audit import service as audit
from fapiao.crypto import random_token
from fapiao.domain.errors import Conflict, NotFound, Reason, ValidationFailed
from fapiao.notify import deliveries as states
from fapiao.notify.targets import check_url
from fapiao.providers.service import load_app
from fapiao.runtime import Runtime
from fapiao.store.tables import (
    Account,
    OutboxEvent,
    ProviderApp,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookSecret,
    utcnow,
)
from fapiao.usecases import outbox
from fapiao.usecases.actor import Actor
from fapiao.usecases.pagination import Page, PageRequest, paginate

ALL_EVENTS = "*"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
MAX_ENDPOINTS = 16  # per owner, as Stripe
DEFAULT_OVERLAP = timedelta(hours=24)
MAX_OVERLAP = timedelta(days=7)


@dataclass(frozen=True)
class SecretInfo:
    """A signing secret without its value."""

    created_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True)
class EndpointView:
    id: int
    url: str
    event_types: list[str]
    enabled: bool
    user_id: int | None
    app_key: str | None
    secrets: list[SecretInfo]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class NewSecret:
    """An endpoint with its new secret: the only time the secret is shown."""

    endpoint: EndpointView
    secret: str


@dataclass(frozen=True)
class AttemptView:
    number: int
    status: str
    manual: bool
    worker: str
    started_at: datetime
    finished_at: datetime | None
    response_code: int | None
    latency_ms: int | None
    error: str
    response_excerpt: str
    retry_at: datetime | None


@dataclass(frozen=True)
class DeliveryView:
    id: int
    endpoint_id: int
    event_id: str
    event_type: str
    status: str
    attempt_count: int
    next_attempt_at: datetime | None
    last_response_code: int | None
    last_error: str
    created_at: datetime
    attempts: list[AttemptView]


def create_endpoint(
    rt: Runtime,
    actor: Actor,
    url: str,
    *,
    user_id: int | None = None,
    app_key: str | None = None,
    event_types: Sequence[str] = (),
) -> NewSecret:
    """Register an endpoint for an account (``user_id``) or a provider app (``app_key``)."""
    if (user_id is None) == (app_key is None):
        raise ValidationFailed(
            "give exactly one owner: an account (user_id, --account) or a provider app (app_key, --app)", field="owner"
        )
    url = check_url(url, allow_private=rt.settings.webhook_private_targets)
    types = _event_types(event_types)
    secret = _new_secret()
    with rt.db.transaction() as session:
        row = WebhookEndpoint(url=url, event_types=types, enabled=True)
        if user_id is not None:
            account = load_account(session, user_id)
            actor.require_account(account.id)
            row.account_id = account.id
            owned = WebhookEndpoint.account_id == account.id
        else:
            if actor.is_customer:
                raise NotFound("no such record")
            row.provider_app_id = load_app(session, app_key or "").id
            owned = WebhookEndpoint.provider_app_id == row.provider_app_id
        if (session.scalar(select(func.count()).where(owned)) or 0) >= MAX_ENDPOINTS:
            raise Conflict(f"an owner has at most {MAX_ENDPOINTS} webhook endpoints", reason=Reason.LIMIT_REACHED)
        session.add(row)
        session.flush()
        session.add(WebhookSecret(endpoint_id=row.id, secret_sealed=rt.box.seal(secret)))
        session.flush()
        view = _view(session, row)
        _audit(session, actor, "webhook_endpoint.create", row, after={"url": url, "event_types": types})
        return NewSecret(view, secret)


def list_endpoints(
    rt: Runtime, actor: Actor, *, user_id: int | None = None, app_key: str | None = None
) -> list[EndpointView]:
    with rt.db.transaction() as session:
        query = select(WebhookEndpoint).order_by(WebhookEndpoint.id)
        if actor.is_customer:
            query = query.where(WebhookEndpoint.account_id == actor.account_id)
        if user_id is not None:
            query = query.where(WebhookEndpoint.account_id == load_account(session, user_id).id)
        if app_key is not None:
            query = query.where(WebhookEndpoint.provider_app_id == load_app(session, app_key).id)
        return [_view(session, row) for row in session.scalars(query)]


def get_endpoint(rt: Runtime, actor: Actor, endpoint_id: int) -> EndpointView:
    with rt.db.transaction() as session:
        return _view(session, _load(session, actor, endpoint_id))


def update_endpoint(
    rt: Runtime,
    actor: Actor,
    endpoint_id: int,
    *,
    url: str | None = None,
    event_types: Sequence[str] | None = None,
    enabled: bool | None = None,
) -> EndpointView:
    """Change the URL, the event filter or whether it receives events; what is not given stays."""
    if url is not None:
        url = check_url(url, allow_private=rt.settings.webhook_private_targets)
    types = _event_types(event_types) if event_types is not None else None
    with rt.db.transaction() as session:
        row = _load(session, actor, endpoint_id)
        before = {"url": row.url, "event_types": row.event_types, "enabled": row.enabled}
        if url is not None:
            row.url = url
        if types is not None:
            row.event_types = types
        if enabled is not None:
            row.enabled = enabled
        session.flush()
        after = {"url": row.url, "event_types": row.event_types, "enabled": row.enabled}
        _audit(session, actor, "webhook_endpoint.update", row, before=before, after=after)
        return _view(session, row)


def rotate_secret(rt: Runtime, actor: Actor, endpoint_id: int, overlap: timedelta = DEFAULT_OVERLAP) -> NewSecret:
    """A new secret signs from now on; the current ones keep signing (a second ``v1=``) for ``overlap``,
    so receivers can switch without dropping a delivery. ``overlap=0`` retires them at once."""
    if not timedelta(0) <= overlap <= MAX_OVERLAP:
        raise ValidationFailed(f"the overlap must be between 0 and {MAX_OVERLAP.days} days", field="overlap")
    secret = _new_secret()
    now = utcnow()
    with rt.db.transaction() as session:
        row = _load(session, actor, endpoint_id)
        ends = now + overlap
        session.execute(
            update(WebhookSecret)
            .where(
                WebhookSecret.endpoint_id == row.id,
                (WebhookSecret.expires_at.is_(None)) | (WebhookSecret.expires_at > ends),
            )
            .values(expires_at=ends)
        )
        session.execute(
            delete(WebhookSecret).where(WebhookSecret.endpoint_id == row.id, WebhookSecret.expires_at <= now)
        )
        session.add(WebhookSecret(endpoint_id=row.id, secret_sealed=rt.box.seal(secret), created_at=now))
        session.flush()
        _audit(session, actor, "webhook_endpoint.rotate_secret", row, after={"old_secrets_expire_at": ends.isoformat()})
        return NewSecret(_view(session, row), secret)


def delete_endpoint(rt: Runtime, actor: Actor, endpoint_id: int) -> None:
    """Remove an endpoint with its secrets and delivery log."""
    with rt.db.transaction() as session:
        row = _load(session, actor, endpoint_id)
        _audit(session, actor, "webhook_endpoint.delete", row, before={"url": row.url, "event_types": row.event_types})
        session.delete(row)


def list_deliveries(
    rt: Runtime, actor: Actor, endpoint_id: int, page: PageRequest, *, status: str | None = None
) -> Page[DeliveryView]:
    """An endpoint's deliveries, newest first, each with all its attempts."""
    if status is not None and status not in (states.PENDING, states.SUCCEEDED, states.FAILED):
        raise ValidationFailed("status is one of pending, succeeded, failed", field="status")
    with rt.db.transaction() as session:
        endpoint = _load(session, actor, endpoint_id)
        query = (
            select(WebhookDelivery, OutboxEvent)
            .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.outbox_event_id)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
        )
        if status is not None:
            query = query.where(WebhookDelivery.status == status)
        found = paginate(session, query, WebhookDelivery.id, page, lambda d, e: (d, e), descending=True)
        attempts = _attempts(session, [d.id for d, _ in found.items])
        items = [_delivery_view(d, e, attempts.get(d.id, [])) for d, e in found.items]
        return Page(items, found.page, found.page_size, found.total)


def redeliver(rt: Runtime, actor: Actor, delivery_id: int) -> DeliveryView:
    """Queue an attempt now. A delivery still on its schedule is retried early; a finished one (succeeded
    or failed) gets one manual attempt, which does not restart the schedule."""
    now = utcnow()
    with rt.db.transaction() as session:
        row = session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if row is None:
            raise NotFound(f"delivery {delivery_id} does not exist", field="delivery_id")
        endpoint = _load(session, actor, row.endpoint_id)
        if row.claimed_until is not None and row.claimed_until > now:
            raise Conflict("an attempt of this delivery is in flight", field="delivery_id", reason=Reason.IN_FLIGHT)
        if row.status != states.PENDING:
            row.status, row.manual = states.PENDING, True
        row.next_attempt_at = now
        session.flush()
        _audit(session, actor, "webhook_delivery.redeliver", endpoint, after={"delivery_id": row.id})
        event = session.get_one(OutboxEvent, row.outbox_event_id)
        return _delivery_view(row, event, _attempts(session, [row.id]).get(row.id, []))


def _new_secret() -> str:
    return SECRET_PREFIX + random_token(32)


def _event_types(requested: Sequence[str]) -> list[str]:
    types = sorted({t.strip() for t in requested if t.strip()})
    if not types or ALL_EVENTS in types:
        return [ALL_EVENTS]
    unknown = [t for t in types if t not in outbox.EVENT_TYPES]
    if unknown:
        known = ", ".join(outbox.EVENT_TYPES)
        raise ValidationFailed(f"unknown event type {unknown[0]!r}; known: {known}, or *", field="event_types")
    return types


def _load(session: Session, actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    row = session.get(WebhookEndpoint, endpoint_id)
    if row is None or (actor.is_customer and row.account_id != actor.account_id):
        raise NotFound(f"webhook endpoint {endpoint_id} does not exist", field="endpoint_id")
    return row


def _view(session: Session, row: WebhookEndpoint) -> EndpointView:
    user_id = app_key = None
    if row.account_id is not None:
        user_id = session.scalar(select(Account.user_id).where(Account.id == row.account_id))
    if row.provider_app_id is not None:
        app_key = session.scalar(select(ProviderApp.app_key).where(ProviderApp.id == row.provider_app_id))
    now = utcnow()
    secrets = [
        SecretInfo(s.created_at, s.expires_at)
        for s in session.scalars(
            select(WebhookSecret).where(WebhookSecret.endpoint_id == row.id).order_by(WebhookSecret.id.desc())
        )
        if s.expires_at is None or s.expires_at > now
    ]
    return EndpointView(
        row.id, row.url, list(row.event_types), row.enabled, user_id, app_key, secrets, row.created_at, row.updated_at
    )


def _attempts(session: Session, delivery_ids: list[int]) -> dict[int, list[AttemptView]]:
    found: dict[int, list[AttemptView]] = {}
    if not delivery_ids:
        return found
    rows = session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(delivery_ids))
        .order_by(WebhookAttempt.delivery_id, WebhookAttempt.number)
    )
    for a in rows:
        found.setdefault(a.delivery_id, []).append(
            AttemptView(
                a.number,
                a.status,
                a.manual,
                a.worker,
                a.started_at,
                a.finished_at,
                a.response_code,
                a.latency_ms,
                a.error,
                a.response_excerpt,
                a.retry_at,
            )
        )
    return found


def _delivery_view(row: WebhookDelivery, event: OutboxEvent, attempts: list[AttemptView]) -> DeliveryView:
    return DeliveryView(
        row.id,
        row.endpoint_id,
        event.event_id,
        event.type,
        row.status,
        row.attempt_count,
        row.next_attempt_at,
        row.last_response_code,
        row.last_error,
        row.created_at,
        attempts,
    )


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    row: WebhookEndpoint,
    *,
    before: dict[str, object] | None = None,
    after: dict[str, object] | None = None,
) -> None:
    audit.record(
        session, actor, action, "webhook_endpoint", row.id, account_id=row.account_id, before=before, after=after
    )
