"""Watching the SQL a runtime sends: that a cached path reads nothing, and how many statements an endpoint costs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event

from fapiao.store import db


@contextmanager
def statements_matching(engine: Engine, pattern: str) -> Iterator[list[str]]:
    """The statements ``engine`` executes while the block runs that match ``pattern`` (a regex)."""
    seen: list[str] = []
    compiled = re.compile(pattern)

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if compiled.search(statement):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def all_statements(engine: Engine) -> Iterator[list[str]]:
    """Every statement sent while the block runs: through ``engine`` (SQLAlchemy Core and ORM) and through the
    raw DBAPI paths of ``fapiao.store.db`` (``raw_fetch``, ``raw_cursor``), which SQLAlchemy's events miss."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    db.raw_statement_listeners.append(seen.append)
    try:
        yield seen
    finally:
        db.raw_statement_listeners.remove(seen.append)
        event.remove(engine, "before_cursor_execute", record)
