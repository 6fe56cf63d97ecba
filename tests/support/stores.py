"""Stores for tests: each a copy of a migrated template, on SQLite or on the PostgreSQL that
``FAPIAO_TEST_DATABASE_URL`` names (a database of its own, dropped afterwards)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from fapiao.store.db import normalise_url

POSTGRES_URL = os.environ.get("FAPIAO_TEST_DATABASE_URL")


def admin_engine() -> Engine:
    assert POSTGRES_URL
    return create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")


def admin(statement: str) -> None:
    """One statement that cannot run in a transaction (CREATE/DROP DATABASE)."""
    engine = admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def with_database(url: str, name: str) -> str:
    return make_url(normalise_url(url)).set(database=name).render_as_string(hide_password=False)


@contextmanager
def store_copy(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[str]:
    """The URL of a migrated, empty store of the engine ``request.param`` names (``ENGINES``), copied from the
    session's template: a SQLite file in ``data_dir``, or a PostgreSQL database dropped when the block ends."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if request.param == "sqlite":
        path = data_dir / "fapiao.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"fapiao_test_{uuid.uuid4().hex[:12]}"
    admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield with_database(POSTGRES_URL or "", name)
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
