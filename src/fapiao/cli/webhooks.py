"""Webhook endpoints of accounts and provider apps, their secrets, and their delivery logs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import click

from fapiao.cli.base import cli, output, runtime
from fapiao.cli.render import Column, table
from fapiao.usecases.actor import OPERATOR
from fapiao.usecases.pagination import PageRequest
from fapiao.usecases.serialize import to_jsonable
from fapiao.webhooks import service as webhooks
from fapiao.webhooks.commands import CreateEndpoint, RotateSecret, UpdateEndpoint
from fapiao.webhooks.views import NewSecret


def _types(value: str | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(part.strip() for part in value.split(",") if part.strip())


def _shown_once(created: NewSecret) -> dict[str, Any]:
    return {**to_jsonable(created.endpoint), "secret": created.secret}


@cli.group("webhooks")
def webhooks_group() -> None:
    """Webhook endpoints: signed POSTs of events, retried, with a delivery log (docs/webhooks.md)."""


@webhooks_group.command("create")
@click.option("--account", "user_id", type=int, help="UserId of the account whose events are sent.")
@click.option("--app", "app_key", help="App key of the provider app whose events are sent.")
@click.option("--url", required=True, help="http(s) URL receiving the POSTs.")
@click.option("--events", help="Comma-separated event types (default: all, *).")
@output()
def create(user_id: int | None, app_key: str | None, url: str, events: str | None) -> Any:
    """Register an endpoint and print its signing secret (the only time it is shown)."""
    command = CreateEndpoint(url, event_types=_types(events) or (), user_id=user_id, app_key=app_key)
    created = webhooks.create_endpoint(runtime(), OPERATOR, command)
    return _shown_once(created)


@webhooks_group.command("list")
@click.option("--account", "user_id", type=int, help="Only this account's endpoints.")
@click.option("--app", "app_key", help="Only this provider app's endpoints.")
@output(
    table(
        Column("ID", "id"),
        Column("URL", "url", wrap=True),
        Column("EVENTS", "event_types", wrap=True),
        Column("ENABLED", "enabled"),
        Column(
            "OWNER", "", show=lambda hook: f"account {hook['user_id']}" if hook["user_id"] else f"app {hook['app_key']}"
        ),
        Column("SECRETS", "secrets", show=lambda secrets: str(len(secrets))),
    )
)
def list_(user_id: int | None, app_key: str | None) -> Any:
    """List endpoints (without secrets)."""
    return webhooks.list_endpoints(runtime(), OPERATOR, user_id=user_id, app_key=app_key)


@webhooks_group.command("show")
@click.argument("endpoint_id", type=int)
@output()
def show(endpoint_id: int) -> Any:
    """Show one endpoint."""
    return webhooks.get_endpoint(runtime(), OPERATOR, endpoint_id)


@webhooks_group.command("update")
@click.argument("endpoint_id", type=int)
@click.option("--url", help="New URL.")
@click.option("--events", help="New comma-separated event types (* for all).")
@click.option("--enable/--disable", "enabled", default=None, help="Whether it receives events.")
@output()
def update(endpoint_id: int, url: str | None, events: str | None, enabled: bool | None) -> Any:
    """Change an endpoint's URL, event filter or state."""
    command = UpdateEndpoint(endpoint_id, url=url, event_types=_types(events), enabled=enabled)
    return webhooks.update_endpoint(runtime(), OPERATOR, command)


@webhooks_group.command("rotate-secret")
@click.argument("endpoint_id", type=int)
@click.option(
    "--overlap-hours",
    type=float,
    default=24.0,
    show_default=True,
    help="How long the current secrets keep signing beside the new one (0: retire them now).",
)
@output()
def rotate_secret(endpoint_id: int, overlap_hours: float) -> Any:
    """Create a new signing secret and print it (the only time it is shown)."""
    overlap = round(timedelta(hours=overlap_hours).total_seconds())
    rotated = webhooks.rotate_secret(runtime(), OPERATOR, RotateSecret(endpoint_id, overlap_seconds=overlap))
    return _shown_once(rotated)


@webhooks_group.command("delete")
@click.argument("endpoint_id", type=int)
@output()
def delete(endpoint_id: int) -> Any:
    """Delete an endpoint, its secrets and its delivery log."""
    webhooks.delete_endpoint(runtime(), OPERATOR, endpoint_id)
    return {"id": endpoint_id, "deleted": True}


@webhooks_group.command("deliveries")
@click.argument("endpoint_id", type=int)
@click.option("--status", type=click.Choice(["pending", "succeeded", "failed"]))
@click.option("--page", default=1, show_default=True)
@click.option("--page-size", default=50, show_default=True)
@output(
    table(
        Column("ID", "id"),
        Column("EVENT", "event_type"),
        Column("STATUS", "status"),
        Column("ATTEMPTS", "attempt_count"),
        Column("LAST CODE", "last_response_code"),
        Column("NEXT ATTEMPT", "next_attempt_at"),
        Column("LAST ERROR", "last_error", wrap=True),
        Column("CREATED", "created_at"),
    )
)
def deliveries(endpoint_id: int, status: str | None, page: int, page_size: int) -> Any:
    """An endpoint's deliveries, newest first, each with its attempts (status, response code, latency, error)."""
    return webhooks.list_deliveries(runtime(), OPERATOR, endpoint_id, PageRequest(page, page_size), status=status)


@webhooks_group.command("redeliver")
@click.argument("delivery_id", type=int)
@output()
def redeliver(delivery_id: int) -> Any:
    """Queue an attempt of a delivery now (a worker sends it)."""
    return webhooks.redeliver(runtime(), OPERATOR, delivery_id)
