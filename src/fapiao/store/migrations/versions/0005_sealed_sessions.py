"""sealed TOP session keys

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 01:20:00

A TOP session key signs a provider app in as a merchant, so it is a secret like the others: stored sealed
(``session_sealed``) and found by its keyed digest (``session_digest``, the renamed ``session_key`` column with
its unique index). Both need the runtime's key, which ``Database.upgrade(box=…)`` hands over (``fapiao db upgrade``
and ``fapiao serve`` do); a store without sessions migrates without it.

The column is renamed and added in place (no table rebuild on SQLite), so migration 0004's triggers on the table
stay; the rewrite of each row bumps its app's cache revision like any other update.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_SESSIONS = sa.table(
    "provider_sessions",
    sa.column("id", sa.BigInteger()),
    sa.column("session_digest", sa.String()),
    sa.column("session_sealed", sa.Text()),
)


def upgrade() -> None:
    connection = op.get_bind()
    # Read, and find the key, before any DDL: on SQLite the migration's DDL is not rolled back with a failure
    # (pysqlite runs it outside a transaction), and a retry must find the table as 0004 left it.
    rows = connection.execute(sa.text("SELECT id, session_key FROM provider_sessions")).all()
    box = _box() if rows else None
    postgresql = connection.dialect.name == "postgresql"
    op.execute("ALTER TABLE provider_sessions RENAME COLUMN session_key TO session_digest")
    if postgresql:
        op.execute(
            "ALTER TABLE provider_sessions RENAME CONSTRAINT uq_provider_sessions_session_key "
            "TO uq_provider_sessions_session_digest"
        )
    op.add_column("provider_sessions", sa.Column("session_sealed", sa.Text(), nullable=True))
    for row_id, key in rows:
        assert box is not None
        connection.execute(
            _SESSIONS.update()
            .where(_SESSIONS.c.id == row_id)
            .values(session_digest=box.digest(key), session_sealed=box.seal(key))
        )


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(_SESSIONS.c.id, _SESSIONS.c.session_sealed)).all()
    if rows:
        box = _box()
        for row_id, sealed in rows:
            connection.execute(
                _SESSIONS.update().where(_SESSIONS.c.id == row_id).values(session_digest=box.open(sealed))
            )
    op.drop_column("provider_sessions", "session_sealed")
    if connection.dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE provider_sessions RENAME CONSTRAINT uq_provider_sessions_session_digest "
            "TO uq_provider_sessions_session_key"
        )
    op.execute("ALTER TABLE provider_sessions RENAME COLUMN session_digest TO session_key")


def _box() -> Any:
    box = context.config.attributes.get("secret_box")
    if box is None:
        raise RuntimeError(
            "migration 0005 encrypts the stored TOP session keys and needs the secret key: "
            "run it with `fapiao db upgrade` (FAPIAO_SECRET_KEY or the data directory's key file)"
        )
    return box
