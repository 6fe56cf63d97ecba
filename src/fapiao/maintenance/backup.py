"""``fapiao db backup PATH``: a consistent copy of a SQLite store while the server runs, through SQLite's
online backup API (``sqlite3.Connection.backup``): in WAL mode it reads one snapshot without blocking the
writers, which copying the file does not (a copy taken during a write, or without its ``-wal`` file, can be
torn). PostgreSQL has ``pg_dump`` for this (docs/operations.md)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from fapiao.domain.errors import Conflict, DomainError, Reason
from fapiao.runtime import Runtime


@dataclass(frozen=True)
class Backup:
    path: str
    bytes: int
    integrity: str  # SQLite's integrity_check of the copy: "ok"


def backup_sqlite(rt: Runtime, target: Path) -> Backup:
    if not rt.settings.is_sqlite:
        raise DomainError(
            "`fapiao db backup` copies a SQLite store; back up PostgreSQL with pg_dump (docs/operations.md)",
            field="database_url",
            reason=Reason.INVALID,
        )
    source_path = make_url(rt.settings.resolved_database_url).database
    if not source_path or source_path == ":memory:" or not Path(source_path).exists():
        raise DomainError(f"no SQLite store at {source_path!r}", field="database_url", reason=Reason.NOT_FOUND)
    if target.exists():
        raise Conflict(f"{target} exists; choose a new file", field="path")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")  # never a half-written file under the final name
    partial.unlink(missing_ok=True)
    with closing(sqlite3.connect(source_path, timeout=30)) as source, closing(sqlite3.connect(partial)) as copy:
        source.backup(copy)
        # One self-contained file: the store's WAL mode would otherwise leave the copy wanting -wal/-shm files.
        copy.execute("PRAGMA journal_mode=DELETE")
        integrity = copy.execute("PRAGMA integrity_check").fetchone()[0]
    if integrity != "ok":
        partial.unlink(missing_ok=True)
        raise DomainError(f"the copy failed SQLite's integrity check: {integrity}", reason=Reason.UNAVAILABLE)
    partial.rename(target)
    return Backup(str(target), target.stat().st_size, integrity)
