"""Readiness, the backlog gauges and the metrics token, over a real store."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

from starlette.types import Message

from fapiao.health import Backlog, ReadinessApp, bearer_ok, unready
from fapiao.runtime import Runtime
from fapiao.store.db import Database, head_revision


def probe(app: ReadinessApp, method: str = "GET") -> tuple[int, bytes]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app({"type": "http", "method": method, "path": "/readyz", "headers": []}, receive, send))
    return sent[0]["status"], sent[1]["body"]


def test_a_migrated_store_is_ready(runtime: Runtime) -> None:
    assert unready(runtime.db) is None
    assert probe(ReadinessApp(runtime.db)) == (200, b"ok")
    assert probe(ReadinessApp(runtime.db), "POST")[0] == 405


def test_an_empty_store_is_not_ready_and_says_what_to_do(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    try:
        status, body = probe(ReadinessApp(db))
        assert status == 503
        assert json.loads(body) == {
            "ready": False,
            "reason": "the store's migrations are not at head: run fapiao db upgrade",
            "revision": None,
            "head": head_revision(),
        }
    finally:
        db.dispose()


class Hanging:
    """A database that never answers (until released, then fails)."""

    placeholder = "?"

    def __init__(self) -> None:
        self.release = threading.Event()

    def raw_fetch(self, _sql: str, _parameters: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        self.release.wait(10)
        raise ConnectionError("gone")

    def raw_datetime(self, value: Any) -> Any:
        return value


def test_a_database_that_does_not_answer_is_not_ready_within_the_deadline() -> None:
    db = Hanging()
    try:
        status, body = probe(ReadinessApp(db, timeout=0.2))  # type: ignore[arg-type]
        assert status == 503
        assert json.loads(body) == {"ready": False, "reason": "the database did not answer within 0.2 s"}
    finally:
        db.release.set()


def test_the_backlog_counts_from_the_store_and_is_left_out_when_it_does_not_answer(runtime: Runtime) -> None:
    gauges = {family.name: family.samples[0].value for family in Backlog(runtime.db).collect()}
    assert gauges == {"fapiao_webhook_backlog": 0, "fapiao_outbox_backlog": 0, "fapiao_tmc_backlog": 0}
    broken = Hanging()
    broken.release.set()
    assert list(Backlog(broken).collect()) == []  # type: ignore[arg-type]


def test_the_metrics_token() -> None:
    assert bearer_ok(None, None)
    assert bearer_ok("Bearer s3cret", "s3cret")
    assert bearer_ok("bearer s3cret", "s3cret")
    assert not bearer_ok(None, "s3cret")
    assert not bearer_ok("Bearer nope", "s3cret")
    assert not bearer_ok("Basic s3cret", "s3cret")
