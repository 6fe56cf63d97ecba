"""Shared fixtures: a migrated store on each database engine, a runtime over it, and real server processes.

Storage and API tests run on SQLite always and on PostgreSQL when ``FAPIAO_TEST_DATABASE_URL`` is set
(``.ci/run`` sets it). Each PostgreSQL test gets a database of its own, cloned from a migrated template.

Safe under pytest-xdist (``make test`` runs ``-n``): every worker has its own temporary directory (the SQLite
template lives there), its own uniquely named PostgreSQL template and test databases, and servers on ports
the kernel hands out (tests/support/server.py retries when another worker took one first).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from fapiao.logging import configure_logging
from fapiao.runtime import Runtime, build_runtime
from fapiao.settings import Settings
from fapiao.store.db import Database
from tests.support.cli import Cli
from tests.support.paths import python_path
from tests.support.server import ServerProcess
from tests.support.stores import POSTGRES_URL, admin, store_copy, with_database

# Every subprocess (servers, CLI commands, webhook workers) imports the fapiao under test.
os.environ["PYTHONPATH"] = python_path()

_SKIP_PG = "PostgreSQL tests need FAPIAO_TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)"

ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[pytest.mark.postgres, pytest.mark.skipif(not POSTGRES_URL, reason=_SKIP_PG)],
    ),
]


# Fixtures that start a real ``fapiao`` process (a server or a CLI command): a test that uses one is ``slow``.
PROCESS_FIXTURES = frozenset({"server", "cli", "stack", "live"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if PROCESS_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def production_logging() -> None:
    """Logs as ``fapiao serve`` writes them, so tests see what an operator's log would hold (no locals)."""
    configure_logging("INFO")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "fapiao.sqlite3"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    database.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    assert POSTGRES_URL
    name = f"fapiao_template_{uuid.uuid4().hex[:8]}"
    admin(f'CREATE DATABASE "{name}"')
    database = Database(with_database(POSTGRES_URL, name))
    database.upgrade()
    database.dispose()
    yield name
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty store on each engine."""
    with store_copy(request, tmp_path / "data") as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = build_runtime(settings)
    yield rt
    rt.close()


@pytest.fixture
def server(settings: Settings, runtime: Runtime) -> Iterator[ServerProcess]:
    """A real ``fapiao serve`` process over the same store as ``runtime``."""
    process = ServerProcess(settings)
    process.start()
    yield process
    process.stop()


@pytest.fixture
def cli(settings: Settings, runtime: Runtime) -> Cli:
    """The real ``fapiao`` command over the same store as ``runtime``."""
    return Cli(settings)
