"""The SQL of webhooks, as Core statements built once. Parameters are named ``bindparam``s; the claim and
the fan-out take their rows with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite ignores it: ``BEGIN
IMMEDIATE`` already serialises writers there)."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, func, insert, or_, select, update

from fapiao.domain.webhooks import AttemptStatus, DeliveryStatus
from fapiao.store.tables import (
    Account,
    OutboxEvent,
    ProviderApp,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookSecret,
    table_of,
)

_ENDPOINTS = table_of(WebhookEndpoint)
_SECRETS = table_of(WebhookSecret)
_DELIVERIES = table_of(WebhookDelivery)
_ATTEMPTS = table_of(WebhookAttempt)
_EVENTS = table_of(OutboxEvent)

# -- owners --------------------------------------------------------------------------------------------------

ACCOUNT_BY_USER_ID = select(Account.id).where(Account.user_id == bindparam("user_id"))
APP_BY_KEY = select(ProviderApp.id).where(ProviderApp.app_key == bindparam("app_key"))
COUNT_OF_ACCOUNT = select(func.count()).where(WebhookEndpoint.account_id == bindparam("owner_id"))
COUNT_OF_APP = select(func.count()).where(WebhookEndpoint.provider_app_id == bindparam("owner_id"))

# -- endpoints and secrets -----------------------------------------------------------------------------------

ENDPOINTS = (
    select(_ENDPOINTS, Account.user_id, ProviderApp.app_key)
    .outerjoin(Account, Account.id == WebhookEndpoint.account_id)
    .outerjoin(ProviderApp, ProviderApp.id == WebhookEndpoint.provider_app_id)
    .order_by(WebhookEndpoint.id)
)
ENDPOINT = ENDPOINTS.where(WebhookEndpoint.id == bindparam("endpoint_id"))
VALID_SECRETS = (
    select(WebhookSecret.endpoint_id, WebhookSecret.secret_sealed, WebhookSecret.created_at, WebhookSecret.expires_at)
    .where(
        WebhookSecret.endpoint_id.in_(bindparam("endpoint_ids", expanding=True)),
        or_(WebhookSecret.expires_at.is_(None), WebhookSecret.expires_at > bindparam("now")),
    )
    .order_by(WebhookSecret.id.desc())
)
INSERT_ENDPOINT = insert(_ENDPOINTS).returning(WebhookEndpoint.id)
INSERT_SECRET = insert(_SECRETS)
UPDATE_ENDPOINT = update(_ENDPOINTS).where(WebhookEndpoint.id == bindparam("endpoint_id"))  # SET: as given
EXPIRE_SECRETS = (  # bind names differ from column names: update() reserves those for its SET clause
    update(_SECRETS)
    .where(
        WebhookSecret.endpoint_id == bindparam("endpoint"),
        or_(WebhookSecret.expires_at.is_(None), WebhookSecret.expires_at > bindparam("ends")),
    )
    .values(expires_at=bindparam("ends"))
)
DROP_EXPIRED_SECRETS = delete(_SECRETS).where(
    WebhookSecret.endpoint_id == bindparam("endpoint"), WebhookSecret.expires_at <= bindparam("now")
)
DELETE_ENDPOINT = delete(_ENDPOINTS).where(WebhookEndpoint.id == bindparam("endpoint_id"))  # its log cascades

# -- the delivery log ----------------------------------------------------------------------------------------

_DELIVERY_COLUMNS = (
    WebhookDelivery.id,
    WebhookDelivery.endpoint_id,
    OutboxEvent.event_id,
    OutboxEvent.type.label("event_type"),
    WebhookDelivery.status,
    WebhookDelivery.attempt_count,
    WebhookDelivery.next_attempt_at,
    WebhookDelivery.last_response_code,
    WebhookDelivery.last_error,
    WebhookDelivery.created_at,
)
DELIVERIES = select(*_DELIVERY_COLUMNS).join(OutboxEvent, OutboxEvent.id == WebhookDelivery.outbox_event_id)
DELIVERY = DELIVERIES.where(WebhookDelivery.id == bindparam("delivery_id"))
ATTEMPTS = (
    select(
        WebhookAttempt.delivery_id,
        WebhookAttempt.number,
        WebhookAttempt.status,
        WebhookAttempt.manual,
        WebhookAttempt.worker,
        WebhookAttempt.started_at,
        WebhookAttempt.finished_at,
        WebhookAttempt.response_code,
        WebhookAttempt.latency_ms,
        WebhookAttempt.error,
        WebhookAttempt.response_excerpt,
        WebhookAttempt.retry_at,
    )
    .where(WebhookAttempt.delivery_id.in_(bindparam("delivery_ids", expanding=True)))
    .order_by(WebhookAttempt.delivery_id, WebhookAttempt.number)
)
LOCK_DELIVERY = (
    select(
        WebhookDelivery.id,
        WebhookDelivery.endpoint_id,
        WebhookDelivery.status,
        WebhookDelivery.manual,
        WebhookDelivery.failures,
        WebhookDelivery.attempt_count,
        WebhookDelivery.claimed_by,
        WebhookDelivery.claimed_until,
    )
    .where(WebhookDelivery.id == bindparam("delivery_id"))
    .with_for_update()
)
UPDATE_DELIVERY = update(_DELIVERIES).where(WebhookDelivery.id == bindparam("delivery_id"))  # SET: as given

# -- fan-out -------------------------------------------------------------------------------------------------

UNDISPATCHED = (
    select(OutboxEvent.id, OutboxEvent.type, OutboxEvent.account_id, OutboxEvent.provider_app_id)
    .where(OutboxEvent.dispatched_at.is_(None))
    .order_by(OutboxEvent.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
ENABLED_ENDPOINTS_OF = select(
    WebhookEndpoint.id, WebhookEndpoint.account_id, WebhookEndpoint.provider_app_id, WebhookEndpoint.event_types
).where(
    WebhookEndpoint.enabled,
    or_(
        WebhookEndpoint.account_id.in_(bindparam("account_ids", expanding=True)),
        WebhookEndpoint.provider_app_id.in_(bindparam("app_ids", expanding=True)),
    ),
)
INSERT_DELIVERY = insert(_DELIVERIES)
MARK_DISPATCHED = (
    update(_EVENTS)
    .where(OutboxEvent.id.in_(bindparam("event_ids", expanding=True)))
    .values(dispatched_at=bindparam("now"))
)

# -- claiming and settling -----------------------------------------------------------------------------------

DUE = (
    select(WebhookDelivery.id, WebhookDelivery.attempt_count, WebhookDelivery.manual, WebhookDelivery.claimed_until)
    .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
    .where(
        WebhookDelivery.status == DeliveryStatus.PENDING.value,
        WebhookDelivery.next_attempt_at <= bindparam("now"),
        or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < bindparam("now")),
        WebhookEndpoint.enabled,
    )
    .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
    .limit(1)
    .with_for_update(of=_DELIVERIES, skip_locked=True)
)
ABANDON_ATTEMPTS = update(_ATTEMPTS).where(  # SET: the columns given at execution
    WebhookAttempt.delivery_id == bindparam("delivery"), WebhookAttempt.status == AttemptStatus.SENDING.value
)
INSERT_ATTEMPT = insert(_ATTEMPTS).returning(WebhookAttempt.id)
CLAIMED = (
    select(
        WebhookEndpoint.id.label("endpoint_id"),
        WebhookEndpoint.url,
        OutboxEvent.event_id,
        OutboxEvent.type,
        OutboxEvent.created_at,
        OutboxEvent.payload,
        Account.user_id,
        ProviderApp.app_key,
    )
    .select_from(WebhookDelivery)
    .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
    .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.outbox_event_id)
    .outerjoin(Account, Account.id == OutboxEvent.account_id)
    .outerjoin(ProviderApp, ProviderApp.id == OutboxEvent.provider_app_id)
    .where(WebhookDelivery.id == bindparam("delivery_id"))
)
UPDATE_ATTEMPT = update(_ATTEMPTS).where(WebhookAttempt.id == bindparam("attempt_id"))  # SET: as given
