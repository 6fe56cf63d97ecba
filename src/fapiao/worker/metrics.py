"""Prometheus metrics of webhook delivery, in the default registry: ``/metrics`` of ``fapiao serve`` shows
them for its in-process worker, ``fapiao worker --metrics-port`` for a standalone one."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from fapiao.domain.webhooks import Settled

OUTCOMES = tuple(outcome.value for outcome in Settled)

DELIVERIES = Counter(
    "fapiao_webhook_deliveries",
    "Webhook delivery attempts by outcome: succeeded; retrying (failed, another attempt is scheduled); "
    "failed (failed, the delivery gave up); superseded (finished after its claim had expired).",
    ["outcome"],
)
LATENCY = Histogram("fapiao_webhook_delivery_seconds", "Duration of webhook delivery attempts.")
DISPATCHED = Counter("fapiao_webhook_events_dispatched", "Outbox events fanned out to webhook endpoints.")

for _outcome in OUTCOMES:
    DELIVERIES.labels(outcome=_outcome)
