"""What the provider use cases return."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ProviderAppView:
    id: int
    app_key: str
    name: str
    is_default: bool
    enabled: bool
    created_at: datetime


@dataclass(frozen=True)
class NewProviderApp:
    """An app as created: the only time its secret is shown."""

    app: ProviderAppView
    app_secret: str


@dataclass(frozen=True)
class SessionView:
    session: str
    app_key: str
    user_id: int
    user_nick: str
    expires_at: datetime | None


@dataclass(frozen=True)
class RouteView:
    user_id: int
    app_key: str | None  # None: the default app


def app_view(row: Mapping[Any, Any]) -> ProviderAppView:
    return ProviderAppView(row["id"], row["app_key"], row["name"], row["is_default"], row["enabled"], row["created_at"])
