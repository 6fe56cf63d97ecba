"""The REST API through a real ``fapiao serve`` process, on both databases."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import httpx
import pytest

from fapiao.accounts import service as accounts
from fapiao.accounts.commands import AttachPolicy, CreateAccessKey, CreateRamUser
from fapiao.runtime import Runtime
from fapiao.titles import service as titles
from fapiao.titles.commands import Decision, ReviewTitle
from fapiao.usecases.actor import OPERATOR
from tests import factories
from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.fixture
def alice(runtime: Runtime) -> factories.Customer:
    return factories.customer(runtime, nick="alice")


@pytest.fixture
def api(server: ServerProcess, alice: factories.Customer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url + "/api/v1", auth=alice.basic, timeout=10) as client:
        yield client


def _error(response: httpx.Response, status: int) -> dict[str, str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "request_id"} and body["request_id"]
    return body["error"]  # type: ignore[no-any-return]


def test_requests_need_valid_credentials(server: ServerProcess, alice: factories.Customer) -> None:
    url = server.url + "/api/v1/titles"
    assert _error(httpx.get(url), 401)["code"] == "Unauthenticated"
    assert httpx.get(url).headers["www-authenticate"].startswith("Basic")
    assert _error(httpx.get(url, auth=(alice.key_id, "wrong")), 401)["code"] == "Unauthenticated"
    garbage = {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()}
    assert _error(httpx.get(url, headers=garbage), 401)["code"] == "Unauthenticated"
    assert httpx.get(url, auth=alice.basic).status_code == 200


def test_title_lifecycle_over_http(api: httpx.Client, runtime: Runtime) -> None:
    created = api.post("/titles", json={"invoice_title": "示例科技有限公司", "register_no": "91350100M000100Y43"})
    assert created.status_code == 201, created.text
    title = created.json()
    assert title["status"] == "applying" and title["user_nick"] == "alice"
    patched = api.patch(f"/titles/{title['id']}", json={"bank": "招商银行"})
    assert patched.json()["data"]["bank"] == "招商银行"
    titles.review_title(runtime, OPERATOR, ReviewTitle(title["id"], Decision.APPROVE))
    change = api.post(f"/titles/{title['id']}/changes", json={"default_remark": "PO 1"})
    assert change.json()["pending_change"]["default_remark"] == "PO 1"
    assert api.post(f"/titles/{title['id']}/withdraw").json()["status"] == "approved"
    assert api.get(f"/titles/{title['id']}").json()["data"]["default_remark"] == ""


def test_bad_input_gets_a_json_error_naming_the_field_and_changes_nothing(api: httpx.Client) -> None:
    assert _error(api.post("/titles", json={"register_no": "x"}), 400) == {
        "code": "MissingParameter",
        "message": "invoice_title: Field required",
        "field": "invoice_title",
    }
    assert _error(api.post("/titles", json={"invoice_title": "x", "colour": "red"}), 400)["field"] == "colour"
    assert (
        _error(
            api.post("/titles", json={"invoice_title": "x", "register_no": "91350100M000100Y43", "end_cycle": 202400}),
            400,
        )["field"]
        == "end_cycle"
    )
    assert (
        _error(api.post("/titles", content=b"{not json", headers={"content-type": "application/json"}), 400)["code"]
        == "InvalidParameter"
    )
    title = {"invoice_title": "x", "register_no": "91350100M000100Y43"}
    for field, value in [("default_remark", "x" * 451), ("issue_type", 2**31), ("invoice_title", "")]:
        assert _error(api.post("/titles", json={**title, field: value}), 400)["field"] == field  # CreateTitle's
    assert _error(api.patch("/titles/1", json={"title_id": 2}), 400)["field"] == "title_id"  # the URL's only
    address = {"addressee": "张三", "phone": "1", "province": "浙江省", "city": "杭州市", "street": "文一西路"}
    assert _error(api.post("/addresses", json={**address, "postal_code": "3111"}), 400)["field"] == "postal_code"
    assert _error(api.patch("/addresses/1", json={"postal_code": "abcdef"}), 400)["field"] == "postal_code"
    assert api.get("/addresses").json()["total"] == 0
    assert _error(api.get("/titles", params={"page_size": 1000}), 400)["field"] == "page_size"
    assert _error(api.get("/titles", params={"status": "sleeping"}), 400)["field"] == "status"
    assert _error(api.get("/titles/abc"), 400)["field"] == "title_id"
    assert _error(api.get("/titles/999999"), 404)["code"] == "NotFound"
    assert _error(api.delete("/titles/1"), 405)["code"] == "MethodNotAllowed"
    assert api.get("/titles").json()["total"] == 0


def test_idempotency_key_replays_the_first_answer(api: httpx.Client) -> None:
    body = {"invoice_title": "幂等公司", "register_no": "91350100M000100Y43"}
    first = api.post("/titles", json=body, headers={"Idempotency-Key": "k-1"})
    again = api.post("/titles", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    other = api.post("/titles", json={**body, "invoice_title": "别的公司"}, headers={"Idempotency-Key": "k-1"})
    assert _error(other, 409)["code"] == "IdempotencyKeyReused"
    assert api.get("/titles").json()["total"] == 1


def test_every_write_with_an_idempotency_key_runs_once_and_replays(
    api: httpx.Client, runtime: Runtime, alice: factories.Customer
) -> None:
    """Each keyed write runs its use case inside the unit that reserved the key; on SQLite (one connection) a
    use case opening a connection of its own there would hang until the pool timed out."""

    def twice(method: str, path: str, key: str, **kwargs: object) -> dict[str, object]:
        first = api.request(method, path, headers={"Idempotency-Key": key}, **kwargs)  # type: ignore[arg-type]
        again = api.request(method, path, headers={"Idempotency-Key": key}, **kwargs)  # type: ignore[arg-type]
        assert first.status_code < 300 and again.status_code == first.status_code, (first.text, again.text)
        assert "idempotent-replayed" not in first.headers and again.headers["idempotent-replayed"] == "true"
        assert again.json() == first.json()
        return first.json()  # type: ignore[no-any-return]

    upload = {"data": {"kind": "taxation_license"}, "files": {"file": ("执照.jpg", JPEG, "image/jpeg")}}
    twice("POST", "/documents", "doc", **upload)
    where = {"addressee": "张三", "phone": "18588888888", "province": "浙江省", "city": "杭州市", "street": "文一西路"}
    address = twice("POST", "/addresses", "addr", json=where)
    twice("PATCH", f"/addresses/{address['id']}", "addr-edit", json={"county": "余杭区"})
    title = twice("POST", "/titles", "title", json={"invoice_title": "幂等公司", "register_no": factories.VALID_USCC})
    twice("PATCH", f"/titles/{title['id']}", "title-edit", json={"bank": "招商银行"})
    titles.review_title(runtime, OPERATOR, ReviewTitle(int(str(title["id"])), Decision.APPROVE))
    twice("POST", f"/titles/{title['id']}/changes", "title-change", json={"default_remark": "PO 1"})
    twice("POST", f"/titles/{title['id']}/withdraw", "title-withdraw")
    hook = twice("POST", "/webhook-endpoints", "hook", json={"url": "https://93.184.215.14/a"})
    twice("PATCH", f"/webhook-endpoints/{hook['id']}", "hook-edit", json={"enabled": False})
    rotated = twice("POST", f"/webhook-endpoints/{hook['id']}/rotate-secret", "hook-rotate")
    assert rotated["secret"] != hook["secret"]
    once = ("document.upload", "address.update", "title.create", "title.change", "webhook_endpoint.rotate_secret")
    for action in once:
        assert api.get("/audit-events", params={"action": action}).json()["total"] == 1, action


def test_pagination_and_filters(api: httpx.Client, runtime: Runtime, alice: factories.Customer) -> None:
    for n in range(7):
        factories.approved_title(runtime, alice, invoice_title=f"公司{n}") if n % 2 else api.post(
            "/titles", json={"invoice_title": f"公司{n}", "register_no": "91350100M000100Y43"}
        )
    page = api.get("/titles", params={"page": 2, "page_size": 3}).json()
    assert page["total"] == 7 and [t["data"]["invoice_title"] for t in page["items"]] == ["公司3", "公司4", "公司5"]
    approved = api.get("/titles", params={"status": "approved"}).json()
    assert [t["data"]["invoice_title"] for t in approved["items"]] == ["公司1", "公司3", "公司5"]
    assert api.get("/titles", params={"search": "公司6"}).json()["total"] == 1


def test_documents_addresses_items_and_audit(api: httpx.Client, runtime: Runtime, alice: factories.Customer) -> None:
    uploaded = api.post(
        "/documents", data={"kind": "taxation_license"}, files={"file": ("执照.jpg", JPEG, "image/jpeg")}
    )
    assert uploaded.status_code == 201, uploaded.text
    download = api.get(f"/documents/{uploaded.json()['id']}")
    assert download.content == JPEG and download.headers["content-type"] == "image/jpeg"
    refused = api.post(
        "/documents", data={"kind": "taxation_license"}, files={"file": ("a.jpg", b"GIF89a", "image/gif")}
    )
    assert _error(refused, 400)["field"] == "file"
    title = api.post(
        "/titles",
        json={"invoice_title": "有执照公司", "register_no": "91350100M000100Y43", "taxation_license": "执照.jpg"},
    )
    assert title.status_code == 201, title.text

    address = api.post(
        "/addresses",
        json={
            "addressee": "张三",
            "phone": "18588888888",
            "province": "浙江省",
            "city": "杭州市",
            "street": "文一西路969号",
        },
    ).json()
    assert address["delivery_address"] == "浙江省杭州市文一西路969号"
    assert api.patch(f"/addresses/{address['id']}", json={"county": "余杭区"}).json()["data"]["county"] == "余杭区"
    assert api.delete(f"/addresses/{address['id']}").status_code == 204
    assert api.get("/addresses").json()["total"] == 0

    factories.item(runtime, alice, original_fen=250_00)
    factories.item(runtime, alice, original_fen=100_00, offset_fen=100_00)
    listed = api.get("/invoiceable-items", params={"amount": 2}).json()
    assert listed["total"] == 1 and listed["total_can_invoice_fen"] == 250_00
    assert _error(api.get("/invoiceable-items", params={"bill_cycle": "2026/10"}), 400)["field"] == "bill_cycle"

    actions = [e["action"] for e in api.get("/audit-events").json()["items"]]
    assert actions[:4] == ["item.create", "item.create", "address.delete", "address.update"]
    assert "account.create" in actions


def test_accounts_are_isolated_and_ram_users_need_a_policy(
    server: ServerProcess, runtime: Runtime, alice: factories.Customer
) -> None:
    bob = factories.customer(runtime, nick="bob")
    title = factories.approved_title(runtime, alice)
    with httpx.Client(base_url=server.url + "/api/v1", auth=bob.basic) as client:
        assert _error(client.get(f"/titles/{title.id}"), 404)["code"] == "NotFound"
        assert client.get("/titles").json()["total"] == 0
    accounts.create_ram_user(runtime, OPERATOR, CreateRamUser(alice.user_id, "reader"))
    key = accounts.create_access_key(runtime, OPERATOR, CreateAccessKey(alice.user_id, "reader"))
    with httpx.Client(base_url=server.url + "/api/v1", auth=(key.key.key_id, key.secret)) as client:
        denied = _error(client.get("/titles"), 403)
        assert denied["code"] == "Forbidden" and "fapiao:ListTitles" in denied["message"]
        lists = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "fapiao:List*", "Resource": "*"}]}
        accounts.attach_policy(runtime, OPERATOR, AttachPolicy(alice.user_id, "reader", "read", json.dumps(lists)))
        assert client.get("/titles").json()["total"] == 1
        assert (
            _error(client.post("/titles", json={"invoice_title": "x", "register_no": "91350100M000100Y43"}), 403)[
                "code"
            ]
            == "Forbidden"
        )


def test_openapi_document_and_docs_page(server: ServerProcess) -> None:
    spec = httpx.get(server.url + "/api/v1/openapi.json").json()
    assert {"/api/v1/titles", "/api/v1/addresses", "/api/v1/invoiceable-items", "/api/v1/audit-events"} <= set(
        spec["paths"]
    )
    assert "HTTPBasic" in spec["components"]["securitySchemes"]
    page = httpx.get(server.url + "/api/docs")
    assert page.status_code == 200 and "openapi.json" in page.text


def test_provider_and_webhook_bodies_refuse_what_their_commands_refuse(
    server: ServerProcess, api: httpx.Client
) -> None:
    url = "https://example.com/fapiao/webhooks"
    too_many = _error(api.post("/webhook-endpoints", json={"url": url, "event_types": ["*"] * 65}), 400)
    assert (too_many["code"], too_many["field"]) == ("InvalidParameter", "event_types")
    assert _error(api.post("/webhook-endpoints", json={"url": url, "user_id": 1}), 400)["field"] == "user_id"
    assert _error(api.patch("/webhook-endpoints/1", json={"url": "x" * 2049}), 400)["field"] == "url"
    rotation = api.post("/webhook-endpoints/1/rotate-secret", json={"overlap_seconds": 7 * 86400 + 1})
    assert _error(rotation, 400)["field"] == "overlap_seconds"
    missing = _error(api.post("/provider-authorizations", json={}), 400)
    assert (missing["code"], missing["field"]) == ("MissingParameter", "app_key")
    assert _error(api.post("/provider-authorizations", json={"app_key": "1" * 33}), 400)["field"] == "app_key"
    assert api.get("/webhook-endpoints").json() == []

    schemas = httpx.get(server.url + "/api/v1/openapi.json").json()["components"]["schemas"]
    assert set(schemas["CreateProviderApp"]["properties"]) == {"name", "default"}
    assert schemas["RouteAccount"]["required"] == ["app_key"]
    assert set(schemas["CreateEndpoint"]["properties"]) == {"url", "event_types"}
    assert schemas["CreateEndpoint"]["properties"]["event_types"]["maxItems"] == 64


def test_data_survives_a_server_restart(server: ServerProcess, api: httpx.Client) -> None:
    created = api.post("/titles", json={"invoice_title": "持久公司", "register_no": "91350100M000100Y43"}).json()
    server.restart()
    assert api.get(f"/titles/{created['id']}").json()["data"]["invoice_title"] == "持久公司"
