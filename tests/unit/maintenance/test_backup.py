"""``fapiao db backup``: an online copy of the SQLite store that opens, passes integrity_check and holds the
data."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from fapiao.domain.errors import DomainError
from fapiao.maintenance.backup import backup_sqlite
from fapiao.runtime import Runtime
from fapiao.settings import Settings
from tests import factories
from tests.support.cli import Cli


def sqlite_only(runtime: Runtime) -> None:
    if not runtime.settings.is_sqlite:
        pytest.skip("a SQLite backup")


def test_the_backup_opens_passes_the_integrity_check_and_holds_the_data(
    settings: Settings, runtime: Runtime, tmp_path: Path
) -> None:
    sqlite_only(runtime)
    who = factories.customer(runtime, nick="backed-up")
    target = tmp_path / "backups" / "fapiao.sqlite3"

    with runtime.db.engine.connect():  # the server holds the store open meanwhile
        made = Cli(settings).json("db", "backup", str(target))

    assert made["path"] == str(target)
    assert made["integrity"] == "ok"
    assert not target.with_name(target.name + "-wal").exists()  # one self-contained file
    with closing(sqlite3.connect(target)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        nick = copy.execute("SELECT user_nick FROM accounts WHERE user_id = ?", (who.user_id,)).fetchone()
        keys = copy.execute("SELECT count(*) FROM access_keys").fetchone()
    assert nick == ("backed-up",)
    assert keys == (1,)


def test_an_existing_file_is_never_overwritten(settings: Settings, runtime: Runtime, tmp_path: Path) -> None:
    sqlite_only(runtime)
    target = tmp_path / "fapiao.sqlite3"
    target.write_text("precious")

    error = Cli(settings).error("db", "backup", str(target))

    assert "exists" in error["message"]
    assert target.read_text() == "precious"


def test_postgresql_is_sent_to_pg_dump(runtime: Runtime, tmp_path: Path) -> None:
    if runtime.settings.is_sqlite:
        pytest.skip("PostgreSQL only")
    with pytest.raises(DomainError, match="pg_dump"):
        backup_sqlite(runtime, tmp_path / "x.sqlite3")
