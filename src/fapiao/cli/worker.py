"""``fapiao worker``: deliver webhooks from the outbox."""

from __future__ import annotations

import signal
import threading
from typing import Any

import click

from fapiao.cli.base import cli, output, runtime


@cli.command("worker")
@click.option("--once", is_flag=True, help="Dispatch new events, attempt every delivery due now once, and exit.")
@click.option("--concurrency", default=4, show_default=True, type=click.IntRange(1, 64), help="Sender threads.")
@click.option("--interval", type=click.FloatRange(min=0.01), help="Seconds between polls when idle.")
@click.option("--metrics-port", type=int, help="Serve Prometheus metrics on this port (/metrics).")
@click.option("--metrics-host", default="127.0.0.1", show_default=True, help="Address of the metrics server.")
@output()
def worker(once: bool, concurrency: int, interval: float | None, metrics_port: int | None, metrics_host: str) -> Any:
    """Deliver webhooks. Run several on PostgreSQL; on SQLite one is enough (`fapiao serve` runs one
    in-process). Stops after its attempts in flight on SIGTERM or Ctrl-C."""
    from fapiao.logging import configure_logging
    from fapiao.worker.worker import Worker

    rt = runtime()
    configure_logging(rt.settings.log_level, rt.settings.log_format)  # scrubbed JSON lines, like the server's
    if metrics_port is not None:
        from fapiao.health import serve_metrics

        serve_metrics(rt.db, metrics_host, metrics_port, rt.settings.metrics_token)
    work = Worker(rt, concurrency=concurrency)
    if once:
        return work.run_once()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"webhook worker {work.name} started", err=True)
    work.run(stop, interval)
    return {"worker": work.name, "stopped": True}
