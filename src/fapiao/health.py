"""What probes and scrapes read from the database: ``/readyz`` (the store answers and its migrations are at
head) and the backlog gauges of the metrics page; and the metrics page itself, on the server's port or on a
port of its own (``FAPIAO_METRICS_PORT``), behind a bearer token if ``FAPIAO_METRICS_TOKEN`` is set.

``/healthz`` stays liveness (the process serves) and never touches the database: a database outage must not
make an orchestrator restart every server. ``/readyz`` is for taking a server out of rotation.

Both read with ``Database.raw_fetch``: one statement on the pool's DBAPI connection in autocommit, so a scrape
or a probe never takes SQLite's write lock (every transaction there begins ``IMMEDIATE``).
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import structlog
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from starlette.types import Receive, Scope, Send

from fapiao import metrics
from fapiao.domain.webhooks import DeliveryStatus
from fapiao.protocols.wire import WireAnswer, WireRequest
from fapiao.store.db import Database, head_revision
from fapiao.store.tables import utcnow

log = structlog.get_logger(__name__)

# How long /readyz waits for the database before it answers 503 (a probe's own timeout is usually 1-5 s).
READY_TIMEOUT = 2.0
PLAIN = "text/plain; charset=utf-8"

# --- readiness -------------------------------------------------------------------------------------------------


def unready(db: Database) -> dict[str, Any] | None:
    """Why the store cannot serve (a JSON-able reason), or None when it answers and is at the newest migration.
    The error's type only, never its text: a driver's message may name hosts and users."""
    try:
        db.raw_fetch("SELECT 1", ())
    except Exception as error:
        return {"ready": False, "reason": "the database does not answer", "error": type(error).__name__}
    try:
        rows = db.raw_fetch("SELECT version_num FROM alembic_version", ())
        current = rows[0][0] if rows else None
    except Exception:  # no alembic_version table: nothing was ever migrated
        current = None
    head = head_revision()
    if current != head:
        return {
            "ready": False,
            "reason": "the store's migrations are not at head: run fapiao db upgrade",
            "revision": current,
            "head": head,
        }
    return None


class ReadinessApp:
    """``/readyz``: 200 ``ok``, or 503 with the reason as JSON. The check runs on a thread of its own with a
    deadline, so an unreachable database neither stalls the event loop nor piles up threads (one check at a
    time; a probe that comes while one hangs waits behind it and times out too)."""

    def __init__(self, db: Database, timeout: float = READY_TIMEOUT) -> None:
        self.db = db
        self.timeout = timeout
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fapiao-readyz")
        self._was_ready = True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            await _send(send, 405, PLAIN, b"Method Not Allowed", [(b"allow", b"GET, HEAD")])
            return
        loop = asyncio.get_running_loop()
        try:
            reason = await asyncio.wait_for(loop.run_in_executor(self._executor, unready, self.db), self.timeout)
        except TimeoutError:
            reason = {"ready": False, "reason": f"the database did not answer within {self.timeout:g} s"}
        self._log_change(reason)
        if reason is None:
            await _send(send, 200, PLAIN, b"ok", [])
        else:
            await _send(send, 503, "application/json", json.dumps(reason).encode(), [])

    def _log_change(self, reason: dict[str, Any] | None) -> None:
        """Log when readiness changes, not on every probe (they come every few seconds)."""
        ready = reason is None
        if ready != self._was_ready:
            self._was_ready = ready
            if ready:
                log.info("readiness.ready")
            else:
                log.warning("readiness.unready", **{k: v for k, v in reason.items() if k != "ready"})  # type: ignore[union-attr]


async def _send(send: Send, status: int, content_type: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    raw = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()), *headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


# --- backlog ---------------------------------------------------------------------------------------------------

# One statement, three counts: webhook deliveries still to succeed or give up (the leading column of
# ix_webhook_deliveries_due), events the webhook worker has not fanned out yet (dispatched_at is indexed), and
# TMC messages neither confirmed nor expired.
_BACKLOG = (
    "SELECT (SELECT count(*) FROM webhook_deliveries WHERE status = {p}),"
    " (SELECT count(*) FROM outbox_events WHERE dispatched_at IS NULL),"
    " (SELECT count(*) FROM tmc_messages WHERE confirmed = {p} AND expires_at > {p})"
)


class Backlog:
    """The backlog gauges, counted when the page is scraped (one statement; nothing in between). Computed by
    whichever process answers, from the shared store, so the value is the same from every worker and needs
    no multi-process gauge. If the store does not answer, the page goes out without them."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.sql = _BACKLOG.format(p=db.placeholder)

    def collect(self) -> Iterator[Metric]:
        try:
            parameters = (DeliveryStatus.PENDING.value, False, self.db.raw_datetime(utcnow()))
            ((deliveries, events, messages),) = self.db.raw_fetch(self.sql, parameters)
        except Exception as error:
            log.warning("metrics.backlog_unavailable", error=type(error).__name__)
            return
        yield GaugeMetricFamily(
            "fapiao_webhook_backlog", "Webhook deliveries pending (not yet succeeded nor given up).", value=deliveries
        )
        yield GaugeMetricFamily(
            "fapiao_outbox_backlog", "Events not yet fanned out to webhook endpoints by a worker.", value=events
        )
        yield GaugeMetricFamily(
            "fapiao_tmc_backlog", "TMC messages not yet consumed and confirmed (and not expired).", value=messages
        )


