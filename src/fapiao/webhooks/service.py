"""Webhook endpoints of accounts and provider apps, their signing secrets, and the delivery log.

A secret is generated here, sealed at rest and shown once (at creation and at each rotation). Customers
manage their own account's endpoints only; provider apps' endpoints belong to the operator. Fanning events
out, claiming and settling deliveries are ``webhooks.deliveries``, which the worker drives.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from fapiao.audit import service as audit
from fapiao.crypto import random_token
from fapiao.domain import webhooks as rules
from fapiao.domain.errors import Conflict, NotFound, Reason, ValidationFailed
from fapiao.domain.webhooks import DeliveryStatus
from fapiao.runtime import Runtime
from fapiao.store.tables import WebhookDelivery, WebhookEndpoint, utcnow
from fapiao.usecases import spec
from fapiao.usecases.actor import Actor
from fapiao.usecases.pagination import Page, PageRequest, paginate
from fapiao.webhooks import queries as q
from fapiao.webhooks.commands import CreateEndpoint, RotateSecret, UpdateEndpoint
from fapiao.webhooks.targets import check_url
from fapiao.webhooks.views import AttemptView, DeliveryView, EndpointView, NewSecret, SecretInfo


def create_endpoint(rt: Runtime, actor: Actor, command: CreateEndpoint) -> NewSecret:
    """Register an endpoint for an account (``user_id``) or a provider app (``app_key``)."""
    if (command.user_id is None) == (command.app_key is None):
        raise ValidationFailed(
            "give exactly one owner: an account (user_id, --account) or a provider app (app_key, --app)", field="owner"
        )
    url = check_url(command.url, allow_private=rt.settings.webhook_private_targets)
    types = rules.event_filter(command.event_types)
    spec.check(command)
    secret = _new_secret()
    with rt.db.transaction() as session:
        owner: dict[str, int | None] = {"account_id": None, "provider_app_id": None}
        if command.user_id is not None:
            owner["account_id"] = _account_id(session, command.user_id, actor)
            counted = q.COUNT_OF_ACCOUNT
        else:
            if actor.is_customer:
                raise NotFound("no such record")
            owner["provider_app_id"] = _app_id(session, command.app_key or "")
            counted = q.COUNT_OF_APP
        owner_id = owner["account_id"] or owner["provider_app_id"]
        if (session.scalar(counted, {"owner_id": owner_id}) or 0) >= rules.MAX_ENDPOINTS:
            raise Conflict(f"an owner has at most {rules.MAX_ENDPOINTS} webhook endpoints", reason=Reason.LIMIT_REACHED)
        values = {"url": url, "event_types": types, "enabled": True, **owner}
        endpoint_id = session.execute(q.INSERT_ENDPOINT, values).scalar_one()
        session.execute(q.INSERT_SECRET, {"endpoint_id": endpoint_id, "secret_sealed": rt.box.seal(secret)})
        view = _endpoint(session, endpoint_id)
        _audit(
            session,
            actor,
            "webhook_endpoint.create",
            view,
            owner["account_id"],
            after={"url": url, "event_types": types},
        )
        return NewSecret(view, secret)


def list_endpoints(
    rt: Runtime, actor: Actor, *, user_id: int | None = None, app_key: str | None = None
) -> list[EndpointView]:
    """Endpoints without their secrets; a customer sees its own account's only."""
    with rt.db.transaction() as session:
        query = q.ENDPOINTS
        if actor.is_customer:
            query = query.where(WebhookEndpoint.account_id == actor.account_id)
        if user_id is not None:
            query = query.where(WebhookEndpoint.account_id == _account_id(session, user_id, actor))
        if app_key is not None:
            query = query.where(WebhookEndpoint.provider_app_id == _app_id(session, app_key))
        return _endpoint_views(session, session.execute(query).all())


def get_endpoint(rt: Runtime, actor: Actor, endpoint_id: int) -> EndpointView:
    with rt.db.transaction() as session:
        return _endpoint_views(session, [_load(session, actor, endpoint_id)])[0]


