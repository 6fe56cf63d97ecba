"""What the CLI says when a command fails: one line (or one ``{"error": …}`` document under ``--json``) naming
the problem and what to do about it, instead of a traceback (``--debug`` shows that).

Only this module knows the shapes of the store's and the settings' exceptions; it imports them when a command
has failed, so a command that succeeds (and ``fapiao --help``) never loads SQLAlchemy or pydantic for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import click

from fapiao.domain.errors import DomainError
from fapiao.protocols.native import status_and_code

DATABASE_OPTION = "--database-url or FAPIAO_DATABASE_URL"
ROOT_OPTIONS = ("--database-url", "--data-dir")  # options of the root group, mistakenly put after a command


@dataclass(eq=False)  # not frozen: raising and context managers set attributes on an exception
class Failure(Exception):
    """A failure the operator can fix: ``code`` is stable (the ``--json`` document's), ``message`` says what is
    wrong and ``hint`` what to do. Commands raise it for what they refuse themselves (``serve --workers 2`` on
    SQLite); ``explain`` turns other exceptions into one."""

    code: str
    message: str
    hint: str = ""
    exit_code: int = 1

    def __str__(self) -> str:
        """The one line: "<what is wrong>; <what to do>"."""
        message = self.message.rstrip(".")
        if not self.hint:
            return message
        return f"{message}{' ' if message.endswith('?') else '; '}{self.hint}"

    def document(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "hint": self.hint}}


def explain(exc: BaseException, database_url: str | None = None) -> Failure:
    """The failure an exception means to an operator; anything unforeseen becomes ``InternalError``."""
    if isinstance(exc, Failure):
        return exc
    if isinstance(exc, click.NoSuchOption) and exc.option_name in ROOT_OPTIONS:
        return Failure(
            "UsageError",
            f"{exc.option_name} is an option of fapiao itself",
            f"give it before the command: fapiao {exc.option_name} VALUE COMMAND …",
            exit_code=exc.exit_code,
        )
    if isinstance(exc, click.UsageError):
        command = exc.ctx.command_path if exc.ctx is not None else "fapiao"
        return Failure("UsageError", exc.format_message(), f"see `{command} --help`", exit_code=exc.exit_code)
    if isinstance(exc, click.ClickException):
        return Failure("UsageError", exc.format_message(), "see `fapiao --help`", exit_code=exc.exit_code)
    if isinstance(exc, click.Abort):
        return Failure("Aborted", "aborted", "", exit_code=130)
    if isinstance(exc, DomainError):
        return Failure(status_and_code(exc)[1], exc.message, "")
    found = _store_failure(exc, database_url)
    if found is not None:
        return found
    if isinstance(exc, OSError) and exc.filename is not None:
        return Failure("FileError", f"{exc.strerror}: {exc.filename}", "check the path and its permissions")
    return Failure(
        "InternalError",
        f"{type(exc).__name__}: {_first_line(str(exc))}",
        "run again with --debug for the traceback and report it",
    )


def settings_failure(exc: Any) -> Failure:
    """A pydantic ``ValidationError`` of ``Settings``: name each bad setting by its environment variable."""
    problems = []
    for error in exc.errors(include_url=False):
        message = error["msg"].removeprefix("Value error, ")
        if error["loc"]:
            name = f"FAPIAO_{str(error['loc'][0]).upper()}"
            problems.append(f"{name}={error['input']!r}: {message}" if error["type"] != "missing" else name)
        else:  # a rule between settings
            problems.append(message)
    return Failure(
        "InvalidSetting",
        "invalid setting " + "; ".join(problems),
        "fix the environment variable (the README's Configuration table lists the settings)",
    )


# An unmigrated or older schema, as SQLite and PostgreSQL word it.
_SCHEMA_BEHIND = re.compile(
    r"no such (table|column)|relation \"[^\"]+\" does not exist|column \"[^\"]+\" .*does not exist"
)
_NO_DATABASE = re.compile(r"database \"([^\"]+)\" does not exist")


def _store_failure(exc: BaseException, database_url: str | None) -> Failure | None:
    import sqlalchemy.exc

    from fapiao.store.db import DatabaseUrlError

    if isinstance(exc, DatabaseUrlError):
        return Failure(
            "InvalidDatabaseUrl",
            str(exc),
            f"set {DATABASE_OPTION} to sqlite:///PATH/fapiao.sqlite3 (in an existing folder) or "
            "postgresql://USER@HOST/DATABASE",
        )
    if isinstance(exc, sqlalchemy.exc.DBAPIError):
        detail = _first_line(str(exc.orig)).removeprefix("connection failed: ")
        if _SCHEMA_BEHIND.search(detail):
            return Failure(
                "SchemaOutdated",
                f"the database {_shown(database_url)}is not migrated to this version of Fapiao ({detail})",
                "run `fapiao db upgrade`",
            )
        missing = _NO_DATABASE.search(detail)
        if missing:
            return Failure(
                "DatabaseMissing",
                f"the database {missing.group(1)!r} does not exist",
                f"create it (createdb {missing.group(1)}) and run `fapiao db upgrade`, or fix {DATABASE_OPTION}",
            )
        if exc.statement is None or "unable to open database file" in detail:  # failed to connect
            return Failure(
                "DatabaseUnreachable",
                f"cannot connect to the database {_shown(database_url)}({detail})",
                f"check that the database server is running and that {DATABASE_OPTION} is right",
            )
        return Failure(
            "DatabaseError",
            f"the database {_shown(database_url)}failed: {detail}",
            "run again with --debug for the traceback",
        )
    if type(exc).__module__.startswith("alembic"):
        return Failure(
            "MigrationError", _first_line(str(exc)), "check the --revision; `fapiao db upgrade` goes to head"
        )
    return None


def _shown(database_url: str | None) -> str:
    """The URL with its password hidden, and a trailing space, or nothing when it cannot be shown."""
    if not database_url:
        return ""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(database_url).render_as_string(hide_password=True) + " "
    except ArgumentError:
        return ""


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text
