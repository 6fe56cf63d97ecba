"""The customer and operator sides outside TOP: the REST API (customers file and follow applications and
authorise apps; operators manage apps with the bearer token) and the ``fapiao`` CLI."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from fapiao.accounts import service as accounts
from fapiao.accounts.commands import AttachPolicy, CreateAccessKey, CreateRamUser
from fapiao.store.tables import IdempotencyRecord
from fapiao.usecases.actor import OPERATOR
from tests import factories

from .conftest import Stack
from .support import GET, App, call_json, signed

pytestmark = pytest.mark.slow

TOKEN = "operator-token-for-tests"
server_env = {"FAPIAO_OPERATOR_TOKEN": TOKEN}


@pytest.fixture
def admin(stack: Stack) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=stack.url + "/api/v1/admin", headers=headers, timeout=10) as client:
        yield client


def test_operators_manage_apps_and_customers_authorise_them(stack: Stack, admin: httpx.Client) -> None:
    assert httpx.get(stack.url + "/api/v1/admin/provider-apps").status_code == 401
    wrong = httpx.get(stack.url + "/api/v1/admin/provider-apps", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401

    created = admin.post("/provider-apps", json={"name": "REST 服务商"})
    assert created.status_code == 201, created.text
    app_key, secret = created.json()["app"]["app_key"], created.json()["app_secret"]
    listed = admin.get("/provider-apps").json()
    assert app_key in [a["app_key"] for a in listed] and "app_secret" not in str(listed)
    assert secret not in (stack.settings.data_dir / f"server-{stack.server.port}.log").read_text()
    assert admin.post(f"/provider-apps/{app_key}/default").json()["is_default"] is True

    who = factories.customer(stack.runtime)
    routed = admin.put(f"/provider-apps/routing/{who.user_id}", json={"app_key": app_key})
    assert routed.json() == {"user_id": who.user_id, "app_key": app_key}
    with httpx.Client(base_url=stack.url + "/api/v1", auth=who.basic, timeout=10) as api:
        key = {"Idempotency-Key": "authorise-1"}
        granted = api.post("/provider-authorizations", json={"app_key": app_key}, headers=key)
        assert granted.status_code == 201, granted.text
        session = granted.json()["session"]
        again = api.post("/provider-authorizations", json={"app_key": app_key}, headers=key)
        assert again.headers["idempotent-replayed"] == "true" and again.json()["session"] == session
        with stack.runtime.db.reads() as connection:  # the replayable answer holds the session key encrypted
            stored = connection.execute(select(IdempotencyRecord.body)).scalars().all()
        assert stored and not any(session.encode() in body for body in stored)
        unknown = api.post("/provider-authorizations", json={"app_key": "00000000"})
        assert unknown.status_code == 404
    filed = factories.filed_application(stack.runtime, who)
    app = App(app_key, secret, 0)
    body = call_json(stack.url, signed(app, GET, apply_id=filed.apply_id, session=session))
    assert body["alibaba_einvoice_invoiceapply_get_response"]["result"]["apply_id"] == filed.apply_id


def test_customers_file_list_and_read_their_applications(stack: Stack, admin: httpx.Client) -> None:
    app_key = admin.post("/provider-apps", json={"name": "列表服务商"}).json()["app"]["app_key"]
    alice, bob = factories.customer(stack.runtime), factories.customer(stack.runtime)
    admin.put(f"/provider-apps/routing/{alice.user_id}", json={"app_key": app_key})
    title = factories.approved_title(stack.runtime, alice)
    item = factories.item(stack.runtime, alice, original_fen=300_00)
    request = {"title_id": title.id, "item_ids": [item.id], "amount_fen": 100_00}
    with httpx.Client(base_url=stack.url + "/api/v1", auth=alice.basic, timeout=10) as api:
        first = api.post("/applications", json=request, headers={"Idempotency-Key": "k1"})
        replay = api.post("/applications", json=request, headers={"Idempotency-Key": "k1"})
        assert first.status_code == replay.status_code == 201
        assert replay.headers["idempotent-replayed"] == "true" and replay.json() == first.json()
        second = api.post("/applications", json={**request, "amount_fen": 200_01})
        assert (
            second.status_code == 400 and second.json()["error"]["field"] == "amount_fen"
        )  # the domain name, not a wire name
        application = first.json()
        assert (application["status"], application["app_key"], application["amount_fen"]) == ("pending", app_key, 10000)
        assert application["history"][0]["to_status"] == "pending"
        listed = api.get("/applications", params={"status": "pending"}).json()
        assert [a["apply_id"] for a in listed["items"]] == [application["apply_id"]]
        assert api.get("/applications", params={"status": "completed"}).json()["total"] == 0
        assert api.get("/applications", params={"status": "bogus"}).status_code == 400
    with httpx.Client(base_url=stack.url + "/api/v1", auth=bob.basic, timeout=10) as api:
        assert api.get(f"/applications/{application['apply_id']}").status_code == 404
        assert api.get("/applications").json()["total"] == 0


def test_ram_users_need_the_application_permissions(stack: Stack) -> None:
    who = factories.customer(stack.runtime)
    accounts.create_ram_user(stack.runtime, OPERATOR, CreateRamUser(who.user_id, "bot"))
    key = accounts.create_access_key(stack.runtime, OPERATOR, CreateAccessKey(who.user_id, "bot"))
    reader = '{"Version":"1","Statement":[{"Effect":"Allow","Action":["fapiao:ListApplications"],"Resource":"*"}]}'
    accounts.attach_policy(stack.runtime, OPERATOR, AttachPolicy(who.user_id, "bot", "read", reader))
    with httpx.Client(base_url=stack.url + "/api/v1", auth=(key.key.key_id, key.secret), timeout=10) as api:
        assert api.get("/applications").status_code == 200
        assert api.post("/applications", json={"title_id": 1, "item_ids": [1]}).status_code == 403


def test_cli_providers_and_applications(stack: Stack) -> None:
    cli = stack.cli
    created = cli.json("providers", "create", "--name", "CLI 服务商")
    assert set(created) >= {"app_key", "app_secret"} and len(created["app_secret"]) >= 32
    app_key = created["app_key"]
    listed_apps = cli.json("providers", "list")
    assert app_key in [a["app_key"] for a in listed_apps] and "app_secret" not in str(listed_apps)
    assert cli.json("providers", "set-default", app_key)["is_default"] is True
    who = factories.customer(stack.runtime)
    assert cli.json("providers", "route", "--account", str(who.user_id), "--app", app_key)["app_key"] == app_key
    session = cli.json("providers", "authorize", "--app", app_key, "--account", str(who.user_id))
    assert session["session"] and session["user_id"] == who.user_id
    assert cli.run("providers", "route", "--account", str(who.user_id)).returncode == 2  # --app or --default

    title = factories.approved_title(stack.runtime, who)
    item = factories.item(stack.runtime, who, original_fen=500_00)
    filed = cli.json(
        "applications", "file", "--account", str(who.user_id), "--title", str(title.id), "--item", str(item.id),
        "--amount", "120.50",
    )  # fmt: skip
    apply_id = filed["apply_id"]
    assert (filed["amount_fen"], filed["medium"], filed["app_key"]) == (120_50, "electronic", app_key)
    assert cli.error("applications", "update-status", apply_id, "--status", "completed")["code"] == "IllegalTransition"
    cli.json("applications", "update-status", apply_id, "--status", "invoicing", "--message", "同意")
    done = cli.json("applications", "update-status", apply_id, "--status", "completed", "--invoice-no", "88888")
    assert (done["status"], done["invoice_no"]) == ("completed", "88888")
    assert [h["to_status"] for h in done["history"]] == ["pending", "invoicing", "completed"]
    listed = cli.json("applications", "list", "--account", str(who.user_id), "--status", "completed")
    assert [a["apply_id"] for a in listed["items"]] == [apply_id]
    assert cli.json("providers", "route", "--account", str(who.user_id), "--default")["app_key"] is None
