"""Alembic environment: the same migrations run on SQLite (batch mode) and PostgreSQL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from fapiao.store.tables import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url is not None

engine = create_engine(url, hide_parameters=True)  # values are personal data (store.db.make_engine)
try:
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
finally:
    engine.dispose()  # a failed migration too: its pooled connection is closed, not left to the collector
