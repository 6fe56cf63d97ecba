"""The store and its upkeep: ``db upgrade``, ``db backup``, ``db prune``, ``secrets rotate`` and ``secrets new-key``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from fapiao.cli.base import cli, output, runtime


@cli.group("db")
def db_group() -> None:
    """The store: its schema, backups and retention."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@output()
def upgrade(revision: str) -> Any:
    """Apply migrations (safe to run on every start)."""
    rt = runtime()
    rt.db.upgrade(revision, box=rt.box)
    return {
        "database": rt.db.engine.url.render_as_string(hide_password=True),
        "revision": rt.db.current_revision(),
    }


@db_group.command("backup")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@output()
def backup(path: Path) -> Any:
    """Copy the SQLite store to PATH while it serves (SQLite's online backup), then check the copy.
    PostgreSQL: use pg_dump. Uploaded documents are files under the data directory: copy them too."""
    from fapiao.maintenance.backup import backup_sqlite

    return backup_sqlite(runtime(), path)


@db_group.command("prune")
@output()
def prune() -> Any:
    """Delete audit records, outbox events and webhook deliveries past their retention now
    (FAPIAO_RETENTION_AUDIT_DAYS, FAPIAO_RETENTION_OUTBOX_DAYS, FAPIAO_RETENTION_DELIVERIES_DAYS); `fapiao
    worker` does it every FAPIAO_RETENTION_INTERVAL_SECONDS. Nothing pending is deleted."""
    from fapiao.maintenance.retention import prune as run

    return run(runtime())


@cli.group("secrets")
def secrets_group() -> None:
    """The key that seals stored secrets (FAPIAO_SECRET_KEY) and its rotation."""


@secrets_group.command("new-key")
@output()
def new_key() -> Any:
    """Print a new random key for FAPIAO_SECRET_KEY."""
    from cryptography.fernet import Fernet

    return {"key": Fernet.generate_key().decode()}


@secrets_group.command("rotate")
@output()
def rotate() -> Any:
    """Re-seal every stored secret under FAPIAO_SECRET_KEY and recompute the TOP session digests, opening
    what older keys sealed with FAPIAO_OLD_SECRET_KEYS. Safe while serving and to run again; afterwards the
    old keys can be removed (docs/operations.md)."""
    from fapiao.maintenance.rotation import rotate as run

    return run(runtime())
