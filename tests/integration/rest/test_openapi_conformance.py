"""The REST API answers what its own OpenAPI document declares, for every operation, on both stores.

schemathesis generates requests from ``/api/v1/openapi.json`` (valid ones and, fewer, invalid ones) and
checks each answer: never a server error (invalid input included), a declared status, the declared content
type, and a body that validates against the declared schema. It runs as a customer (HTTP
Basic) against the customer operations and as the operator (bearer token) against ``/admin``, in process
over the ASGI app, over a store seeded with one record of each kind so reads find something to answer with.
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.types import ASGIApp

from fapiao.protocols.rest.app import create_rest_app
from fapiao.runtime import Runtime
from fapiao.settings import Settings
from fapiao.usecases.actor import OPERATOR
from fapiao.webhooks import service as webhooks
from fapiao.webhooks.commands import CreateEndpoint
from tests import factories

TOKEN = "conformance-operator-token"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 3}  # bounded: the whole file runs in ~30 s


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, operator_token=TOKEN)


@pytest.fixture
def customer(runtime: Runtime) -> factories.Customer:
    """A customer with one of each record: title, address, item, application, webhook endpoint."""
    who = factories.customer(runtime, nick="conformance")
    factories.provider_app(runtime)
    factories.address(runtime, who)
    factories.filed_application(runtime, who)
    webhooks.create_endpoint(runtime, OPERATOR, CreateEndpoint("https://93.184.215.14/hook", user_id=who.user_id))
    return who


@pytest.fixture
def app(runtime: Runtime) -> ASGIApp:
    return create_rest_app(runtime)


def test_customer_operations_answer_as_declared(app: ASGIApp, customer: factories.Customer) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app).exclude(tag="admin")
    _conforms(schema, _basic(customer))


def test_operator_operations_answer_as_declared(app: ASGIApp, customer: factories.Customer) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app).include(tag="admin")
    _conforms(schema, {"Authorization": f"Bearer {TOKEN}"})


def _basic(who: factories.Customer) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{who.key_id}:{who.secret}".encode()).decode()}


def _conforms(schema: Any, headers: dict[str, str]) -> None:
    """Run the checks on every operation of ``schema``; fail listing every operation that broke one."""
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    for operation in operations:
        for mode, examples in EXAMPLES.items():

            @hypothesis.settings(
                max_examples=examples,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @hypothesis.given(case=operation.as_strategy(mode))
            def answers_as_declared(case: schemathesis.Case[Any]) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                answers_as_declared()
            except (Exception, BaseExceptionGroup) as exc:  # collected, reported together below
                failures.append(f"{operation.label} ({mode}): {exc}")
    assert not failures, "\n\n".join(failures)


def test_answers_hold_exactly_the_declared_fields(app: ASGIApp, customer: factories.Customer) -> None:
    """No internal row id or undeclared field leaks, and every declared field is there (the schemas above
    allow extra properties, so this is checked by name)."""
    asyncio.run(_exact_fields(app, customer))


async def _exact_fields(app: ASGIApp, customer: factories.Customer) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver/api/v1", auth=customer.basic) as api:
        components = (await api.get("/openapi.json")).json()["components"]["schemas"]

        async def fields(path: str) -> set[str]:
            answer = (await api.get(path)).json()
            first = answer["items"][0] if isinstance(answer, dict) and "items" in answer else answer
            return set(first[0] if isinstance(first, list) else first)

        for path, model in [
            ("/applications", "ApplicationOut"),
            ("/titles", "TitleOut"),
            ("/addresses", "AddressOut"),
            ("/invoiceable-items", "ItemOut"),
            ("/audit-events", "AuditOut"),
            ("/account", "AccountOut"),
            ("/webhook-endpoints", "EndpointOut"),
        ]:
            assert await fields(path) == set(components[model]["properties"]), path
        application = (await api.get("/applications")).json()["items"][0]
        assert "id" not in application and application["created_at"].endswith("Z")
