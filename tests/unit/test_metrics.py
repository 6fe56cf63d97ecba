"""The request layer of the metrics: what it counts, by which labels, and what it leaves out."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from prometheus_client import REGISTRY
from starlette.types import Message, Receive, Scope, Send

from fapiao import metrics
from fapiao.metrics import Instrumented, Protocol


def requests(**labels: str) -> float:
    return REGISTRY.get_sample_value("fapiao_requests_total", labels) or 0.0


def run(app: Instrumented, scope: Scope | None = None) -> None:
    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message: Message) -> None:
        return None

    base = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    asyncio.run(app({**base, **(scope or {})}, receive, send))


def answering(status: int, action: str | None = None, error: str | None = None, *, then_raise: bool = False):  # type: ignore[no-untyped-def]
    async def app(scope: Scope, _receive: Receive, send: Send) -> None:
        metrics.note(scope, action, error)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        if then_raise:  # Starlette's error middleware answers 500, then raises
            raise RuntimeError("after the answer")

    return app


def test_a_request_is_counted_by_the_action_and_error_its_gateway_noted() -> None:
    action = f"Action{uuid.uuid4().hex[:8]}"
    run(Instrumented(answering(400, action, "SignatureDoesNotMatch"), Protocol.ALIYUN))
    labels = {"protocol": "aliyun", "action": action, "status": "400", "error": "SignatureDoesNotMatch"}
    assert requests(**labels) == 1
    histogram = {"protocol": "aliyun", "action": action}
    assert REGISTRY.get_sample_value("fapiao_request_duration_seconds_count", histogram) == 1


def test_without_a_noted_action_the_route_template_or_unknown() -> None:
    class Route:
        path = f"/api/v1/things/{{thing_id}}/{uuid.uuid4().hex[:6]}"

    before = requests(protocol="rest", action="unknown", status="404", error="NotFound")
    run(Instrumented(answering(200), Protocol.REST), {"route": Route()})
    run(Instrumented(answering(404, None, "NotFound"), Protocol.REST))
    assert requests(protocol="rest", action=f"GET {Route.path}", status="200", error="") == 1
    assert requests(protocol="rest", action="unknown", status="404", error="NotFound") == before + 1


def test_an_answer_followed_by_an_exception_is_counted_and_a_request_never_answered_is_not() -> None:
    action = f"Action{uuid.uuid4().hex[:8]}"
    with pytest.raises(RuntimeError):
        run(Instrumented(answering(500, action, "InternalError", then_raise=True), Protocol.ALIYUN))
    assert requests(protocol="aliyun", action=action, status="500", error="InternalError") == 1

    async def gone(scope: Scope, _receive: Receive, _send: Send) -> None:
        metrics.note(scope, action, None)  # the client left before the answer

    run(Instrumented(gone, Protocol.ALIYUN))
    timed = {"protocol": "aliyun", "action": action}
    assert REGISTRY.get_sample_value("fapiao_request_duration_seconds_count", timed) == 1


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
