"""cache revisions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 07:30:00

Every process caches the credentials and title lists that signed requests read. Triggers bump a revision per
scope (``account:<id>``, ``app:<id>``) in the very transaction that changes what such a cache holds, whatever
writes it (services, the CLI, a DBA's UPDATE), so a process can tell a stale entry from one cheap lookup.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# table -> (events, scope expression over the row alias {row}); NULL scopes bump nothing.
_ACCOUNT = "'account:' || {row}.account_id"
_WATCHED: dict[str, tuple[str, str]] = {
    "accounts": ("UPDATE DELETE", "'account:' || {row}.id"),
    "access_keys": ("INSERT UPDATE DELETE", _ACCOUNT),
    "ram_users": ("INSERT UPDATE DELETE", _ACCOUNT),
    "ram_policies": (
        "INSERT UPDATE DELETE",
        "(SELECT 'account:' || ram_users.account_id FROM ram_users WHERE ram_users.id = {row}.ram_user_id)",
    ),
    "titles": ("INSERT UPDATE DELETE", _ACCOUNT),
    "provider_apps": ("UPDATE DELETE", "'app:' || {row}.id"),
    "provider_sessions": ("INSERT UPDATE DELETE", "'app:' || {row}.app_id"),
}


def upgrade() -> None:
    op.create_table(
        "cache_revisions",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_cache_revisions")),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in _WATCHED:
        if postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS cache_revision ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS cache_revision_{table}()")
        else:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS cache_revision_{table}_{event}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS bump_cache_revision(text)")
    op.drop_table("cache_revisions")


def _sqlite_triggers() -> None:
    for table, (events, scope) in _WATCHED.items():
        for event in events.split():
            rows = {"INSERT": ["NEW"], "UPDATE": ["OLD", "NEW"], "DELETE": ["OLD"]}[event]
            # INSERT … SELECT … WHERE: a NULL scope inserts nothing; "WHERE true" also settles SQLite's parse of
            # an upsert after a SELECT.
            bumps = "".join(
                f"INSERT INTO cache_revisions (scope, revision) SELECT {scope.format(row=row)}, 1 "
                f"WHERE {scope.format(row=row)} IS NOT NULL "
                "ON CONFLICT (scope) DO UPDATE SET revision = cache_revisions.revision + 1; "
                for row in rows
            )
            op.execute(
                f"CREATE TRIGGER cache_revision_{table}_{event.lower()} AFTER {event} ON {table} "
                f"FOR EACH ROW BEGIN {bumps}END"
            )


def _postgresql_triggers() -> None:
    op.execute(
        "CREATE FUNCTION bump_cache_revision(target text) RETURNS void LANGUAGE sql AS $$ "
        "INSERT INTO cache_revisions (scope, revision) SELECT target, 1 WHERE target IS NOT NULL "
        "ON CONFLICT (scope) DO UPDATE SET revision = cache_revisions.revision + 1 $$"
    )
    for table, (events, scope) in _WATCHED.items():
        op.execute(
            f"CREATE FUNCTION cache_revision_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP <> 'INSERT' THEN PERFORM bump_cache_revision({scope.format(row='OLD')}); END IF; "
            f"IF TG_OP <> 'DELETE' THEN PERFORM bump_cache_revision({scope.format(row='NEW')}); END IF; "
            "RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER cache_revision AFTER {' OR '.join(events.split())} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION cache_revision_{table}()"
        )
