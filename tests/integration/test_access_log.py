"""Logs an operator can work with, from a real ``fapiao serve`` on both stores (issue 14): one JSON access line
per request in every protocol, failures included; the request's id the same in the response header, its body
and every line logged for it; a client's ``X-Request-ID`` kept when usable; nothing but JSON in the log."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from fapiao.runtime import Runtime
from tests import factories
from tests.integration.provider.support import GET, call, new_app, new_application, new_merchant, signed
from tests.support.rpc import v1_query
from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow

ALIYUN_ID = re.compile(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}")
TOP_ID = re.compile(r"[0-9a-z]{12,13}")
REST_ID = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")


def log_lines(server: ServerProcess) -> list[dict[str, Any]]:
    """Every line of the server's log (stdout and stderr), each of which must be a JSON object."""
    lines = []
    for number, line in enumerate(server.log.read_text(encoding="utf-8").splitlines(), 1):
        try:
            entry = json.loads(line)
        except ValueError:
            pytest.fail(f"line {number} of the server log is not JSON: {line!r}")
        assert isinstance(entry, dict), line
        lines.append(entry)
    return lines


def access_line(server: ServerProcess, request_id: str) -> dict[str, Any]:
    """The one access line of ``request_id`` (written just after the answer, so it may take a moment)."""
    deadline = time.monotonic() + 10
    while True:
        found = [e for e in log_lines(server) if e["event"] == "access" and e.get("request_id") == request_id]
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(found) == 1, f"{len(found)} access lines for {request_id}"
    return found[0]


def aliyun(server: ServerProcess, params: dict[str, str], **headers: str) -> httpx.Response:
    return httpx.get(server.url + "/", params=params, headers=headers, timeout=10)


def test_each_call_is_one_access_line_with_the_id_of_its_header_and_body(
    server: ServerProcess, runtime: Runtime
) -> None:
    who = factories.customer(runtime)
    factories.approved_title(runtime, who)
    app = new_app(runtime)
    merchant = new_merchant(runtime, app)
    apply_id = new_application(runtime, merchant).apply_id

    calls: list[tuple[httpx.Response, Callable[[httpx.Response], str], dict[str, Any]]] = []

    signed_read = aliyun(server, v1_query(who.key_id, who.secret))
    assert signed_read.status_code == 200, signed_read.text
    calls.append((signed_read, lambda r: r.json()["RequestId"], {"protocol": "aliyun", "status": 200}))
    calls[-1][2].update(action="QueryInvoicingCustomerList", caller=who.key_id)

    forged = aliyun(server, v1_query(who.key_id, "not-the-secret"))
    assert forged.status_code == 400, forged.text
    calls.append((forged, lambda r: r.json()["RequestId"], {"protocol": "aliyun", "status": 400}))
    calls[-1][2].update(action="QueryInvoicingCustomerList", caller=who.key_id, code="SignatureDoesNotMatch")

    top = call(server.url, signed(app, GET, session=merchant.session, apply_id=apply_id))
    assert "error_response" not in top.json(), top.text
    calls.append((top, lambda r: r.json()["alibaba_einvoice_invoiceapply_get_response"]["request_id"], {}))
    calls[-1][2].update(protocol="top", status=200, action=GET, caller=app.app_key)

    top_refused = call(server.url, signed(app, GET, session="no-such-session", apply_id=apply_id))
    calls.append((top_refused, lambda r: r.json()["error_response"]["request_id"], {"protocol": "top"}))
    calls[-1][2].update(status=200, action=GET, caller=app.app_key, code="27", sub_code="invalid-sessionkey")

    with httpx.Client(base_url=server.url + "/api/v1", auth=who.basic, timeout=10) as rest:
        listed, missing = rest.get("/titles"), rest.get("/titles/987654321")
    assert listed.status_code == 200, listed.text
    calls.append((listed, lambda r: "", {"protocol": "rest", "status": 200, "caller": who.key_id}))
    calls[-1][2].update(action="GET /api/v1/titles", http_method="GET", path="/api/v1/titles")

    assert missing.status_code == 404, missing.text
    calls.append((missing, lambda r: r.json()["request_id"], {"protocol": "rest", "status": 404, "code": "NotFound"}))
    calls[-1][2].update(action="GET /api/v1/titles/{title_id}", caller=who.key_id, path="/api/v1/titles/987654321")

    refused = httpx.get(server.url + "/api/v1/titles", auth=(who.key_id, "wrong"), timeout=10)
    assert refused.status_code == 401, refused.text
    calls.append((refused, lambda r: r.json()["request_id"], {"protocol": "rest", "status": 401}))
    calls[-1][2].update(action="GET /api/v1/titles", caller=who.key_id, code="Unauthenticated")

    health = httpx.get(server.url + "/healthz", timeout=10)
    calls.append((health, lambda r: "", {"protocol": "other", "status": 200, "action": None, "path": "/healthz"}))

    for response, body_id, expected in calls:
        request_id = response.headers["x-request-id"]
        assert body_id(response) in ("", request_id), response.text  # "": a body without an id
        line = access_line(server, request_id)
        assert {key: line.get(key) for key in expected} == expected, line
        if "code" not in expected:
            assert "code" not in line, line
        assert isinstance(line["duration_ms"], float | int) and line["duration_ms"] >= 0
        assert line["client"] == "127.0.0.1" and line["level"] == "info" and line["timestamp"]
    ids = [response.headers["x-request-id"] for response, _, _ in calls]
    assert len(set(ids)) == len(ids)
    assert ALIYUN_ID.fullmatch(ids[0]) and TOP_ID.fullmatch(ids[2]) and REST_ID.fullmatch(ids[4])

    whole = server.log.read_text(encoding="utf-8")
    for secret in (who.secret, app.secret, merchant.session, "not-the-secret", '"wrong"'):
        assert secret not in whole
    log_lines(server)  # every line JSON, start-up included


