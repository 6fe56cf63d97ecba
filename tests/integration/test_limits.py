"""Request limits on a real ``fapiao serve`` process, on both stores: oversize bodies refused unread in each
protocol's own error, unserved verbs likewise, TOP's parameter cap, slow and unfinished requests
disconnected, and a signed read that still answers while all of that is going on (issue 11)."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from fapiao.runtime import Runtime
from fapiao.settings import Settings
from tests import factories
from tests.support.rpc import v1_query
from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow

# Low, so a test waits seconds for a deadline, not minutes; the body limit keeps its default (1 MiB).
TIMEOUTS = {
    "FAPIAO_HEADER_TIMEOUT_SECONDS": "2",
    "FAPIAO_BODY_IDLE_TIMEOUT_SECONDS": "1",
    "FAPIAO_BODY_TIMEOUT_SECONDS": "3",
}
LIMIT = Settings.model_fields["max_body_bytes"].default
HUGE = 256 * 1024 * 1024
WAIT = 15.0  # how long a test waits for an answer or a close before it fails: far above every deadline


@pytest.fixture
def server(settings: Settings, runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerProcess]:
    for name, value in TIMEOUTS.items():
        monkeypatch.setenv(name, value)
    process = ServerProcess(settings)
    process.start()
    yield process
    process.stop()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def connect(server: ServerProcess) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=WAIT)


def head(method: str, target: str, *headers: str) -> bytes:
    return "\r\n".join([f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", *headers, "", ""]).encode()


def read_answer(sock: socket.socket) -> Answer:
    """One HTTP/1.1 answer with a Content-Length, read as it arrives."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed before an answer: {data!r}"
        data += chunk
    raw_head, body = data.split(b"\r\n\r\n", 1)
    status_line, *lines = raw_head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in lines)}
    while len(body) < int(headers["content-length"]):
        chunk = sock.recv(65536)
        assert chunk, "closed in the middle of an answer"
        body += chunk
    return Answer(int(status_line.split()[1]), headers, body)


def is_closed(sock: socket.socket) -> bool:
    """Whether the server closes the connection (within ``WAIT``) without answering."""
    try:
        return sock.recv(65536) == b""
    except ConnectionResetError:
        return True


OVERSIZE: list[tuple[str, str, Callable[[Answer], bool]]] = [  # path, content type, each protocol's refusal
    ("/api/v1/titles", "application/json", lambda a: (a.status, a.json()["error"]["code"]) == (413, "PayloadTooLarge")),
    ("/", "application/x-www-form-urlencoded", lambda a: (a.status, a.json()["Code"]) == (413, "RequestTooLarge")),
    (
        "/router/rest?format=json",
        "application/x-www-form-urlencoded",
        lambda a: (a.status, a.json()["error_response"]["code"]) == (200, 43),
    ),
]


