"""``fapiao demo`` seeds a provider app, a session and the application of the seed's documented example:
``invoiceapply.get`` of it answers the seed's response field for field, in JSON and in XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest

from .conftest import Stack, fixtures_dir
from .support import CONSUME, GET, App, call, call_json, signed

pytestmark = pytest.mark.slow

SEED_XML = (fixtures_dir() / "seed_003_invoiceapply_get.xml").read_text()
NUMBERS = {"status", "item_type", "invoice_type", "total_count"}  # the fields the doc types as Number
LIST_LAYERS = {"user_invoice_item_d_t_o"}


def as_json(element: ET.Element) -> Any:
    """The seed's XML example in TOP's JSON form (same names, Numbers as numbers, list layers as arrays)."""
    if len(element) == 0:
        text = (element.text or "").strip()
        return int(text) if element.tag in NUMBERS else text
    out: dict[str, Any] = {}
    for child in element:
        value = as_json(child)
        if child.tag in LIST_LAYERS:
            out.setdefault(child.tag, []).append(value)
        else:
            out[child.tag] = value
    return out


def flat(root: ET.Element) -> list[tuple[str, str]]:
    return [(e.tag, (e.text or "").strip()) for e in root.iter() if e.tag != "request_id"]


@pytest.fixture(scope="module")
def demo(stack: Stack) -> dict[str, Any]:
    first: dict[str, Any] = stack.cli.json("demo")["top"]
    assert stack.cli.json("demo")["top"] == first  # idempotent, same credentials reprinted
    return first


def test_demo_document_names_the_provider_side(demo: dict[str, Any]) -> None:
    assert set(demo) == {"app_key", "app_secret", "session", "apply_id"}
    assert (demo["app_key"], demo["apply_id"]) == ("12345678", "123456ABC")


def test_demo_get_equals_the_seed_example_in_json(stack: Stack, demo: dict[str, Any]) -> None:
    app = App(demo["app_key"], demo["app_secret"], 0)
    body = call_json(stack.url, signed(app, GET, sign_method="hmac", apply_id="123456ABC", session=demo["session"]))
    seed = ET.fromstring(SEED_XML)  # noqa: S314 - checked-in fixture
    response = body[seed.tag]
    assert response.pop("request_id")
    expected = as_json(seed)
    assert json.dumps(response, ensure_ascii=False) == json.dumps(expected, ensure_ascii=False)  # order too
    assert response["result"]["invoice_amount"] == "250.00" and response["result"]["status"] == 1


def test_demo_get_equals_the_seed_example_in_xml(stack: Stack, demo: dict[str, Any]) -> None:
    app = App(demo["app_key"], demo["app_secret"], 0)
    response = call(stack.url, signed(app, GET, fmt="xml", apply_id="123456ABC"), get=True)
    root = ET.fromstring(response.content)  # noqa: S314 - our own server's output
    assert root.findtext("request_id")
    assert flat(root) == flat(ET.fromstring(SEED_XML))  # noqa: S314


def test_demo_application_was_announced(stack: Stack, demo: dict[str, Any]) -> None:
    app = App(demo["app_key"], demo["app_secret"], 0)
    messages = call_json(stack.url, signed(app, CONSUME))["tmc_messages_consume_response"]["messages"]["tmc_message"]
    assert [json.loads(m["content"]) for m in messages] == [
        {"apply_id": "123456ABC", "company_name": "阿里巴巴", "payee_register_no": "91009182039X"}
    ]


def test_a_sandbox_without_an_operator_token_has_no_admin_api(stack: Stack) -> None:
    response = httpx.get(stack.url + "/api/v1/admin/provider-apps", headers={"Authorization": "Bearer x"})
    assert response.status_code == 401
    assert "FAPIAO_OPERATOR_TOKEN" in response.json()["error"]["message"]
