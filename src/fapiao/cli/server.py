"""Run the server, migrate the store, seed the demo."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from fapiao.cli.base import cli, output, runtime, state
from fapiao.cli.failures import Failure
from fapiao.demo import seed as demo_service

if TYPE_CHECKING:
    from fapiao.settings import Settings


def _endpoint(host: str, port: int) -> str:
    configured = state().settings.public_url
    if configured:
        return configured.rstrip("/")
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - only for display
    return f"http://{shown}:{port}"


@cli.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Host the endpoint is shown with.")
@click.option("--port", default=8080, show_default=True, help="Port the endpoint is shown with.")
@output()
def demo(host: str, port: int) -> Any:
    """Migrate, then seed the demo account (idempotent) and print where to point clients."""
    rt = runtime()
    rt.db.upgrade(box=rt.box)
    return demo_service.seed(rt, _endpoint(host, port))


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True)
@click.option("--workers", default=1, show_default=True, help="Worker processes (PostgreSQL for more than one).")
@click.option("--demo", "with_demo", is_flag=True, help="Migrate and seed the demo data first, and print it.")
@click.option("--no-migrate", is_flag=True, help="Do not apply migrations at start.")
@click.option(
    "--webhook-worker/--no-webhook-worker",
    default=None,
    help="Deliver webhooks in-process (default: on with SQLite; run `fapiao worker` beside PostgreSQL).",
)
def serve(host: str, port: int, workers: int, with_demo: bool, no_migrate: bool, webhook_worker: bool | None) -> None:
    """Serve the APIs over HTTP."""
    import structlog
    import uvicorn

    from fapiao.cli.serving import uvicorn_options
    from fapiao.logging import configure_logging

    if workers > 1 and state().settings.is_sqlite:
        # Each worker process would open the file with its own single connection and in-process webhook worker:
        # writers queue on SQLite's lock for seconds and deliveries are claimed twice. PostgreSQL is built for it.
        raise Failure(
            "UsageError",
            f"--workers {workers} needs PostgreSQL: a SQLite store serves from one process",
            "use --workers 1, or set --database-url or FAPIAO_DATABASE_URL to postgresql://USER@HOST/DATABASE",
            exit_code=2,
        )
    rt = runtime()
    settings = rt.settings
    # Here too, not only in each worker's app: uvicorn's own lines before the app loads (and a supervisor's,
    # with --workers) are rendered like every other line.
    configure_logging(settings.log_level, settings.log_format)
    if not no_migrate:
        rt.db.upgrade(box=rt.box)
    if with_demo:
        described = demo_service.seed(rt, _endpoint(host, port))
        click.echo("Fapiao demo is ready. Point clients at:\n" + json.dumps(described, ensure_ascii=False, indent=2))
    structlog.get_logger("fapiao.serve").info("serve.starting", url=_endpoint(host, port), docs="/api/docs")
    rt.close()
    # Worker processes build their own runtime from the environment.
    os.environ["FAPIAO_DATABASE_URL"] = settings.resolved_database_url
    os.environ["FAPIAO_DATA_DIR"] = str(settings.data_dir)
    in_process = settings.is_sqlite if webhook_worker is None else webhook_worker
    os.environ["FAPIAO_RUN_WORKER"] = "1" if in_process else "0"
    with metrics_directory(workers), metrics_port(settings):
        uvicorn.run(
            "fapiao.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level.lower(),
            log_config=None,  # uvicorn's lines go to the root handler ``configure_logging`` installed, not its own
            access_log=False,  # protocols.access writes one line per request, with what uvicorn cannot know
            **uvicorn_options(settings),
        )


@contextmanager
def metrics_directory(workers: int) -> Iterator[None]:
    """With several worker processes, each counts into files of prometheus-client's multi-process mode and
    whichever answers a scrape adds them all up. The directory is ``PROMETHEUS_MULTIPROC_DIR`` if set (its
    files from an earlier run are removed first, as prometheus-client requires), else a temporary one removed
    at exit. The variable must be set before a worker imports prometheus-client: workers are new processes."""
    from fapiao.metrics import MULTIPROC_DIR

    given = os.environ.get(MULTIPROC_DIR)
    if given:
        Path(given).mkdir(parents=True, exist_ok=True)
        for stale in Path(given).glob("*.db"):
            stale.unlink(missing_ok=True)
        yield
        return
    if workers <= 1:
        yield
        return
    directory = tempfile.mkdtemp(prefix="fapiao-metrics-")
    os.environ[MULTIPROC_DIR] = directory
    try:
        yield
    finally:
        os.environ.pop(MULTIPROC_DIR, None)
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def metrics_port(settings: Settings) -> Iterator[None]:
    """``FAPIAO_METRICS_PORT``: this process serves the metrics page on its own port (with several workers this
    is uvicorn's supervising process, which reads every worker's files). Its backlog gauges read the store with
    a connection of their own."""
    if settings.metrics_port is None:
        yield
        return
    from fapiao.health import serve_metrics
    from fapiao.store.db import Database

    database = Database(settings.resolved_database_url)
    stop = serve_metrics(database, settings.metrics_host, settings.metrics_port, settings.metrics_token)
    try:
        yield
    finally:
        stop()
        database.dispose()
