"""The request layer of the metrics: what it counts, by which labels, and what it leaves out."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from prometheus_client import REGISTRY
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fapiao import metrics
from fapiao.metrics import Protocol, RequestMetrics
from fapiao.protocols import access

DECLARED = "QueryInvoicingCustomerList"


def requests(**labels: str) -> float:
    return REGISTRY.get_sample_value("fapiao_requests_total", labels) or 0.0


def timed(**labels: str) -> float:
    return REGISTRY.get_sample_value("fapiao_request_duration_seconds_count", labels) or 0.0


def run(app: ASGIApp, protocol: access.Protocol, scope: Scope | None = None) -> None:
    """One request through the front door, counted by a ``RequestMetrics`` that declares ``DECLARED``."""
    observer = RequestMetrics({"aliyun": [DECLARED], "top": []})

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message: Message) -> None:
        return None

    base = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    asyncio.run(access.serve(app, {**base, **(scope or {})}, receive, send, protocol, sets_id=False, observer=observer))


def answering(status: int, action: str | None = None, error: str | None = None, *, then_raise: bool = False):  # type: ignore[no-untyped-def]
    """An app that notes its action and error code in the exchange, as the gateways do."""

    async def app(scope: Scope, _receive: Receive, send: Send) -> None:
        exchange = access.exchange_of(scope)
        assert exchange is not None
        exchange.claim(action=action)
        if error is not None:
            exchange.failed(error)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        if then_raise:  # Starlette's error middleware answers 500, then raises
            raise RuntimeError("after the answer")

    return app


ALIYUN = access.Protocol("aliyun")


def test_a_request_is_counted_by_the_action_and_error_its_exchange_holds() -> None:
    labels = {"protocol": "aliyun", "action": DECLARED, "status": "400", "error": "SignatureDoesNotMatch"}
    before, before_timed = requests(**labels), timed(protocol="aliyun", action=DECLARED)
    run(answering(400, DECLARED, "SignatureDoesNotMatch"), ALIYUN)
    assert requests(**labels) == before + 1
    assert timed(protocol="aliyun", action=DECLARED) == before_timed + 1


def test_an_action_no_catalog_declares_is_unknown() -> None:
    made_up = f"Action{uuid.uuid4().hex[:8]}"
    labels = {"protocol": "aliyun", "action": "unknown", "status": "404", "error": "InvalidAction.NotFound"}
    before = requests(**labels)
    run(answering(404, made_up, "InvalidAction.NotFound"), ALIYUN)
    assert requests(**labels) == before + 1
    assert made_up not in metrics.exposition().decode()


def test_rest_is_counted_by_its_route_template_or_unknown() -> None:
    class Route:
        path = f"/api/v1/things/{{thing_id}}/{uuid.uuid4().hex[:6]}"

    before = requests(protocol="rest", action="unknown", status="404", error="NotFound")
    run(answering(200), access.REST, {"route": Route()})
    run(answering(404, None, "NotFound"), access.REST)
    assert requests(protocol="rest", action=f"GET {Route.path}", status="200", error="") == 1
    assert requests(protocol="rest", action="unknown", status="404", error="NotFound") == before + 1


def test_requests_of_no_protocol_are_not_counted() -> None:
    path = f"/healthz-{uuid.uuid4().hex[:6]}"
    page = metrics.exposition().decode()
    run(answering(200), access.OTHER, {"path": path})
    assert 'protocol="other"' not in page
    assert 'protocol="other"' not in metrics.exposition().decode()


def test_an_answer_followed_by_an_exception_is_counted_and_a_request_never_answered_is_not() -> None:
    labels = {"protocol": "aliyun", "action": DECLARED, "status": "500", "error": "InternalError"}
    before, before_timed = requests(**labels), timed(protocol="aliyun", action=DECLARED)
    with pytest.raises(RuntimeError):
        run(answering(500, DECLARED, "InternalError", then_raise=True), ALIYUN)
    assert requests(**labels) == before + 1

    async def gone(scope: Scope, _receive: Receive, _send: Send) -> None:
        exchange = access.exchange_of(scope)
        assert exchange is not None
        exchange.claim(action=DECLARED)  # the client left before the answer

    run(gone, ALIYUN)
    assert timed(protocol="aliyun", action=DECLARED) == before_timed + 1


def test_a_replayed_nonce_is_an_auth_failure_and_a_replay() -> None:
    def count(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    failures, replays = (
        count("fapiao_auth_failures_total", protocol="aliyun", reason="replayed_nonce"),
        count("fapiao_replays_refused_total", protocol="aliyun"),
    )
    metrics.auth_failed(Protocol.ALIYUN, metrics.AuthFailure.REPLAYED_NONCE)
    metrics.auth_failed(Protocol.ALIYUN, metrics.AuthFailure.BAD_SIGNATURE)
    assert count("fapiao_auth_failures_total", protocol="aliyun", reason="replayed_nonce") == failures + 1
    assert count("fapiao_replays_refused_total", protocol="aliyun") == replays + 1


def test_the_page_holds_the_default_registry_and_the_extra_collectors() -> None:
    from prometheus_client.core import GaugeMetricFamily

    class Extra:
        def collect(self):  # type: ignore[no-untyped-def]
            yield GaugeMetricFamily("fapiao_test_extra", "A collector of the page only.", value=7)

    page = metrics.exposition([Extra()]).decode()
    assert "fapiao_test_extra 7.0" in page
    assert "fapiao_requests_total" in page or "# TYPE fapiao_requests counter" in page
    assert "fapiao_test_extra" not in metrics.exposition().decode()
