"""Webhook endpoint management: owners, validation, secrets at rest, rotation, isolation, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fapiao.auth import credentials
from fapiao.domain.errors import Conflict, DomainError, NotFound, Reason, ValidationFailed
from fapiao.domain.webhooks import MAX_ENDPOINTS
from fapiao.runtime import Runtime, build_runtime
from fapiao.settings import Profile, Settings
from fapiao.store.tables import AuditEvent, WebhookEndpoint, WebhookSecret
from fapiao.usecases.actor import OPERATOR
from fapiao.webhooks import service as webhooks
from fapiao.webhooks.commands import CreateEndpoint, RotateSecret, UpdateEndpoint
from tests import factories

URL = "https://93.184.215.14/hooks"  # a public address: accepted everywhere, without DNS


def _rows(rt: Runtime) -> tuple[int, int]:
    with rt.db.transaction() as session:
        return (
            session.scalar(select(func.count()).select_from(WebhookEndpoint)) or 0,
            session.scalar(select(func.count()).select_from(WebhookSecret)) or 0,
        )


def test_create_shows_the_secret_once_and_keeps_it_sealed(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    created = webhooks.create_endpoint(
        runtime, OPERATOR, CreateEndpoint(URL, user_id=who.user_id, event_types=("title.reviewed",))
    )
    view = created.endpoint
    assert (view.url, view.event_types, view.enabled, view.user_id, view.app_key) == (
        URL,
        ["title.reviewed"],
        True,
        who.user_id,
        None,
    )
    assert created.secret.startswith("whsec_") and len(created.secret) == 38
    assert len(view.secrets) == 1 and view.secrets[0].expires_at is None
    with runtime.db.transaction() as session:
        sealed = session.scalars(select(WebhookSecret.secret_sealed)).one()
        audit_rows = [repr((a.before, a.after)) for a in session.scalars(select(AuditEvent))]
    assert created.secret not in sealed and runtime.box.open(sealed) == created.secret
    assert not any(created.secret in row for row in audit_rows)
    assert created.secret not in repr(webhooks.get_endpoint(runtime, OPERATOR, view.id))
    assert webhooks.list_endpoints(runtime, OPERATOR, user_id=who.user_id) == [
        webhooks.get_endpoint(runtime, OPERATOR, view.id)
    ]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://93.184.215.14/x", "http or https"),
        ("https://user:pass@93.184.215.14/x", "credentials"),
        ("https://token@93.184.215.14/x", "credentials"),
        ("https:///path-only", "no host"),
        ("https://93.184.215.14:99999/x", "invalid port"),
        ("https://93.184.215.14/x#frag", "fragment"),
        ("", "1 to 2048"),
    ],
)
def test_bad_urls_are_refused_and_change_nothing(runtime: Runtime, url: str, message: str) -> None:
    who = factories.customer(runtime)
    with pytest.raises(ValidationFailed) as refused:
        webhooks.create_endpoint(runtime, OPERATOR, CreateEndpoint(url, user_id=who.user_id))
    assert refused.value.field == "url" and message in refused.value.message
    assert _rows(runtime) == (0, 0)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hooks",
        "http://localhost/hooks",
        "http://10.1.2.3/hooks",
        "http://192.168.0.10/hooks",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://0.0.0.0/hooks",
        "http://100.64.0.1/hooks",
    ],
)
def test_production_refuses_private_targets_and_the_sandbox_allows_them(
    settings: Settings, runtime: Runtime, url: str
) -> None:
    who = factories.customer(runtime)
    production = build_runtime(Settings(**{**settings.model_dump(), "profile": Profile.PRODUCTION}))
    try:
        with pytest.raises(ValidationFailed) as refused:
            webhooks.create_endpoint(production, OPERATOR, CreateEndpoint(url, user_id=who.user_id))
        assert "private, loopback or reserved" in refused.value.message
        assert _rows(runtime) == (0, 0)
    finally:
        production.close()
    assert webhooks.create_endpoint(runtime, OPERATOR, CreateEndpoint(url, user_id=who.user_id)).endpoint.url == url
    allowed = build_runtime(
        Settings(**{**settings.model_dump(), "profile": Profile.PRODUCTION, "webhook_allow_private": True})
    )
    try:
        assert webhooks.create_endpoint(allowed, OPERATOR, CreateEndpoint(url, user_id=who.user_id)).endpoint.url == url
    finally:
        allowed.close()


def test_unresolvable_hosts_are_refused_in_production(settings: Settings, runtime: Runtime) -> None:
    who = factories.customer(runtime)
    production = build_runtime(Settings(**{**settings.model_dump(), "profile": Profile.PRODUCTION}))
    try:
        with pytest.raises(ValidationFailed, match="cannot be resolved"):
            webhooks.create_endpoint(
                production, OPERATOR, CreateEndpoint("https://no-such-host.invalid/x", user_id=who.user_id)
            )
    finally:
        production.close()


def test_owner_and_event_type_rules(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    app = factories.provider_app(runtime)
    with pytest.raises(ValidationFailed, match="exactly one owner"):
        webhooks.create_endpoint(runtime, OPERATOR, CreateEndpoint(URL, user_id=who.user_id, app_key=app.app.app_key))
    with pytest.raises(ValidationFailed, match="exactly one owner"):
        webhooks.create_endpoint(runtime, OPERATOR, CreateEndpoint(URL))
    with pytest.raises(ValidationFailed) as unknown:
        webhooks.create_endpoint(
            runtime, OPERATOR, CreateEndpoint(URL, user_id=who.user_id, event_types=("title.eaten",))
        )
    assert unknown.value.field == "event_types" and "title.eaten" in unknown.value.message
    with pytest.raises(NotFound):
        webhooks.create_endpoint(runtime, OPERATOR, CreateEndpoint(URL, user_id=404))
    with pytest.raises(NotFound):
        webhooks.create_endpoint(runtime, OPERATOR, CreateEndpoint(URL, app_key="nope"))
    assert _rows(runtime) == (0, 0)
    everything = webhooks.create_endpoint(
        runtime, OPERATOR, CreateEndpoint(URL, user_id=who.user_id, event_types=("*", "x"))
    )
    assert everything.endpoint.event_types == ["*"]
    provider = webhooks.create_endpoint(runtime, OPERATOR, CreateEndpoint(URL, app_key=app.app.app_key))
    assert (provider.endpoint.app_key, provider.endpoint.user_id) == (app.app.app_key, None)
    assert webhooks.list_endpoints(runtime, OPERATOR, app_key=app.app.app_key) == [provider.endpoint]


def test_an_owner_has_a_bounded_number_of_endpoints(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    for _ in range(MAX_ENDPOINTS):
        webhooks.create_endpoint(runtime, OPERATOR, CreateEndpoint(URL, user_id=who.user_id))
    with pytest.raises(Conflict) as refused:
        webhooks.create_endpoint(runtime, OPERATOR, CreateEndpoint(URL, user_id=who.user_id))
    assert refused.value.reason is Reason.LIMIT_REACHED


def test_update_rotate_and_delete(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    created = webhooks.create_endpoint(runtime, OPERATOR, CreateEndpoint(URL, user_id=who.user_id))
    endpoint_id = created.endpoint.id
    changes = UpdateEndpoint(endpoint_id, url=URL + "/v2", event_types=("application.filed",), enabled=False)
    updated = webhooks.update_endpoint(runtime, OPERATOR, changes)
    assert (updated.url, updated.event_types, updated.enabled) == (URL + "/v2", ["application.filed"], False)
    with pytest.raises(ValidationFailed):
        webhooks.update_endpoint(runtime, OPERATOR, UpdateEndpoint(endpoint_id, url="gopher://x", enabled=True))
    assert webhooks.get_endpoint(runtime, OPERATOR, endpoint_id) == updated  # a refused change changes nothing
    rotated = webhooks.rotate_secret(runtime, OPERATOR, RotateSecret(endpoint_id, overlap_seconds=2 * 3600))
    old, new = rotated.endpoint.secrets[1], rotated.endpoint.secrets[0]
    assert new.expires_at is None and old.expires_at is not None
    assert timedelta(hours=1, minutes=59) < old.expires_at - new.created_at <= timedelta(hours=2)
    with pytest.raises(ValidationFailed):
        webhooks.rotate_secret(runtime, OPERATOR, RotateSecret(endpoint_id, overlap_seconds=8 * 86400))
    again = webhooks.rotate_secret(runtime, OPERATOR, RotateSecret(endpoint_id, overlap_seconds=0))
    assert len(again.endpoint.secrets) == 1 and len({created.secret, rotated.secret, again.secret}) == 3
    webhooks.delete_endpoint(runtime, OPERATOR, endpoint_id)
    assert _rows(runtime) == (0, 0)
    with pytest.raises(NotFound):
        webhooks.get_endpoint(runtime, OPERATOR, endpoint_id)
    with runtime.db.transaction() as session:
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "webhook_endpoint")))
    assert actions == [
        "webhook_endpoint.create",
        "webhook_endpoint.update",
        "webhook_endpoint.rotate_secret",
        "webhook_endpoint.rotate_secret",
        "webhook_endpoint.delete",
    ]


def test_customers_see_only_their_own_endpoints(runtime: Runtime) -> None:
    alice, bob = factories.customer(runtime), factories.customer(runtime)
    app = factories.provider_app(runtime)
    alice_actor = credentials.resolve_access_key(runtime, alice.key_id).actor
    mine = webhooks.create_endpoint(runtime, alice_actor, CreateEndpoint(URL, user_id=alice.user_id))
    bobs = webhooks.create_endpoint(runtime, OPERATOR, CreateEndpoint(URL, user_id=bob.user_id))
    webhooks.create_endpoint(runtime, OPERATOR, CreateEndpoint(URL, app_key=app.app.app_key))
    assert [e.id for e in webhooks.list_endpoints(runtime, alice_actor)] == [mine.endpoint.id]
    attempts: list[DomainError] = []
    for call in (
        lambda: webhooks.get_endpoint(runtime, alice_actor, bobs.endpoint.id),
        lambda: webhooks.update_endpoint(runtime, alice_actor, UpdateEndpoint(bobs.endpoint.id, enabled=False)),
        lambda: webhooks.rotate_secret(runtime, alice_actor, RotateSecret(bobs.endpoint.id)),
        lambda: webhooks.delete_endpoint(runtime, alice_actor, bobs.endpoint.id),
        lambda: webhooks.create_endpoint(runtime, alice_actor, CreateEndpoint(URL, user_id=bob.user_id)),
        lambda: webhooks.create_endpoint(runtime, alice_actor, CreateEndpoint(URL, app_key=app.app.app_key)),
    ):
        with pytest.raises(NotFound) as hidden:
            call()
        attempts.append(hidden.value)
    assert len(attempts) == 6
    assert webhooks.get_endpoint(runtime, OPERATOR, bobs.endpoint.id).enabled
