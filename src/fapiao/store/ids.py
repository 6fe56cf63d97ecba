"""Row ids chosen inside the INSERT itself, so a row can carry a value derived from its own id (an
application's ``apply_id``) without a second UPDATE.

How to get the next id is the store's business: PostgreSQL draws it from the column's own sequence; SQLite,
whose writers hold the database's write lock from ``BEGIN IMMEDIATE``, takes the next integer as its rowid
allocation would. ``Database.ids`` holds the one its dialect needs; features ask it for an expression and
build their statement once per dialect.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Protocol

from sqlalchemy import Column, ColumnElement, func, select


class IdAllocator(Hashable, Protocol):
    """The next id of a table's integer primary key, as an expression for ``INSERT … SELECT``."""

    def next_id(self, column: Column[int]) -> ColumnElement[int]:
        """An expression worth the id the next row of ``column``'s table gets; evaluate it once per row."""
        ...


class PostgresIds:
    """``nextval`` on the serial column's sequence: no lock, ids never reused."""

    def next_id(self, column: Column[int]) -> ColumnElement[int]:
        return func.nextval(func.pg_get_serial_sequence(column.table.name, column.name))


class SqliteIds:
    """``MAX(id) + 1``: safe because every SQLite write transaction holds the write lock from its BEGIN."""

    def next_id(self, column: Column[int]) -> ColumnElement[int]:
        return select(func.coalesce(func.max(column), 0) + 1).scalar_subquery()


# One instance per dialect, so statements cached per allocator are built once per process.
_POSTGRES, _SQLITE = PostgresIds(), SqliteIds()


def id_allocator(dialect: str) -> IdAllocator:
    return _POSTGRES if dialect == "postgresql" else _SQLITE
