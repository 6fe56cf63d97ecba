"""The metrics page and the readiness probe of a real server, as an operator's Prometheus and orchestrator see
them: after each kind of call the page holds its series with the right labels and values, on both stores."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from fapiao.runtime import Runtime, build_runtime
from fapiao.settings import Settings
from tests import factories
from tests.conftest import ENGINES
from tests.integration.provider.support import CONSUME, new_app, new_application, new_merchant, signed
from tests.support.rpc import v1_query
from tests.support.server import ServerProcess
from tests.support.stores import store_copy

pytestmark = pytest.mark.slow

Sample = tuple[str, frozenset[tuple[str, str]]]
OWN_RATE_ROUTE = "rest:GET /api/v1/addresses"


def scrape(url: str, token: str | None = None) -> dict[Sample, float]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(url, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(page: dict[Sample, float], name: str, **labels: str) -> float:
    return page.get((name, frozenset(labels.items())), 0.0)


class Page:
    """The metrics page before a step; ``delta`` is how much a series grew since."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.before = scrape(url)

    def delta(self, name: str, **labels: str) -> float:
        return value(scrape(self.url), name, **labels) - value(self.before, name, **labels)


def basic(key_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key_id}:{secret}".encode()).decode()}


@pytest.fixture(scope="module", params=ENGINES)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Runtime, str]]:
    data_dir = tmp_path_factory.mktemp("metrics") / "data"
    with store_copy(request, data_dir) as url:
        settings = Settings(data_dir=data_dir, database_url=url)
        runtime = build_runtime(settings)
        env = {"FAPIAO_RATE_LIMITING": "true", "FAPIAO_RATE_LIMITS": json.dumps({OWN_RATE_ROUTE: "1/hour"})}
        server = ServerProcess(settings, "--no-webhook-worker", env=env)
        server.start()
        try:
            yield runtime, server.url
        finally:
            server.stop()
            runtime.close()


# --- Alibaba Cloud RPC ------------------------------------------------------------------------------------------


def test_an_alibaba_call_is_counted_and_timed_by_its_action(served: tuple[Runtime, str]) -> None:
    rt, url = served
    who = factories.customer(rt)
    page = Page(url + "/metrics")
    assert httpx.get(url + "/", params=v1_query(who.key_id, who.secret)).status_code == 200
    ok = {"protocol": "aliyun", "action": "QueryInvoicingCustomerList"}
    assert page.delta("fapiao_requests_total", **ok, status="200", error="") == 1
    assert page.delta("fapiao_request_duration_seconds_count", **ok) == 1
    assert page.delta("fapiao_request_duration_seconds_bucket", **ok, le="+Inf") == 1


def test_a_signature_failure_is_counted_by_its_code_and_reason(served: tuple[Runtime, str]) -> None:
    rt, url = served
    who = factories.customer(rt)
    page = Page(url + "/metrics")
    refused = httpx.get(url + "/", params=v1_query(who.key_id, "not-the-secret"))
    assert refused.json()["Code"] == "SignatureDoesNotMatch"
    labels = {"protocol": "aliyun", "action": "QueryInvoicingCustomerList"}
    assert page.delta("fapiao_requests_total", **labels, status="400", error="SignatureDoesNotMatch") == 1
    assert page.delta("fapiao_auth_failures_total", protocol="aliyun", reason="bad_signature") == 1
    assert page.delta("fapiao_auth_failures_total", protocol="aliyun", reason="unknown_key") == 0


def test_a_replayed_nonce_is_a_replay_refusal(served: tuple[Runtime, str]) -> None:
    rt, url = served
    who = factories.customer(rt)
    query = v1_query(who.key_id, who.secret)
    page = Page(url + "/metrics")
    assert httpx.get(url + "/", params=query).status_code == 200
    assert httpx.get(url + "/", params=query).json()["Code"] == "SignatureNonceUsed"
    assert page.delta("fapiao_replays_refused_total", protocol="aliyun") == 1
    assert page.delta("fapiao_auth_failures_total", protocol="aliyun", reason="replayed_nonce") == 1


def test_unknown_keys_and_actions_keep_the_labels_bounded(served: tuple[Runtime, str]) -> None:
    _rt, url = served
    page = Page(url + "/metrics")
    assert httpx.get(url + "/", params=v1_query("LTAInobody", "x")).json()["Code"] == "InvalidAccessKeyId.NotFound"
    for made_up in ("Nope1", "Nope2"):
        answer = httpx.get(url + "/", params=v1_query("LTAInobody", "x", action=made_up))
        assert answer.json()["Code"] == "InvalidAction.NotFound"
    assert page.delta("fapiao_auth_failures_total", protocol="aliyun", reason="unknown_key") == 1
    labels = {"protocol": "aliyun", "action": "unknown", "status": "404", "error": "InvalidAction.NotFound"}
    assert page.delta("fapiao_requests_total", **labels) == 2
    assert "Nope1" not in httpx.get(url + "/metrics").text


