"""Watching the SQL a runtime sends: that a cached path reads nothing, and how many statements an endpoint costs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import Engine, event

from fapiao.store.db import Database


@contextmanager
def statements_matching(source: Engine | Database, pattern: str) -> Iterator[list[str]]:
    """The statements ``source`` executes while the block runs that match ``pattern`` (a regex); given a
    ``Database``, its raw DBAPI statements (``Database.raw_listeners``) too."""
    seen: list[str] = []
    compiled = re.compile(pattern)

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if compiled.search(statement):
            seen.append(statement)

    def record_raw(statement: str, _parameters: object) -> None:
        record(None, None, statement)

    engine = source.engine if isinstance(source, Database) else source
    event.listen(engine, "before_cursor_execute", record)
    if isinstance(source, Database):
        source.raw_listeners.append(record_raw)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
        if isinstance(source, Database):
            source.raw_listeners.remove(record_raw)


def all_statements(database: Database) -> AbstractContextManager[list[str]]:
    """Every statement ``database`` sends while the block runs: SQLAlchemy's and the raw DBAPI ones."""
    return statements_matching(database, "")
