"""Provider apps, sessions and routing: operator-only use cases refuse every other actor."""

from __future__ import annotations

import pytest

from fapiao.domain.errors import Conflict, NotFound, PermissionDenied, Reason, ValidationFailed
from fapiao.providers import service as providers
from fapiao.providers.views import RouteView
from fapiao.runtime import Runtime
from fapiao.usecases.actor import OPERATOR, SYSTEM, Actor, ActorKind
from tests import factories

CUSTOMER = Actor(ActorKind.ACCOUNT, "c", 1, user_id=1)
RAM_USER = Actor(ActorKind.RAM_USER, "r", 1, ram_user_id=1)
PROVIDER = Actor(ActorKind.PROVIDER, "12345678")


@pytest.mark.parametrize("actor", [CUSTOMER, RAM_USER, PROVIDER], ids=["customer", "ram_user", "provider"])
def test_operator_functions_refuse_everyone_else(runtime: Runtime, actor: Actor) -> None:
    app = factories.provider_app(runtime)
    who = factories.customer(runtime)
    attempts = (
        lambda: providers.create_app(runtime, actor, "另一家"),
        lambda: providers.set_default(runtime, actor, app.app.app_key),
        lambda: providers.route(runtime, actor, who.user_id, app.app.app_key),
        lambda: providers.list_apps(runtime, actor),
    )
    for attempt in attempts:
        with pytest.raises(PermissionDenied) as refused:
            attempt()
        assert refused.value.reason is Reason.FORBIDDEN
    assert [a.app_key for a in providers.list_apps(runtime, OPERATOR)] == [app.app.app_key]  # nothing changed


def test_one_default_app_and_unique_keys(runtime: Runtime) -> None:
    first = providers.create_app(runtime, OPERATOR, " 甲 ", default=True)
    second = providers.create_app(runtime, SYSTEM, "乙", default=True, app_key="87654321", app_secret="s" * 32)
    assert (second.app.app_key, second.app_secret, first.app.name) == ("87654321", "s" * 32, "甲")
    assert [a.is_default for a in providers.list_apps(runtime, OPERATOR)] == [False, True]
    assert providers.set_default(runtime, OPERATOR, first.app.app_key).is_default
    assert [a.is_default for a in providers.list_apps(runtime, OPERATOR)] == [True, False]
    with pytest.raises(Conflict):
        providers.create_app(runtime, OPERATOR, "丙", app_key="87654321")
    with pytest.raises(ValidationFailed) as nameless:
        providers.create_app(runtime, OPERATOR, "  ")
    assert nameless.value.field == "name"
    with pytest.raises(NotFound):
        providers.set_default(runtime, OPERATOR, "nope")


def test_routing_and_sessions(runtime: Runtime) -> None:
    default = factories.provider_app(runtime)
    other = factories.provider_app(runtime, "另一家", default=False)
    who = factories.customer(runtime)
    assert providers.route(runtime, OPERATOR, who.user_id, other.app.app_key) == RouteView(
        who.user_id, other.app.app_key
    )
    assert factories.filed_application(runtime, who).app_key == other.app.app_key
    assert providers.route(runtime, OPERATOR, who.user_id, None) == RouteView(who.user_id, None)
    assert factories.filed_application(runtime, who).app_key == default.app.app_key
    with pytest.raises(NotFound):
        providers.route(runtime, OPERATOR, who.user_id, "nope")
    own = Actor(ActorKind.ACCOUNT, "c", who.account_id, user_id=who.user_id)
    granted = providers.authorize(runtime, own, default.app.app_key, who.user_id, session_key="s-1")
    assert (granted.session, granted.app_key, granted.user_id) == ("s-1", default.app.app_key, who.user_id)
    stranger = factories.customer(runtime)
    with pytest.raises(NotFound):  # another account's authorisation reads as not found
        providers.authorize(runtime, own, default.app.app_key, stranger.user_id)
