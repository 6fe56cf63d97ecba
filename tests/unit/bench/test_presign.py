"""The benchmark's pre-signed requests are accepted by the real gateways, fully authenticated: each is
answered successfully, the same request signed with another secret is refused, and a replayed Alibaba Cloud
request is refused (its nonce is checked; TOP has no nonce, only the timestamp window)."""

from __future__ import annotations

import json

import bench.presign as presign
import pytest
from bench.inprocess import invoker

from fapiao.demo import seed as demo
from fapiao.runtime import Runtime

HOST = "127.0.0.1:8080"


@pytest.fixture
def described(runtime: Runtime) -> dict[str, dict[str, str]]:
    runtime.db.upgrade()
    seeded: dict[str, dict[str, str]] = demo.seed(runtime, f"http://{HOST}")
    return seeded


def _aliyun(described: dict[str, dict[str, str]], secret: str | None = None) -> list[presign.Signer]:
    demo_key = described["aliyun"]
    key = presign.AliyunKey(demo_key["access_key_id"], secret or demo_key["access_key_secret"])
    return [
        presign.aliyun_v3(key, "QueryInvoicingCustomerList", {}),
        presign.aliyun_v1(key, "QueryInvoicingCustomerList", {}),
    ]


def _top(described: dict[str, dict[str, str]], secret: str | None = None) -> list[presign.Signer]:
    top = described.get("top")
    if not top:  # a demo without the TOP part
        return []
    app = presign.TopApp(top["app_key"], secret or top["app_secret"], top.get("session"))
    return [presign.top_md5(app, "alibaba.einvoice.invoiceapply.get", {"apply_id": str(top["apply_id"])})]


def _accepted(answer: tuple[int, bytes]) -> bool:
    status, body = answer
    document = json.loads(body)
    return status == 200 and "error_response" not in document and document.get("Code", "Success") == "Success"


def test_presigned_requests_are_accepted(runtime: Runtime, described: dict[str, dict[str, str]]) -> None:
    for signer in _aliyun(described) + _top(described):
        answer = invoker(runtime, signer(HOST))()
        assert _accepted(answer), answer


def test_a_wrong_secret_is_refused(runtime: Runtime, described: dict[str, dict[str, str]]) -> None:
    for signer in _aliyun(described, "not-the-secret") + _top(described, "not-the-secret"):
        answer = invoker(runtime, signer(HOST))()
        assert not _accepted(answer), answer


def test_a_replayed_nonce_is_refused(runtime: Runtime, described: dict[str, dict[str, str]]) -> None:
    for signer in _aliyun(described):
        call = invoker(runtime, signer(HOST))
        assert _accepted(call())
        assert not _accepted(call())
