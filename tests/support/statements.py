"""Watching the SQL a runtime sends, to show that a cached path reads nothing from the database."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event


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
