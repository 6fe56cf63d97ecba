"""The calls the benchmark drives, built from a seeded store's credentials and fixtures."""

from __future__ import annotations

import itertools
import json
import socket
from dataclasses import dataclass

from bench import presign
from bench.stores import POOL, Store

TOP_ERROR = '"error_response"'


@dataclass(frozen=True)
class Call:
    name: str
    kind: str  # read | write
    signer: presign.Signer
    error_pattern: str = ""
    cap: int | None = None  # at most this many requests per step (a write pool's size)


def fapiao_calls(store: Store) -> list[Call]:
    demo = store.info["demo"]["aliyun"]
    fixtures = store.info["fixtures"]
    key = presign.AliyunKey(demo["access_key_id"], demo["access_key_secret"])
    top = fixtures["top"]
    app = presign.TopApp(top["app_key"], top["app_secret"], top.get("session"))
    apply = {
        "CustomerId": str(demo["title_id"]),
        "AddressId": str(demo["address_id"]),
        "ApplyUserNick": "bench",
        "InvoiceAmount": "1",
        "InvoiceByAmount": "True",
        "ProcessWay": "1",
        "SelectedIds.1": str(fixtures["item_id"]),
    }
    pool = itertools.count()
    ex_info = json.dumps({"message": "同意开票"}, ensure_ascii=False)

    def next_update() -> dict[str, str]:
        return {"apply_id": f"P{next(pool) % POOL}", "status": "2", "ex_info": ex_info}

    return [
        Call("v3 QueryInvoicingCustomerList", "read", presign.aliyun_v3(key, "QueryInvoicingCustomerList", {})),
        Call("v1 QueryInvoicingCustomerList", "read", presign.aliyun_v1(key, "QueryInvoicingCustomerList", {})),
        Call(
            "TOP invoiceapply.get (md5)",
            "read",
            presign.top_md5(app, "alibaba.einvoice.invoiceapply.get", {"apply_id": str(fixtures["apply_id"])}),
            TOP_ERROR,
        ),
        Call("v3 ApplyInvoice", "write", presign.aliyun_v3(key, "ApplyInvoice", apply)),
        Call(
            "TOP invoiceapply.update (md5)",
            "write",
            presign.top_md5(app, "alibaba.einvoice.invoiceapply.update", next_update),
            TOP_ERROR,
            cap=POOL,
        ),
    ]


def baseline_calls() -> dict[str, Call]:
    # The bare Starlette endpoint gets the very bytes of Fapiao's signed v3 read (same request size and
    # headers); it verifies nothing, by design.
    dummy = presign.AliyunKey("LTAI5tBenchmarkBaseline1", "secret")
    return {
        "starlette": Call("bare Starlette JSON", "read", presign.aliyun_v3(dummy, "QueryInvoicingCustomerList", {})),
        "moto": Call("moto STS GetCallerIdentity (SigV4)", "read", presign.sts_get_caller_identity(), "<Error>"),
    }


def probe(host: str, call: Call) -> tuple[bool, str]:
    """Send one freshly signed request; (accepted, status line + start of the body)."""
    raw = call.signer(host).encode(host)
    hostname, _, port = host.partition(":")
    with socket.create_connection((hostname, int(port)), timeout=10) as sock:
        sock.sendall(raw)
        data = _read_response(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    text = body[:400].decode("utf-8", "replace")
    ok = 200 <= status < 300 and not (call.error_pattern and call.error_pattern in body.decode("utf-8", "replace"))
    return ok, f"{status} {text}"


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = _content_length(head)
    while length is not None and len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return None
