"""Cache revisions on the store: the scopes migration 0004's triggers bump, and the statements that read them.

Each write to what a signed-request cache holds bumps its scope's revision (``account:<id>``, ``app:<id>``)
in the writing transaction, so no write path can forget to. Fills read a scope's revision in the same
statement (or transaction) as the data it guards; a request learns the current revisions from one raw
primary-key lookup (``current``) or with its nonce claim (``store.nonces``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import Connection, SQLColumnExpression, String, bindparam, cast, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from fapiao.store.tables import CacheRevision

if TYPE_CHECKING:
    from fapiao.store.db import Database

Revisions = tuple[int, ...]

ACCOUNT_PREFIX = "account:"
APP_PREFIX = "app:"


def account_scope(account_id: int) -> str:
    return f"{ACCOUNT_PREFIX}{account_id}"


def app_scope(app_id: int) -> str:
    return f"{APP_PREFIX}{app_id}"


def scope_of(prefix: str, id_column: SQLColumnExpression[int]) -> ColumnElement[str]:
    """``'<prefix>' || id`` in SQL: the scope name the triggers write, for a row's id column."""
    return literal(prefix) + cast(id_column, String)


def revision_of(scope: ColumnElement[str]) -> ColumnElement[int]:
    """A scalar subquery for a scope's revision (0 before its first write), to read it in the same statement
    — the same snapshot — as the data it guards."""
    subquery = select(CacheRevision.revision).where(CacheRevision.scope == scope).scalar_subquery()
    return func.coalesce(subquery, 0)


def read(connection: Connection, scopes: Sequence[str]) -> Revisions:
    """The scopes' revisions inside an open transaction (for fills)."""
    rows = connection.execute(_READ, {"scopes": list(scopes)})
    found: dict[str, int] = {row.scope: row.revision for row in rows}
    return tuple(found.get(scope, 0) for scope in scopes)


_READ = select(CacheRevision.scope, CacheRevision.revision).where(
    CacheRevision.scope.in_(bindparam("scopes", expanding=True))
)


def current(db: Database, scopes: Sequence[str]) -> Revisions:
    """The scopes' revisions now, in one raw primary-key lookup: every TOP request runs it, and SQLAlchemy's
    layers would cost more than the lookup (bench/README.md)."""
    found = dict(db.raw_fetch(_current_sql(db.placeholder, len(scopes)), tuple(scopes)))
    return tuple(int(found.get(scope, 0)) for scope in scopes)


@functools.cache
def _current_sql(marker: str, count: int) -> str:
    markers = ", ".join([marker] * count)  # parameter markers only, the values are bound
    return f"SELECT scope, revision FROM cache_revisions WHERE scope IN ({markers})"  # noqa: S608