def update_endpoint(rt: Runtime, actor: Actor, command: UpdateEndpoint) -> EndpointView:
    """Change the URL, the event filter or whether it receives events; what is not given stays."""
    changes: dict[str, Any] = {}
    if command.url is not None:
        changes["url"] = check_url(command.url, allow_private=rt.settings.webhook_private_targets)
    if command.event_types is not None:
        changes["event_types"] = rules.event_filter(command.event_types)
    if command.enabled is not None:
        changes["enabled"] = command.enabled
    spec.check(command)
    with rt.db.transaction() as session:
        row = _load(session, actor, command.endpoint_id)
        before = {"url": row.url, "event_types": row.event_types, "enabled": row.enabled}
        session.execute(q.UPDATE_ENDPOINT, {"endpoint_id": row.id, "updated_at": utcnow(), **changes})
        view = _endpoint(session, row.id)
        after = {"url": view.url, "event_types": view.event_types, "enabled": view.enabled}
        _audit(session, actor, "webhook_endpoint.update", view, row.account_id, before=before, after=after)
        return view


def rotate_secret(rt: Runtime, actor: Actor, command: RotateSecret) -> NewSecret:
    """A new secret signs from now on; the current ones keep signing (a second ``v1=``) for the overlap, so
    receivers can switch without dropping a delivery. An overlap of 0 retires them at once."""
    overlap = rules.check_overlap(timedelta(seconds=command.overlap_seconds))
    spec.check(command)
    secret = _new_secret()
    now = utcnow()
    with rt.db.transaction() as session:
        row = _load(session, actor, command.endpoint_id)
        ends = now + overlap
        session.execute(q.EXPIRE_SECRETS, {"endpoint": row.id, "ends": ends})
        session.execute(q.DROP_EXPIRED_SECRETS, {"endpoint": row.id, "now": now})
        values = {"endpoint_id": row.id, "secret_sealed": rt.box.seal(secret), "created_at": now}
        session.execute(q.INSERT_SECRET, values)
        view = _endpoint(session, row.id)
        expire = {"old_secrets_expire_at": ends.isoformat()}
        _audit(session, actor, "webhook_endpoint.rotate_secret", view, row.account_id, after=expire)
        return NewSecret(view, secret)


def delete_endpoint(rt: Runtime, actor: Actor, endpoint_id: int) -> None:
    """Remove an endpoint with its secrets and delivery log."""
    with rt.db.transaction() as session:
        row = _load(session, actor, endpoint_id)
        before = {"url": row.url, "event_types": row.event_types}
        audit.record(
            session,
            actor,
            "webhook_endpoint.delete",
            "webhook_endpoint",
            row.id,
            account_id=row.account_id,
            before=before,
        )
        session.execute(q.DELETE_ENDPOINT, {"endpoint_id": row.id})


def list_deliveries(
    rt: Runtime, actor: Actor, endpoint_id: int, page: PageRequest, *, status: str | None = None
) -> Page[DeliveryView]:
    """An endpoint's deliveries, newest first, each with all its attempts."""
    if status is not None and status not in tuple(DeliveryStatus):
        raise ValidationFailed("status is one of pending, succeeded, failed", field="status")
    with rt.db.transaction() as session:
        endpoint = _load(session, actor, endpoint_id)
        query = q.DELIVERIES.where(WebhookDelivery.endpoint_id == endpoint.id)
        if status is not None:
            query = query.where(WebhookDelivery.status == status)
        found = paginate(session, query, WebhookDelivery.id, page, lambda *row: row, descending=True)
        items = _delivery_views(session, found.items)
        return Page(items, found.page, found.page_size, found.total)


