from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from fapiao.runtime import Runtime
from fapiao.store import db
from fapiao.store.db import (
    MIGRATIONS,
    Database,
    DatabaseUrlError,
    alembic_config,
    check_url,
    head_revision,
    normalise_url,
)
from tests.support.stores import POSTGRES_URL


def test_head_revision_is_alembics_head_and_files_are_named_after_revisions() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert head_revision() == script.get_current_head()
    for revision in script.walk_revisions():
        assert revision.path is not None
        assert Path(revision.path).name.startswith(f"{revision.revision}_")
    assert sum(1 for _ in (MIGRATIONS / "versions").glob("[0-9]*_*.py")) == len(list(script.walk_revisions()))


def test_upgrade_migrates_an_empty_store_and_is_a_no_op_at_head(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    assert database.current_revision() is None
    database.upgrade()
    assert database.current_revision() == head_revision()
    database.upgrade()
    assert database.current_revision() == head_revision()
    database.dispose()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("not a url", "is not a URL"),
        ("mysql://fapiao@localhost/fapiao", "mysql databases are not supported"),
        ("oracle+oracledb://fapiao@localhost/fapiao", "oracle databases are not supported"),
    ],
)
def test_a_url_of_another_database_is_refused_before_connecting(url: str, problem: str) -> None:
    with pytest.raises(DatabaseUrlError, match=problem):
        Database(url)


def test_a_sqlite_file_in_a_missing_folder_is_refused_and_the_folder_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    with pytest.raises(DatabaseUrlError, match="does not exist"):
        Database(f"sqlite:///{missing / 'store.sqlite3'}")
    assert not missing.exists()


@pytest.mark.parametrize(
    "url", ["sqlite://", "sqlite:///:memory:", "sqlite:///relative.sqlite3", "postgres://u@h/d", "postgresql://u@h/d"]
)
def test_the_supported_urls_pass(url: str) -> None:
    assert check_url(url).get_backend_name() in ("sqlite", "postgresql")


def _backend_of(database: Database) -> int:
    with database.engine.connect() as connection:
        pid: int = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    return pid


def _terminate(url: str, pid: int) -> None:
    killer = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    with killer.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    killer.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="needs FAPIAO_TEST_DATABASE_URL")
def test_an_idle_connection_the_server_dropped_is_replaced_before_use(monkeypatch: pytest.MonkeyPatch) -> None:
    assert POSTGRES_URL
    database = Database(POSTGRES_URL)
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # every returned connection counts as idle
    victim = _backend_of(database)
    _terminate(POSTGRES_URL, victim)
    assert _backend_of(database) != victim  # pinged, found dead, replaced: the caller never noticed
    assert database.raw_fetch("SELECT 1", ()) == [(1,)]
    database.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="needs FAPIAO_TEST_DATABASE_URL")
def test_a_connection_in_steady_use_is_not_pinged_so_a_drop_fails_one_statement_then_heals() -> None:
    assert POSTGRES_URL
    database = Database(POSTGRES_URL)
    victim = _backend_of(database)  # checked in just now: well within IDLE_PING_SECONDS
    _terminate(POSTGRES_URL, victim)
    with pytest.raises(OperationalError):
        _backend_of(database)  # no ping, so the dead connection is used once
    assert _backend_of(database) != victim  # the pool was discarded; the next request connects afresh
    database.dispose()


def test_raw_statements_are_seen_by_the_listeners_and_a_failed_transaction_leaves_nothing(runtime: Runtime) -> None:
    seen: list[tuple[str, tuple[object, ...]]] = []
    database = runtime.db
    database.raw_listeners.append(lambda sql, parameters: seen.append((sql, parameters)))
    mark = database.placeholder
    insert = f"INSERT INTO cache_revisions (scope, revision) VALUES ({mark}, 7) RETURNING revision"  # noqa: S608
    assert database.raw_transaction([(insert, ("raw:1",))]) == [[(7,)]]
    with pytest.raises(database.engine.dialect.loaded_dbapi.IntegrityError):
        database.raw_transaction([(insert, ("raw:2",)), (insert, ("raw:1",))])  # the second one conflicts
    select_sql = f"SELECT scope FROM cache_revisions WHERE scope IN ({mark}, {mark})"  # noqa: S608
    assert database.raw_fetch(select_sql, ("raw:1", "raw:2")) == [("raw:1",)]
    statements = [sql for sql, _ in seen if not sql.startswith("BEGIN")]
    assert statements == [insert, insert, insert, select_sql]
    assert ("raw:2",) in [parameters for _, parameters in seen]


# --- units of work ----------------------------------------------------------------------------------------

_INSERT_SCOPE = text("INSERT INTO cache_revisions (scope, revision) VALUES (:scope, 1)")
_SCOPES = text("SELECT scope FROM cache_revisions WHERE scope LIKE 'unit:%' ORDER BY scope")


def _scopes(database: Database) -> list[str]:
    with database.reads() as connection:
        return list(connection.execute(_SCOPES).scalars())


def test_a_unit_opened_inside_a_unit_is_the_same_unit_and_commits_with_it(runtime: Runtime) -> None:
    database = runtime.db
    with database.begin() as outer:
        outer.execute(_INSERT_SCOPE, {"scope": "unit:core"})
        with database.begin() as inner:
            assert inner is outer
            inner.execute(_INSERT_SCOPE, {"scope": "unit:joined"})
        with database.transaction() as session:
            assert session.connection() is outer
            session.execute(_INSERT_SCOPE, {"scope": "unit:orm"})
        with database.reads() as reading:  # sees the unit's writes (and SQLite has no second connection)
            assert list(reading.execute(_SCOPES).scalars()) == ["unit:core", "unit:joined", "unit:orm"]
        assert database.in_unit
    assert not database.in_unit
    assert _scopes(database) == ["unit:core", "unit:joined", "unit:orm"]


def test_a_failure_in_a_joined_session_rolls_the_whole_unit_back(runtime: Runtime) -> None:
    database = runtime.db

    def refused_use_case() -> None:
        with database.begin() as outer:
            outer.execute(_INSERT_SCOPE, {"scope": "unit:outer"})
            with database.transaction() as session:
                session.execute(_INSERT_SCOPE, {"scope": "unit:inner"})
                raise LookupError("refused")

    with pytest.raises(LookupError):
        refused_use_case()
    assert _scopes(database) == []
    with database.transaction() as session:  # the unit is gone: a new one starts afresh
        session.execute(_INSERT_SCOPE, {"scope": "unit:after"})
    assert _scopes(database) == ["unit:after"]


def test_a_raw_statement_of_its_own_is_refused_inside_a_unit(runtime: Runtime) -> None:
    """On SQLite it would wait for the unit's own (only) connection until the pool timed out."""
    with runtime.db.begin(), pytest.raises(RuntimeError):
        runtime.db.raw_fetch("SELECT 1", ())
    assert runtime.db.raw_fetch("SELECT 1", ()) == [(1,)]


def test_units_of_other_threads_are_their_own(runtime: Runtime) -> None:
    database = runtime.db
    seen: list[bool] = []
    with database.begin():
        thread = threading.Thread(target=lambda: seen.append(database.in_unit))
        thread.start()
        thread.join()
    assert seen == [False]