def test_a_clients_request_id_is_kept_when_usable_and_replaced_when_not(
    server: ServerProcess, runtime: Runtime
) -> None:
    who = factories.customer(runtime)
    app = new_app(runtime)
    merchant = new_merchant(runtime, app)
    apply_id = new_application(runtime, merchant).apply_id

    def rest(request_id: str) -> tuple[httpx.Response, str]:
        response = httpx.get(server.url + "/api/v1/titles/1", auth=(who.key_id, "wrong"), headers=given(request_id))
        assert response.status_code == 401
        return response, response.json()["request_id"]

    def rpc(request_id: str) -> tuple[httpx.Response, str]:
        response = aliyun(server, v1_query(who.key_id, who.secret), **given(request_id))
        return response, response.json()["RequestId"]

    def top(request_id: str) -> tuple[httpx.Response, str]:
        params = signed(app, GET, session=merchant.session, apply_id=apply_id)
        response = httpx.post(server.url + "/router/rest", data=params, headers=given(request_id), timeout=10)
        return response, response.json()["alibaba_einvoice_invoiceapply_get_response"]["request_id"]

    for send in (rest, rpc, top):
        name = send.__name__
        for usable in (f"{name}-0af7651916cd43dd8448eb211c80319c", f"01J9Z3K6Q8:{name}.7_x", (name + "A" * 128)[:128]):
            response, body_id = send(usable)
            assert response.headers["x-request-id"] == body_id == usable
            assert access_line(server, usable)["status"] == response.status_code
        for unusable in ("two words", "<script>", "A" * 129, "50%off", "a;b=c", ""):
            response, body_id = send(unusable)
            assert response.headers["x-request-id"] == body_id != unusable
            assert access_line(server, body_id)["status"] == response.status_code
    log_lines(server)  # every line JSON


def given(request_id: str) -> dict[str, str]:
    return {"X-Request-ID": request_id}


def test_every_line_a_failing_request_logs_carries_its_id(server: ServerProcess, runtime: Runtime) -> None:
    who = factories.customer(runtime)
    # A unique index no release has: the second title with the same bank account fails inside its insert,
    # the way any unexpected database error would, and is logged (with its traceback) by the REST app and
    # by the server.
    with runtime.db.engine.begin() as connection:
        connection.execute(text("CREATE UNIQUE INDEX test_only_titles_bank_no ON titles (bank_no)"))
    title = {
        "invoice_title": "示例科技有限公司",
        "register_no": factories.VALID_USCC,
        "invoice_kind": "special",
        "address": "杭州市余杭区文一西路969号",
        "phone": "0571-86868686",
        "bank": "招商银行杭州分行",
        "bank_no": "6222020202020202777",
    }
    with httpx.Client(base_url=server.url + "/api/v1", auth=who.basic, timeout=10) as api:
        assert api.post("/titles", json=title).status_code == 201
        failed = api.post("/titles", json=title)
    assert failed.status_code == 500
    request_id = failed.json()["request_id"]
    assert failed.headers["x-request-id"] == request_id
    line = access_line(server, request_id)
    assert (line["status"], line["code"], line["action"]) == (500, "InternalError", "POST /api/v1/titles")

    deadline = time.monotonic() + 10
    while not (errors := [e for e in log_lines(server) if e["level"] == "error"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert errors and all(entry.get("request_id") == request_id for entry in errors), errors
    assert any("Traceback" in entry.get("exception", "") for entry in errors)
    whole = server.log.read_text(encoding="utf-8")
    assert "6222020202020202777" not in whole and "0571-86868686" not in whole