def redeliver(rt: Runtime, actor: Actor, delivery_id: int) -> DeliveryView:
    """Queue an attempt now. A delivery still on its schedule is retried early; a finished one (succeeded
    or failed) gets one manual attempt, which does not restart the schedule."""
    now = utcnow()
    with rt.db.transaction() as session:
        row = session.execute(q.LOCK_DELIVERY, {"delivery_id": delivery_id}).first()
        endpoint = session.execute(q.ENDPOINT, {"endpoint_id": row.endpoint_id}).first() if row else None
        if row is None or endpoint is None or not actor.sees(endpoint.account_id):
            # another account's delivery answers like a missing one (not naming its endpoint)
            raise NotFound(f"delivery {delivery_id} does not exist", field="delivery_id")
        if row.claimed_until is not None and row.claimed_until > now:
            raise Conflict("an attempt of this delivery is in flight", field="delivery_id", reason=Reason.IN_FLIGHT)
        status, manual = rules.redelivery(row.status, row.manual)
        values = {"delivery_id": row.id, "status": status.value, "manual": manual, "next_attempt_at": now}
        session.execute(q.UPDATE_DELIVERY, {**values, "updated_at": now})
        audit.record(
            session,
            actor,
            "webhook_delivery.redeliver",
            "webhook_endpoint",
            endpoint.id,
            account_id=endpoint.account_id,
            after={"delivery_id": row.id},
        )
        return _delivery_views(session, [session.execute(q.DELIVERY, {"delivery_id": row.id}).one()])[0]


def _new_secret() -> str:
    return rules.SECRET_PREFIX + random_token(32)


def _account_id(session: Session, user_id: int, actor: Actor) -> int:
    found = session.scalar(q.ACCOUNT_BY_USER_ID, {"user_id": user_id})
    if found is None or not actor.sees(found):  # another customer's account reads as one that does not exist
        raise NotFound(f"account {user_id} does not exist", field="user_id")
    return found


def _app_id(session: Session, app_key: str) -> int:
    found = session.scalar(q.APP_BY_KEY, {"app_key": app_key})
    if found is None:
        raise NotFound(f"provider app {app_key} does not exist", field="app_key")
    return found


def _load(session: Session, actor: Actor, endpoint_id: int) -> Row[Any]:
    """The endpoint row with its owner's ``user_id`` and ``app_key``, if the actor may see it."""
    row = session.execute(q.ENDPOINT, {"endpoint_id": endpoint_id}).first()
    if row is None or not actor.sees(row.account_id):
        raise NotFound(f"webhook endpoint {endpoint_id} does not exist", field="endpoint_id")
    return row


def _endpoint(session: Session, endpoint_id: int) -> EndpointView:
    return _endpoint_views(session, [session.execute(q.ENDPOINT, {"endpoint_id": endpoint_id}).one()])[0]


def _endpoint_views(session: Session, rows: Sequence[Row[Any]]) -> list[EndpointView]:
    """Views of endpoint rows (``q.ENDPOINTS``), with their valid secrets in one more statement."""
    secrets: dict[int, list[SecretInfo]] = {row.id: [] for row in rows}
    if rows:
        for s in session.execute(q.VALID_SECRETS, {"endpoint_ids": list(secrets), "now": utcnow()}):
            secrets[s.endpoint_id].append(SecretInfo(s.created_at, s.expires_at))
    return [
        EndpointView(
            r.id, r.url, list(r.event_types), r.enabled, r.user_id, r.app_key, secrets[r.id], r.created_at, r.updated_at
        )
        for r in rows
    ]


def _delivery_views(session: Session, rows: Sequence[Sequence[Any]]) -> list[DeliveryView]:
    """Views of delivery rows (``q.DELIVERIES``), with all their attempts in one more statement."""
    attempts: dict[int, list[AttemptView]] = {row[0]: [] for row in rows}
    if rows:
        for a in session.execute(q.ATTEMPTS, {"delivery_ids": list(attempts)}):
            attempts[a.delivery_id].append(AttemptView(**{name: a._mapping[name] for name in _ATTEMPT_FIELDS}))
    return [DeliveryView(**dict(zip(_DELIVERY_FIELDS, row, strict=True)), attempts=attempts[row[0]]) for row in rows]


_ATTEMPT_FIELDS = [f.name for f in dataclasses.fields(AttemptView)]
_DELIVERY_FIELDS = [f.name for f in dataclasses.fields(DeliveryView) if f.name != "attempts"]  # q.DELIVERIES


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    view: EndpointView,
    account_id: int | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    audit.record(session, actor, action, "webhook_endpoint", view.id, account_id=account_id, before=before, after=after)
