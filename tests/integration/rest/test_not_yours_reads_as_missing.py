"""Another account's record answers exactly like a record that does not exist: same status, code, field and
message (but for the id asked about), on every REST resource with an id, through a real server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from fapiao.runtime import Runtime
from fapiao.usecases.actor import OPERATOR
from fapiao.webhooks import deliveries
from fapiao.webhooks import service as webhooks
from fapiao.webhooks.commands import CreateEndpoint
from tests import factories
from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
MISSING = 987_654  # no record of any kind has this id here

# (method, path with {id}, JSON body) per resource; bodies are valid, so only the lookup can refuse them
REQUESTS: dict[str, list[tuple[str, str, dict[str, Any] | None]]] = {
    "title": [
        ("GET", "/titles/{id}", None),
        ("PATCH", "/titles/{id}", {"bank": "招商银行"}),
        ("POST", "/titles/{id}/changes", {"default_remark": "PO 1"}),
        ("POST", "/titles/{id}/withdraw", None),
    ],
    "address": [
        ("GET", "/addresses/{id}", None),
        ("PATCH", "/addresses/{id}", {"city": "杭州市"}),
        ("DELETE", "/addresses/{id}", None),
    ],
    "item": [("GET", "/invoiceable-items/{id}", None)],
    "application": [("GET", "/applications/{id}", None)],
    "document": [("GET", "/documents/{id}", None)],
    "endpoint": [
        ("GET", "/webhook-endpoints/{id}", None),
        ("PATCH", "/webhook-endpoints/{id}", {"enabled": False}),
        ("POST", "/webhook-endpoints/{id}/rotate-secret", {}),
        ("GET", "/webhook-endpoints/{id}/deliveries", None),
        ("DELETE", "/webhook-endpoints/{id}", None),
    ],
    "delivery": [("POST", "/webhook-deliveries/{id}/redeliver", None)],
}


@pytest.fixture
def bobs(server: ServerProcess, runtime: Runtime) -> dict[str, str]:
    """One record of each kind, all bob's."""
    bob = factories.customer(runtime, nick="bob")
    factories.provider_app(runtime)
    endpoint = webhooks.create_endpoint(
        runtime, OPERATOR, CreateEndpoint("https://93.184.215.14/hook", user_id=bob.user_id)
    ).endpoint
    application = factories.filed_application(runtime, bob, address_id=factories.address(runtime, bob).id)
    deliveries.dispatch(runtime)
    with httpx.Client(base_url=server.url + "/api/v1", auth=bob.basic, timeout=10) as client:
        files = {"file": ("执照.jpg", JPEG, "image/jpeg")}
        document = client.post("/documents", data={"kind": "taxation_license"}, files=files)
        assert document.status_code == 201, document.text
        delivery = client.get(f"/webhook-endpoints/{endpoint.id}/deliveries").json()["items"][0]
    return {
        "title": str(factories.approved_title(runtime, bob).id),
        "address": str(factories.address(runtime, bob).id),
        "item": str(factories.item(runtime, bob).id),
        "application": application.apply_id,
        "document": str(document.json()["id"]),
        "endpoint": str(endpoint.id),
        "delivery": str(delivery["id"]),
    }


@pytest.fixture
def alice_api(server: ServerProcess, runtime: Runtime) -> Iterator[httpx.Client]:
    alice = factories.customer(runtime, nick="alice")
    with httpx.Client(base_url=server.url + "/api/v1", auth=alice.basic, timeout=10) as client:
        yield client


def _answer(client: httpx.Client, method: str, path: str, body: dict[str, Any] | None, asked: str) -> dict[str, Any]:
    """Status and error, with the id asked about written as ``{id}``."""
    response = client.request(method, path.format(id=asked), json=body)
    error = response.json()["error"]
    return {"status": response.status_code, **error, "message": error["message"].replace(asked, "{id}")}


def test_another_accounts_record_answers_like_one_that_does_not_exist(
    bobs: dict[str, str], alice_api: httpx.Client
) -> None:
    # One server for every resource (a server per resource costs more than the requests).
    differing = []
    for kind, requests in REQUESTS.items():
        missing = "A" + str(MISSING) if kind == "application" else str(MISSING)
        for method, path, body in requests:
            not_yours = _answer(alice_api, method, path, body, bobs[kind])
            absent = _answer(alice_api, method, path, body, missing)
            assert absent["status"] == 404 and absent["code"] == "NotFound", (method, path, absent)
            if not_yours != absent:
                differing.append((method, path, not_yours, absent))
    assert differing == []
