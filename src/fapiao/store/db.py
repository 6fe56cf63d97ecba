"""Engine, sessions and migrations. Services open one transaction per use case with ``Database.begin`` (Core)
or ``Database.transaction`` (ORM); both join the unit already open in the caller's context, so a use case can
run inside a larger unit (an idempotent write: reservation, use case and recorded answer commit together)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, DateTime, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from fapiao.store.idempotency import IdempotencyStore, idempotency_store
from fapiao.store.ids import IdAllocator, id_allocator
from fapiao.store.nonces import NonceStore, nonce_store

if TYPE_CHECKING:
    from alembic.config import Config

    from fapiao.crypto import SecretBox

MIGRATIONS = Path(__file__).parent / "migrations"

RawStatement = tuple[str, tuple[Any, ...]]
RawListener = Callable[[str, tuple[Any, ...]], None]


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` URLs and use psycopg 3 for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class DatabaseUrlError(ValueError):
    """A database URL the store cannot use: unparsable, another database than SQLite or PostgreSQL, or a SQLite
    file in a folder that does not exist. Raised before any connection, so callers can say what to fix."""


SUPPORTED_BACKENDS = ("sqlite", "postgresql")


def check_url(url: str) -> URL:
    """The parsed URL of a store Fapiao can use, or ``DatabaseUrlError``."""
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        raise DatabaseUrlError(f"the database URL {url!r} is not a URL") from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise DatabaseUrlError(f"{backend} databases are not supported (only SQLite and PostgreSQL)")
    if backend == "sqlite" and parsed.database and parsed.database != ":memory:":
        # Not created: a mistyped explicit path would otherwise become a new, empty store somewhere unexpected.
        # The default store's folder (the data directory) is created by whoever owns it (runtime.build_runtime).
        folder = Path(parsed.database).parent
        if not folder.is_dir():
            raise DatabaseUrlError(f"the folder {folder} of the SQLite database does not exist")
    return parsed


def make_engine(url: str) -> Engine:
    """The store's engine. ``hide_parameters``: a failed statement's error (and so any log of it) names the
    statement but not its values, which are bank accounts, tax ids and phone numbers."""
    url = normalise_url(url)
    parsed = check_url(url)
    if parsed.get_backend_name() == "sqlite":
        # One connection per process: SQLite runs one writer at a time anyway, and threads queueing fairly on
        # the pool beat threads sleeping in SQLite's busy handler (which made the tail latency seconds long).
        engine = create_engine(
            url,
            hide_parameters=True,
            connect_args={"timeout": 30, "check_same_thread": False},
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    engine = create_engine(url, hide_parameters=True, pool_size=10, max_overflow=20)
    event.listen(engine, "checkin", _note_checkin)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


# A pooled connection unused for this long is pinged before it is handed out. SQLAlchemy's pool_pre_ping
# pings on every checkout: a round trip on every signed request. Connections in steady use are not pinged;
# if the server went away under them, the first statement fails, SQLAlchemy discards the whole pool and the
# next request connects afresh.
IDLE_PING_SECONDS = 10.0


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["checked_in"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    checked_in = record.info.get("checked_in")
    if checked_in is None or time.monotonic() - checked_in < IDLE_PING_SECONDS:
        return  # fresh from connect, or in steady use
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        dbapi_connection.rollback()
    except Exception as exc:
        raise DisconnectionError("idle connection is gone") from exc  # the pool retries with a new one


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy manage transactions (pysqlite's own BEGIN handling is off), WAL so readers never
    # block the writer, foreign keys enforced, and a busy timeout instead of instant "database is locked".
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # Take the write lock at the start: a read-then-write transaction can then never fail halfway
    # with SQLITE_BUSY when another process wrote in between.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        # Sessions join the unit's connection: "rollback_only" makes a session's commit a flush (the unit
        # commits) while a session's rollback rolls the whole unit back.
        self._sessions = sessionmaker(expire_on_commit=False, join_transaction_mode="rollback_only")
        dialect = self.engine.dialect
        self._datetime_to_db: Callable[[Any], Any] | None = DateTime().dialect_impl(dialect).bind_processor(dialect)
        self.raw_listeners: list[RawListener] = []  # called with each raw statement before it runs (tests)
        self.nonces: NonceStore = nonce_store(self)  # this dialect's nonce claim
        self.ids: IdAllocator = id_allocator(self.dialect)  # this dialect's ids chosen inside an INSERT
        self.idempotency: IdempotencyStore = idempotency_store(self)  # this dialect's key reservation
        # The unit of work open in this context (thread or task), which ``begin`` and ``transaction`` join.
        self._unit: ContextVar[Connection | None] = ContextVar(f"fapiao_unit_{id(self)}", default=None)

    @property
    def placeholder(self) -> str:
        """The DBAPI's positional parameter marker, for the raw statements of ``raw_fetch``."""
        return "?" if self.dialect == "sqlite" else "%s"

    def raw_datetime(self, value: datetime) -> Any:
        """A naive UTC time as the column stores it (SQLAlchemy's text format on SQLite)."""
        return self._datetime_to_db(value) if self._datetime_to_db else value

    @property
    def serial(self) -> bool:
        """Whether a process runs its database work one request at a time anyway (SQLite: one connection)."""
        return self.dialect == "sqlite"

    def raw_fetch(self, sql: str, parameters: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """One statement as its own transaction on the pool's DBAPI connection, for the few statements every
        signed request runs: there SQLAlchemy's Core and ORM layers cost several times the statements
        themselves (bench/README.md). On PostgreSQL in autocommit, which saves the BEGIN and COMMIT round
        trips."""
        self._refuse_inside_unit()
        connection = self.engine.raw_connection()
        driver = connection.driver_connection
        autocommit = self.dialect == "postgresql"
        try:
            if autocommit:
                driver.autocommit = True  # type: ignore[union-attr]
            try:
                cursor = connection.cursor()
                self._raw_execute(cursor, sql, parameters)
                rows = [tuple(row) for row in cursor.fetchall()]
                cursor.close()
                return rows
            finally:
                if autocommit:
                    driver.autocommit = False  # type: ignore[union-attr]
        finally:
            connection.close()  # back to the pool

    def raw_transaction(self, statements: Sequence[RawStatement]) -> list[list[tuple[Any, ...]]]:
        """``raw_fetch`` for several statements in one write transaction (SQLite takes its write lock up front,
        like every other transaction here); each statement's rows, in order."""
        self._refuse_inside_unit()
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                if self.dialect == "sqlite":
                    self._raw_execute(cursor, "BEGIN IMMEDIATE", ())
                results = []
                for sql, parameters in statements:
                    self._raw_execute(cursor, sql, parameters)
                    results.append([tuple(row) for row in cursor.fetchall()])
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
            cursor.close()
            return results
        finally:
            connection.close()  # back to the pool

    def _raw_execute(self, cursor: Any, sql: str, parameters: tuple[Any, ...]) -> None:
        """Every raw statement runs here, after ``raw_listeners`` saw it: the engine's events never see the
        DBAPI connection's statements, and statement-count tests must."""
        for listener in self.raw_listeners:
            listener(sql, parameters)
        cursor.execute(sql, parameters)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _refuse_inside_unit(self) -> None:
        # A second connection inside a unit would see none of its writes, and on SQLite (one pooled connection)
        # it would wait for the unit's own connection until the pool times out: fail at once instead.
        if self._unit.get() is not None:
            raise RuntimeError("a raw statement of its own cannot run inside an open unit of work")

    @contextmanager
    def reads(self) -> Iterator[Connection]:
        """A connection for reads that need no common snapshot. On PostgreSQL it runs in autocommit (each
        statement sees the latest commit; no BEGIN and ROLLBACK round trips); SQLite keeps its usual
        transaction, since switching its driver's isolation level would undo the manual BEGIN set-up above.
        Inside a unit of work, the unit's connection (its writes are visible, and SQLite has no second one)."""
        joined = self._unit.get()
        if joined is not None:
            yield joined
            return
        connection = self.engine.connect()
        if self.dialect == "postgresql":
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        with connection:
            yield connection

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One unit of work on one connection: committed when the outermost block ends, rolled back if it
        raises. Opened while a unit is open in this context, it is that unit (the same connection and
        transaction; the outer block commits): a use case runs alone or as part of a larger unit unchanged.
        An exception leaving a joined block must leave the outer one too: the unit has no savepoint to go
        back to (PostgreSQL would refuse every further statement of a failed transaction anyway)."""
        joined = self._unit.get()
        if joined is not None:
            yield joined
            return
        with self.engine.begin() as connection:
            token = self._unit.set(connection)
            try:
                yield connection
            finally:
                self._unit.reset(token)

    @property
    def in_unit(self) -> bool:
        """Whether a unit of work is open in this context."""
        return self._unit.get() is not None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """``begin`` as an ORM session: flushed when the block ends; committed with the unit it belongs to
        (its own, or the one open in this context); a failure rolls the whole unit back."""
        with self.begin() as connection, self._sessions(bind=connection) as session, session.begin():
            yield session

    def upgrade(self, revision: str = "head", *, box: SecretBox | None = None) -> None:
        """Apply migrations. Alembic is imported only when there is work to do: loading it and every
        migration script costs most of a cold start, and a store at head needs neither. ``box``: the runtime's
        secret box, for migrations that encrypt stored values (0005 seals TOP session keys); a store with
        nothing to encrypt migrates without it."""
        if revision == "head" and self.current_revision() == head_revision():
            return
        from alembic import command

        config = alembic_config(self.url)
        config.attributes["secret_box"] = box
        command.upgrade(config, revision)

    def downgrade(self, revision: str, *, box: SecretBox | None = None) -> None:
        """Undo migrations down to ``revision`` (tests, and an operator going back a release)."""
        from alembic import command

        config = alembic_config(self.url)
        config.attributes["secret_box"] = box
        command.downgrade(config, revision)

    def current_revision(self) -> str | None:
        try:
            with self.engine.connect() as connection:
                return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError:  # no alembic_version table yet: an empty store
            return None

    def dispose(self) -> None:
        self.engine.dispose()


def head_revision() -> str:
    """The newest migration, read from the file names (``NNNN_name.py``) without importing alembic."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config
