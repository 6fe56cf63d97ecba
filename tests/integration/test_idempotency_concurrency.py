"""Both idempotency mechanisms under concurrent retries against a real server, on both stores: a REST
``Idempotency-Key`` and an ApplyInvoice ``ClientToken`` each file exactly once, every duplicate answers the
same application, and none gets a server fault. (On PostgreSQL the duplicates used to run in parallel: up
to 18 applications per REST key, and unique-index violations answered as ``InternalError``.)"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from alibabacloud_tea_openapi.utils import Utils
from alibabacloud_tea_openapi.utils_models import Config, OpenApiRequest, Params
from darabonba.runtime import RuntimeOptions

from fapiao.applications import service as applications
from fapiao.items import service as items
from fapiao.runtime import Runtime
from fapiao.usecases.actor import OPERATOR
from fapiao.usecases.pagination import PageRequest
from tests import factories
from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow

REST_RETRIES = 24
RPC_RETRIES = 64


def _filer(runtime: Runtime) -> tuple[factories.Customer, int, int]:
    """A customer with an approved title and one 250.00 item, and a default provider app to route to."""
    factories.provider_app(runtime)
    who = factories.customer(runtime)
    title = factories.approved_title(runtime, who)
    billed = factories.item(runtime, who, original_fen=250_00)
    return who, title.id, billed.id


def _in_parallel(count: int, call: Any) -> list[Any]:
    """``call(n)`` from ``count`` threads released at once."""
    start = threading.Barrier(count)

    def run(n: int) -> Any:
        start.wait()
        return call(n)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def _filed_for(runtime: Runtime, who: factories.Customer) -> list[str]:
    page = applications.list_applications(runtime, OPERATOR, PageRequest(1, 100), user_id=who.user_id)
    return [view.apply_id for view in page.items]


def test_parallel_rest_posts_with_one_idempotency_key_file_once(server: ServerProcess, runtime: Runtime) -> None:
    who, title_id, item_id = _filer(runtime)
    body = {"title_id": title_id, "item_ids": [item_id], "amount_fen": 100_00}

    def post(_n: int) -> httpx.Response:
        headers = {"Idempotency-Key": "one-filing"}
        return httpx.post(f"{server.url}/api/v1/applications", json=body, auth=who.basic, headers=headers, timeout=120)

    responses = _in_parallel(REST_RETRIES, post)

    assert [r.status_code for r in responses] == [201] * REST_RETRIES, [r.text for r in responses]
    answered = {r.json()["apply_id"] for r in responses}
    assert len(answered) == 1
    replayed = sorted(r.headers.get("idempotent-replayed", "") for r in responses)
    assert replayed == [""] + ["true"] * (REST_RETRIES - 1)  # one ran, every other one replayed it
    assert _filed_for(runtime, who) == list(answered)
    assert items.get_item(runtime, OPERATOR, item_id).reserved_fen == 100_00  # reserved once


def _apply_invoice(endpoint: str, who: factories.Customer, query: dict[str, Any]) -> dict[str, Any]:
    """ApplyInvoice through the real SDK's generic ``call_api`` (its typed request has no ``ClientToken``)."""
    config = Config(access_key_id=who.key_id, access_key_secret=who.secret, endpoint=endpoint, protocol="http")
    params = Params(
        action="ApplyInvoice",
        version="2017-12-14",
        protocol="HTTPS",
        pathname="/",
        method="POST",
        auth_type="AK",
        style="RPC",
        req_body_type="formData",
        body_type="json",
    )
    request = OpenApiRequest(query=Utils.query(query))
    options = RuntimeOptions(read_timeout=120_000, connect_timeout=120_000)
    try:
        result: dict[str, Any] = OpenApiClient(config).call_api(params, request, options)
    except AlibabaCloudException as error:
        return {"status": error.status_code, "code": error.code}
    return {"status": result["statusCode"], "apply_id": result["body"]["Data"]["InvoiceApplyId"]}


def test_parallel_apply_invoice_with_one_client_token_files_once(server: ServerProcess, runtime: Runtime) -> None:
    who, title_id, item_id = _filer(runtime)
    query = {
        "CustomerId": title_id,
        "ApplyUserNick": "retry",
        "InvoiceAmount": 10_00,
        "InvoiceByAmount": "TRUE",
        "SelectedIds": [item_id],
        "ClientToken": "123e4567-e89b-12d3-a456-426655440000",
    }
    endpoint = server.url.removeprefix("http://")

    answers = _in_parallel(RPC_RETRIES, lambda _n: _apply_invoice(endpoint, who, query))

    assert all("apply_id" in a and a["status"] == 200 for a in answers), answers  # no fault, no refusal
    answered = {str(a["apply_id"]) for a in answers}
    assert len(answered) == 1
    assert _filed_for(runtime, who) == list(answered)
    assert items.get_item(runtime, OPERATOR, item_id).reserved_fen == 10_00  # reserved once
