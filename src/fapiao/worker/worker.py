"""The delivery loop: fan out new outbox events, then claim, send and settle due deliveries.

Run it as ``fapiao worker`` (any number of them on PostgreSQL) or inside ``fapiao serve`` (the embedded
SQLite mode; one worker is enough there, and SQLite serialises writers anyway). ``concurrency`` sender
threads each claim one delivery at a time, so a claim never waits behind another attempt.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fapiao.domain.webhooks import Settled, signature_header
from fapiao.maintenance import retention
from fapiao.runtime import Runtime
from fapiao.webhooks import deliveries
from fapiao.worker import metrics
from fapiao.worker.sender import Sender

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pass:
    """What ``run_once`` did."""

    dispatched: int
    attempted: int
    succeeded: int


class Worker:
    def __init__(self, rt: Runtime, *, name: str | None = None, concurrency: int = 4) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.rt = rt
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.concurrency = concurrency
        settings = rt.settings
        self.sender = Sender(
            timeout=settings.webhook_timeout_seconds,
            max_body=settings.webhook_response_bytes,
            allow_private=settings.webhook_private_targets,
        )

    def run_once(self) -> Pass:
        """Dispatch every pending event and attempt every delivery due now, once; for tests and cron."""
        dispatched = 0
        while count := self.dispatch():
            dispatched += count
        attempted = succeeded = 0
        while (outcome := self.deliver_one(f"{self.name}/once")) is not None:
            attempted += 1
            succeeded += outcome is Settled.SUCCEEDED
        return Pass(dispatched, attempted, succeeded)

    def dispatch(self) -> int:
        """Fan out one batch of new events; how many."""
        count = deliveries.dispatch(self.rt)
        metrics.DISPATCHED.inc(count)
        return count

    def prune(self) -> retention.Pruned:
        """Delete the rows past their retention (``fapiao.maintenance.retention``), logging what went."""
        pruned = retention.prune(self.rt)
        if any(vars(pruned).values()):
            log.info("retention.pruned", extra=vars(pruned))
        return pruned

    def deliver_one(self, worker: str) -> Settled | None:
        """Claim, POST and settle one due delivery; its outcome, or ``None`` when nothing was due."""
        claim = deliveries.claim_next(self.rt, worker)
        if claim is None:
            return None
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Fapiao-Event-Id": claim.event_id,
            "Fapiao-Event-Type": claim.event_type,
            "Fapiao-Delivery-Id": str(claim.delivery_id),
            "Fapiao-Delivery-Attempt": str(claim.number),
            "Fapiao-Signature": signature_header(claim.secrets, timestamp, claim.body),
        }
        outcome = self.sender.post(claim.url, claim.body, headers)
        result = deliveries.settle(self.rt, claim, outcome)
        metrics.DELIVERIES.labels(outcome=result.value).inc()
        metrics.LATENCY.observe(outcome.latency_ms / 1000)
        return result

    def run(self, stop: threading.Event, interval: float | None = None) -> None:
        """Work until ``stop`` is set; attempts in flight finish (each is bounded by the timeout)."""
        interval = interval or self.rt.settings.webhook_poll_seconds
        senders = [
            threading.Thread(target=self._send_loop, args=(stop, interval, f"{self.name}/{n}"), daemon=True)
            for n in range(self.concurrency)
        ]
        for thread in senders:
            thread.start()
        next_prune = time.monotonic()  # at start, then every retention interval
        while not stop.is_set():
            if time.monotonic() >= next_prune:
                next_prune = time.monotonic() + self.rt.settings.retention_interval_seconds
                self._guard(lambda: any(vars(self.prune()).values()), stop, interval)
            busy = self._guard(lambda: self.dispatch() > 0, stop, interval)
            if not busy:
                stop.wait(interval)
        for thread in senders:
            thread.join()

    def _send_loop(self, stop: threading.Event, interval: float, worker: str) -> None:
        while not stop.is_set():
            if not self._guard(lambda: self.deliver_one(worker) is not None, stop, interval):
                stop.wait(interval)

    @staticmethod
    def _guard(step: Callable[[], bool], stop: threading.Event, interval: float) -> bool:
        """Run a step; a failure (database down, …) is logged and waited out, never fatal to the loop."""
        try:
            return step()
        except Exception:
            log.exception("webhook worker step failed; retrying")
            stop.wait(max(interval, 1.0))
            return False