# --- TOP ----------------------------------------------------------------------------------------------------------


def test_a_top_call_and_a_top_signature_failure(served: tuple[Runtime, str]) -> None:
    rt, url = served
    app = new_app(rt)
    page = Page(url + "/metrics")
    consumed = httpx.post(url + "/router/rest", data=signed(app, CONSUME), timeout=10).json()
    assert "tmc_messages_consume_response" in consumed
    forged = {**signed(app, CONSUME), "sign": "0" * 32}
    assert httpx.post(url + "/router/rest", data=forged, timeout=10).json()["error_response"]["code"] == 25
    labels = {"protocol": "top", "action": CONSUME, "status": "200"}
    assert page.delta("fapiao_requests_total", **labels, error="") == 1
    assert page.delta("fapiao_requests_total", **labels, error="25") == 1
    assert page.delta("fapiao_request_duration_seconds_count", protocol="top", action=CONSUME) == 2
    assert page.delta("fapiao_auth_failures_total", protocol="top", reason="bad_signature") == 1


def test_the_tmc_backlog_counts_messages_not_yet_confirmed(served: tuple[Runtime, str]) -> None:
    rt, url = served
    app = new_app(rt)
    merchant = new_merchant(rt, app)
    page = Page(url + "/metrics")
    new_application(rt, merchant)  # puts its message on the app's queue
    assert page.delta("fapiao_tmc_backlog") == 1
    assert ("fapiao_webhook_backlog", frozenset()) in page.before
    assert ("fapiao_outbox_backlog", frozenset()) in page.before


# --- REST ---------------------------------------------------------------------------------------------------------


def test_rest_calls_are_counted_by_route_template(served: tuple[Runtime, str]) -> None:
    rt, url = served
    who = factories.customer(rt)
    page = Page(url + "/metrics")
    with httpx.Client(base_url=url, headers=basic(who.key_id, who.secret), timeout=10) as client:
        assert client.get("/api/v1/titles").status_code == 200
        assert client.get("/api/v1/titles/987654").status_code == 404
        assert client.get("/api/v1/no-such-route").status_code == 404
    listed = {"protocol": "rest", "action": "GET /api/v1/titles", "status": "200", "error": ""}
    assert page.delta("fapiao_requests_total", **listed) == 1
    missing = {"protocol": "rest", "action": "GET /api/v1/titles/{title_id}", "status": "404", "error": "NotFound"}
    assert page.delta("fapiao_requests_total", **missing) == 1
    assert page.delta("fapiao_requests_total", protocol="rest", action="unknown", status="404", error="NotFound") == 1


def test_rest_authentication_failures_and_throttled_calls(served: tuple[Runtime, str]) -> None:
    rt, url = served
    who = factories.customer(rt)
    page = Page(url + "/metrics")
    assert httpx.get(url + "/api/v1/titles", headers=basic(who.key_id, "wrong")).status_code == 401
    assert httpx.get(url + "/api/v1/titles", headers=basic("LTAInobody", "x")).status_code == 401
    assert httpx.get(url + "/api/v1/titles").status_code == 401
    assert page.delta("fapiao_auth_failures_total", protocol="rest", reason="bad_signature") == 1
    assert page.delta("fapiao_auth_failures_total", protocol="rest", reason="unknown_key") == 1
    assert page.delta("fapiao_auth_failures_total", protocol="rest", reason="missing_credentials") == 1
    unauthenticated = {"protocol": "rest", "action": "GET /api/v1/titles", "status": "401", "error": "Unauthenticated"}
    assert page.delta("fapiao_requests_total", **unauthenticated) == 3

    with httpx.Client(base_url=url, headers=basic(who.key_id, who.secret), timeout=10) as client:
        assert client.get("/api/v1/addresses").status_code == 200
        assert client.get("/api/v1/addresses").status_code == 429  # the route's own rate: 1/hour
    assert page.delta("fapiao_throttled_total", protocol="rest", scope="action") == 1
    limited = {"protocol": "rest", "action": "GET /api/v1/addresses", "status": "429", "error": "TooManyRequests"}
    assert page.delta("fapiao_requests_total", **limited) == 1


# --- readiness ----------------------------------------------------------------------------------------------------


def test_a_migrated_store_is_ready(served: tuple[Runtime, str]) -> None:
    _rt, url = served
    ready = httpx.get(url + "/readyz")
    assert (ready.status_code, ready.text) == (200, "ok")
    assert httpx.get(url + "/healthz").text == "ok"
