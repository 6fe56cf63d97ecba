"""What webhook use cases return: endpoints (never with a secret, except once in ``NewSecret``), the delivery
log, and a worker's claim on a delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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


@dataclass(frozen=True)
class Claim:
    """A delivery a worker holds until ``settle``: everything the POST needs, secrets opened."""

    delivery_id: int
    attempt_id: int
    number: int
    worker: str
    url: str
    secrets: tuple[str, ...]
    event_id: str
    event_type: str
    body: bytes
