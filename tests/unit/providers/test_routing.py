"""Operators register provider apps and route accounts to them; a customer's new application goes to its
account's app, else to the default app, and filing says so when no provider can take it."""

from __future__ import annotations

import pytest

from fapiao.domain.errors import Conflict, Reason, ValidationFailed
from fapiao.providers import service as providers
from fapiao.runtime import Runtime
from fapiao.usecases.actor import OPERATOR
from tests import factories


def test_an_app_needs_a_name_and_a_unique_key(runtime: Runtime) -> None:
    with pytest.raises(ValidationFailed) as blank:
        providers.create_app(runtime, OPERATOR, "  ")
    assert blank.value.field == "name"
    first = providers.create_app(runtime, OPERATOR, " 服务商 ", app_key="12345678", app_secret="s" * 32)
    assert (first.app.app_key, first.app.name, first.app_secret) == ("12345678", "服务商", "s" * 32)
    with pytest.raises(Conflict) as taken:
        providers.create_app(runtime, OPERATOR, "another", app_key="12345678")
    assert taken.value.field == "app_key"


def test_there_is_one_default_app_and_new_applications_go_to_it(runtime: Runtime) -> None:
    first = factories.provider_app(runtime, "first")
    second = providers.create_app(runtime, OPERATOR, "second")
    who = factories.customer(runtime)
    assert factories.filed_application(runtime, who).app_key == first.app.app_key
    assert providers.set_default(runtime, OPERATOR, second.app.app_key).is_default
    defaults = [app.app_key for app in providers.list_apps(runtime, OPERATOR) if app.is_default]
    assert defaults == [second.app.app_key]
    assert factories.filed_application(runtime, who).app_key == second.app.app_key


def test_routing_sends_an_account_to_its_app_and_back_to_the_default(runtime: Runtime) -> None:
    default = factories.provider_app(runtime, "default")
    special = providers.create_app(runtime, OPERATOR, "special")
    who, other = factories.customer(runtime), factories.customer(runtime)
    routed = providers.route(runtime, OPERATOR, who.user_id, special.app.app_key)
    assert (routed.user_id, routed.app_key) == (who.user_id, special.app.app_key)
    assert factories.filed_application(runtime, who).app_key == special.app.app_key
    assert factories.filed_application(runtime, other).app_key == default.app.app_key
    providers.route(runtime, OPERATOR, who.user_id, special.app.app_key)  # routing again replaces the rule
    providers.route(runtime, OPERATOR, who.user_id, None)
    assert factories.filed_application(runtime, who).app_key == default.app.app_key


def test_filing_without_any_provider_is_refused_as_unavailable(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    with pytest.raises(Conflict) as caught:
        factories.filed_application(runtime, who)
    assert caught.value.reason is Reason.UNAVAILABLE and caught.value.field == "provider"