def test_an_oversize_body_declared_or_streamed_is_refused_in_each_protocols_own_error(server: ServerProcess) -> None:
    def chunks() -> Iterator[bytes]:  # chunked: no Content-Length to refuse by
        for _ in range(2 * LIMIT // 65536 + 1):
            yield b"x" * 65536

    for path, content_type, refused in OVERSIZE:
        with connect(server) as sock:
            # 100 bytes of 256 MiB: a server that read the body before answering would never answer.
            sock.sendall(head("POST", path, f"Content-Type: {content_type}", f"Content-Length: {HUGE}") + b"x" * 100)
            declared = read_answer(sock)
        assert refused(declared), (path, declared)
        response = httpx.post(server.url + path, content=chunks(), headers={"content-type": content_type}, timeout=WAIT)
        streamed = Answer(response.status_code, dict(response.headers), response.content)
        assert refused(streamed), (path, streamed)
        if path.startswith("/api/"):
            assert declared.json()["request_id"] == declared.headers["x-request-id"]


def test_unserved_verbs_and_too_many_parameters_are_refused_in_each_protocols_own_error(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.url, timeout=WAIT) as client:
        rpc = client.put("/")
        assert (rpc.status_code, rpc.json()["Code"]) == (403, "UnsupportedHTTPMethod")
        top = client.delete("/router/rest", params={"format": "json"})
        assert (top.status_code, top.json()["error_response"]["code"]) == (200, 9)
        rest = client.delete("/api/v1/titles")
        assert (rest.status_code, rest.json()["error"]["code"]) == (405, "MethodNotAllowed")

        body = "&".join(f"p{n}=1" for n in range(100_000))  # under the body limit: the parameter cap answers
        assert len(body) < LIMIT
        answer = client.post(
            "/router/rest",
            params={"format": "json"},
            content=body,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        error = answer.json()["error_response"]
        assert (answer.status_code, error["code"], error["sub_msg"]) == (200, 43, "more than 2000 parameters")
        assert client.get("/healthz").text == "ok"


def test_unfinished_headers_stalled_bodies_and_oversize_headers_are_disconnected(server: ServerProcess) -> None:
    with connect(server) as unfinished, connect(server) as silent, connect(server) as stalled:
        unfinished.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never the blank line
        stalled.sendall(head("POST", "/", "Content-Type: application/x-www-form-urlencoded", "Content-Length: 100"))
        stalled.sendall(b"Action=")  # 7 of 100 bytes, then nothing
        assert is_closed(unfinished)
        assert is_closed(silent)  # connected, never sent a byte
        assert is_closed(stalled)
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        padding = b"X-Padding: " + b"a" * 1000 + b"\r\n"
        try:
            for _ in range(100):  # 100 KB of headers, never finished
                sock.sendall(padding)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused part-way: the answer was sent before the close
        assert read_answer(sock).status == 431


def rpc_read(server: ServerProcess, who: factories.Customer) -> httpx.Response:
    """A signed v1 QueryInvoicingCustomerList, as the core SDK sends it."""
    query = v1_query(who.key_id, who.secret, method="POST")
    return httpx.post(f"{server.url}/?{urlencode(query)}", timeout=WAIT)


class Pressure:
    """Attackers on their own threads until stopped: each reconnects whenever the server drops it."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.stop = threading.Event()
        self.sent: dict[str, int] = {}
        self.refusals: dict[str, list[int]] = {}
        self.threads: list[threading.Thread] = []

    def start(self, name: str, attack: Callable[[socket.socket, str], None]) -> None:
        self.sent[name] = 0

        def run() -> None:
            while not self.stop.is_set():
                try:
                    with connect(self.server) as sock:
                        attack(sock, name)
                except OSError:
                    pass  # dropped by the server: come back

        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def upload(
        self, path: str, content_type: str, *, declared: bool, start: bytes = b""
    ) -> Callable[[socket.socket, str], None]:
        """An oversize upload that never ends: a declared 256 MiB, or chunked; its body opens with ``start``."""
        framing = f"Content-Length: {HUGE}" if declared else "Transfer-Encoding: chunked"
        piece = b"x" * 65536
        frame = piece if declared else b"10000\r\n" + piece + b"\r\n"
        opening = start if declared or not start else b"%x\r\n%s\r\n" % (len(start), start)

        def attack(sock: socket.socket, name: str) -> None:
            sock.sendall(head("POST", path, f"Content-Type: {content_type}", framing) + opening)
            while not self.stop.wait(0.005):
                sock.sendall(frame)
                self.sent[name] += len(piece)
                if select.select([sock], [], [], 0)[0]:  # answered while still sending: note the refusal
                    self.refusals.setdefault(name, []).append(read_answer(sock).status)

        return attack

    def unfinished(self, sock: socket.socket, name: str) -> None:
        """Headers that trickle in and never end."""
        opening = b"GET /api/v1/titles HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        sock.sendall(opening)
        self.sent[name] += len(opening)  # counted at once: the check below must not race the first trickle
        while not self.stop.wait(0.5):
            sock.sendall(b"X-Slow: 1\r\n")
            self.sent[name] += 11

    def refused(self, names: Iterable[str]) -> None:
        """Wait (at most ``WAIT``) until each of these attackers has been refused once."""
        deadline = time.monotonic() + WAIT
        while not all(name in self.refusals for name in names) and time.monotonic() < deadline:
            time.sleep(0.1)

    def __enter__(self) -> Pressure:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(WAIT)


def test_a_signed_read_answers_while_oversize_and_slow_requests_are_in_progress(
    server: ServerProcess, runtime: Runtime
) -> None:
    alice = factories.customer(runtime, nick="alice")
    with Pressure(server) as pressure:
        form = "application/x-www-form-urlencoded"
        document = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF'
        upload = pressure.upload("/api/v1/documents", "multipart/form-data; boundary=b", declared=False, start=document)
        pressure.start("rest-upload", upload)
        pressure.start("rest-json", pressure.upload("/api/v1/titles", "application/json", declared=True))
        pressure.start("rpc", pressure.upload("/", form, declared=False))
        pressure.start("top", pressure.upload("/router/rest", form, declared=True))
        for n in range(8):
            pressure.start(f"slow-{n}", pressure.unfinished)
        answers = []
        for _ in range(5):
            answers.append(httpx.get(f"{server.url}/api/v1/titles", auth=alice.basic, timeout=WAIT).status_code)
            answers.append(rpc_read(server, alice).status_code)
        uploads = {"rest-upload": 413, "rest-json": 413, "rpc": 413, "top": 200}  # TOP: code 43 in an HTTP 200
        pressure.refused(uploads)
        sent, refusals = dict(pressure.sent), dict(pressure.refusals)
    assert answers == [200] * 10
    assert {name: refusals.get(name, [])[:1] for name in uploads} == {n: [s] for n, s in uploads.items()}, refusals
    # The attack was under way throughout: every upload had sent more than the limit, every slow client something.
    assert all(sent[name] > LIMIT for name in ("rest-json", "rpc", "top")), sent
    assert all(count > 0 for count in sent.values()), sent
    assert "Traceback" not in server.log.read_text()  # every refusal was an answer or a close, none a failure