# --- the metrics page ------------------------------------------------------------------------------------------


def bearer_ok(authorization: str | None, token: str | None) -> bool:
    """Whether a request may read the metrics: no token configured, or ``Authorization: Bearer <token>``."""
    if not token:
        return True
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


_UNAUTHORIZED = b"send Authorization: Bearer <FAPIAO_METRICS_TOKEN>"


def metrics_answer(db: Database, token: str | None) -> Callable[[WireRequest], WireAnswer]:
    """``/metrics`` on the server's own port (a ``WireApp`` answer, on a thread: the backlog reads the store)."""
    extra = (Backlog(db),)

    def answer(request: WireRequest) -> WireAnswer:
        authorization = next((v.decode("latin-1") for k, v in request.headers if k.lower() == b"authorization"), None)
        if not bearer_ok(authorization, token):
            return WireAnswer(401, PLAIN, _UNAUTHORIZED, {"www-authenticate": 'Bearer realm="metrics"'})
        from prometheus_client import CONTENT_TYPE_LATEST

        return WireAnswer(200, CONTENT_TYPE_LATEST, metrics.exposition(extra), {})

    return answer


def serve_metrics(db: Database, host: str, port: int, token: str | None) -> Callable[[], None]:
    """Serve the metrics page on ``host:port`` from a daemon thread (``fapiao serve`` with
    ``FAPIAO_METRICS_PORT``, ``fapiao worker --metrics-port``); returns what stops it.

    prometheus-client's own server has no authentication, so its WSGI app is wrapped with the token check and
    served the way ``start_http_server`` serves it (a threading WSGI server)."""
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from prometheus_client import CONTENT_TYPE_LATEST
    from prometheus_client.exposition import ThreadingWSGIServer

    extra: Iterable[Collector] = (Backlog(db),)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("PATH_INFO", "/") not in ("/", "/metrics"):
            start_response("404 Not Found", [("Content-Type", PLAIN)])
            return [b"Not Found"]
        if not bearer_ok(environ.get("HTTP_AUTHORIZATION"), token):
            start_response(
                "401 Unauthorized", [("Content-Type", PLAIN), ("WWW-Authenticate", 'Bearer realm="metrics"')]
            )
            return [_UNAUTHORIZED]
        body = metrics.exposition(extra)
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body)))])
        return [body]

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """No line per scrape on stderr."""

    server = make_server(host, port, app, ThreadingWSGIServer, handler_class=Quiet)
    threading.Thread(target=server.serve_forever, name="fapiao-metrics", daemon=True).start()
    return functools.partial(_stop, server)


def _stop(server: Any) -> None:
    server.shutdown()
    server.server_close()
