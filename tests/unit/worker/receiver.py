"""A real webhook receiver on 127.0.0.1, run by the test: it records every request and answers what the
test's script says (a status, a body, or a stall)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    number: int  # 1-based, in order of arrival
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    started: float  # time.monotonic() on arrival
    finished: float | None = None  # after the answer was written


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)


Script = Callable[[Received], Answer]


class Receiver:
    def __init__(self, script: Script | None = None) -> None:
        self.script: Script = script or (lambda _: Answer())
        self.received: list[Received] = []
        self._changed = threading.Condition()
        self.release = threading.Event()  # scripts that stall wait on this
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks"

    def wait_for(self, predicate: Callable[[list[Received]], bool], timeout: float = 20.0) -> list[Received]:
        """Block until ``predicate(received)`` holds (woken by each arrival); fail after ``timeout``."""
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self.received), timeout):
                raise AssertionError(f"receiver: condition not met in {timeout}s; got {len(self.received)} requests")
            return list(self.received)

    def event_ids(self) -> set[str]:
        with self._changed:
            return {r.headers["fapiao-event-id"] for r in self.received}

    @contextmanager
    def running(self) -> Iterator[Receiver]:
        thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.release.set()
            self._server.shutdown()
            self._server.server_close()

    def _record(self, received: Received) -> None:
        with self._changed:
            received.number = len(self.received) + 1
            self.received.append(received)
            self._changed.notify_all()

    def _finished(self, received: Received) -> None:
        with self._changed:
            received.finished = time.monotonic()
            self._changed.notify_all()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                started = time.monotonic()
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                received = Received(0, self.path, headers, body, started)
                receiver._record(received)
                answer = receiver.script(received)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except OSError:
                    pass  # the sender gave up (timeout, killed worker)
                receiver._finished(received)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler
