"""Test data for notifications: fast delivery settings, endpoints, and events from real state changes."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from fapiao.runtime import Runtime
from fapiao.settings import Settings
from fapiao.titles import service as titles
from fapiao.usecases.actor import OPERATOR
from fapiao.usecases.pagination import PageRequest
from fapiao.webhooks import service as webhooks
from fapiao.webhooks.commands import CreateEndpoint
from fapiao.webhooks.views import DeliveryView, NewSecret
from tests import factories

FAST = {
    "webhook_schedule": (0.2, 1.0),
    "webhook_jitter": 0.1,
    "webhook_timeout_seconds": 2.0,
    "webhook_claim_seconds": 5.0,
    "webhook_poll_seconds": 0.05,
}


def fast(settings: Settings, **overrides: Any) -> Settings:
    """The test's settings with a short retry schedule and short timeouts (validated like the real ones)."""
    return Settings(**{**settings.model_dump(), **FAST, **overrides})


def environment(settings: Settings) -> dict[str, str]:
    """``FAPIAO_*`` variables giving a subprocess the same store and delivery settings."""
    return {
        "FAPIAO_DATABASE_URL": settings.resolved_database_url,
        "FAPIAO_DATA_DIR": str(settings.data_dir),
        "FAPIAO_PROFILE": settings.profile.value,
        "FAPIAO_WEBHOOK_SCHEDULE": ",".join(str(d) for d in settings.webhook_schedule),
        "FAPIAO_WEBHOOK_JITTER": str(settings.webhook_jitter),
        "FAPIAO_WEBHOOK_TIMEOUT_SECONDS": str(settings.webhook_timeout_seconds),
        "FAPIAO_WEBHOOK_CLAIM_SECONDS": str(settings.webhook_claim_seconds),
        "FAPIAO_WEBHOOK_POLL_SECONDS": str(settings.webhook_poll_seconds),
    }


def delivery_log(rt: Runtime, endpoint_id: int) -> list[DeliveryView]:
    """An endpoint's deliveries as its owner sees them, newest first."""
    return webhooks.list_deliveries(rt, OPERATOR, endpoint_id, PageRequest(1, 300)).items


def endpoint(rt: Runtime, who: factories.Customer, url: str, *events: str) -> NewSecret:
    return webhooks.create_endpoint(rt, OPERATOR, CreateEndpoint(url, user_id=who.user_id, event_types=events))


def title_events(rt: Runtime, who: factories.Customer, count: int) -> list[int]:
    """``count`` ``title.submitted`` events, from real title filings; the titles' ids."""
    return [titles.create_title(rt, OPERATOR, who.user_id, factories.title_data()).id for _ in range(count)]


def verify(header: str, body: bytes, secret: str, *, tolerance: int = 300) -> bool:
    """A receiver's check of ``Fapiao-Signature``, written from the documented contract only."""
    fields = [item.split("=", 1) for item in header.split(",")]
    timestamps = [value for key, value in fields if key == "t"]
    candidates = [value for key, value in fields if key == "v1"]
    if len(timestamps) != 1 or abs(time.time() - int(timestamps[0])) > tolerance:
        return False
    expected = hmac.new(secret.encode(), timestamps[0].encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
