"""What an operator sees when the ``fapiao`` command cannot do its work: one line on stderr (one JSON document on
stdout under ``--json``) naming the problem and the fix, a non-zero exit, and a traceback only with ``--debug``."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import fapiao
from fapiao.settings import Settings
from tests.support.cli import Cli
from tests.support.paths import python_path
from tests.support.stores import POSTGRES_URL, admin, with_database

pytestmark = pytest.mark.slow

needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="needs FAPIAO_TEST_DATABASE_URL")


@dataclass
class Case:
    """A broken setup: the command's environment, and what its one line must say."""

    code: str
    problem: str  # in the message
    fix: str  # in the hint
    env: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ("accounts", "list")
    exit_code: int = 1


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """A PostgreSQL database nobody migrated."""
    assert POSTGRES_URL
    name = f"fapiao_empty_{uuid.uuid4().hex[:12]}"
    admin(f'CREATE DATABASE "{name}"')
    yield with_database(POSTGRES_URL, name)
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _unmigrated_sqlite(data_dir: Path) -> Case:
    path = data_dir / "empty.sqlite3"
    sqlite3.connect(path).close()
    return Case(
        "SchemaOutdated", "no such table: accounts", "fapiao db upgrade", {"FAPIAO_DATABASE_URL": f"sqlite:///{path}"}
    )


CASES: dict[str, Callable[[Path], Case]] = {
    "not a URL": lambda _: Case(
        "InvalidDatabaseUrl", "'not a url' is not a URL", "FAPIAO_DATABASE_URL", {"FAPIAO_DATABASE_URL": "not a url"}
    ),
    "mysql": lambda _: Case(
        "InvalidDatabaseUrl",
        "mysql databases are not supported",
        "postgresql://",
        {"FAPIAO_DATABASE_URL": "mysql://fapiao@127.0.0.1/fapiao"},
    ),
    "sqlite in a missing folder": lambda data_dir: Case(
        "InvalidDatabaseUrl",
        f"the folder {data_dir / 'missing'} of the SQLite database does not exist",
        "in an existing folder",
        {"FAPIAO_DATABASE_URL": f"sqlite:///{data_dir / 'missing' / 'fapiao.sqlite3'}"},
    ),
    "postgres refusing connections": lambda _: Case(
        "DatabaseUnreachable",
        "Connection refused",
        "check that the database server is running",
        {"FAPIAO_DATABASE_URL": "postgresql://fapiao:s3cret@127.0.0.1:1/fapiao"},  # port 1: nobody listens
    ),
    "unmigrated sqlite": _unmigrated_sqlite,
    "invalid setting": lambda _: Case(
        "InvalidSetting",
        "FAPIAO_PROFILE='prod': Input should be 'sandbox' or 'production'",
        "environment variable",
        {"FAPIAO_PROFILE": "prod"},
    ),
    "unknown option": lambda _: Case(
        "UsageError",
        "No such option '--bogus'",
        "fapiao accounts list --help",
        args=("accounts", "list", "--bogus"),
        exit_code=2,
    ),
    "root option after the command": lambda _: Case(
        "UsageError",
        "--database-url is an option of fapiao itself",
        "give it before the command: fapiao --database-url VALUE",
        args=("accounts", "list", "--database-url", "sqlite://"),
        exit_code=2,
    ),
    "unknown command": lambda _: Case(
        "UsageError", "No such command 'acounts'", "fapiao --help", args=("acounts", "list"), exit_code=2
    ),
    "bad argument": lambda _: Case(
        "UsageError",
        "'x' is not a valid integer",
        "fapiao accounts show --help",
        args=("accounts", "show", "x"),
        exit_code=2,
    ),
}


def _cli(data_dir: Path) -> Cli:
    return Cli(Settings(data_dir=data_dir))


def _assert_one_line(done: subprocess.CompletedProcess[str], case: Case) -> str:
    assert done.returncode == case.exit_code, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: "), done.stderr
    line = done.stderr.strip()
    assert case.problem in line and case.fix in line
    assert line.index(case.problem) < line.index(case.fix)  # what is wrong, then what to do
    return line


def _assert_one_document(done: subprocess.CompletedProcess[str], case: Case) -> dict[str, str]:
    assert done.returncode == case.exit_code, done.stderr
    assert done.stderr == ""
    assert done.stdout.count("\n") == 1, done.stdout  # exactly one document
    error: dict[str, str] = json.loads(done.stdout)["error"]
    assert error["code"] == case.code
    assert case.problem in error["message"] and case.fix in error["hint"]
    return error


@pytest.mark.parametrize("name", CASES)
def test_a_failure_is_one_line_naming_the_problem_and_the_fix(name: str, data_dir: Path) -> None:
    case = CASES[name](data_dir)
    _assert_one_line(_cli(data_dir).run(*case.args, env=case.env), case)


@pytest.mark.parametrize("name", CASES)
def test_under_json_a_failure_is_one_error_document(name: str, data_dir: Path) -> None:
    case = CASES[name](data_dir)
    _assert_one_document(_cli(data_dir).run(*case.args, "--json", env=case.env), case)


def test_a_sqlite_url_in_a_missing_folder_creates_nothing(data_dir: Path) -> None:
    missing = data_dir / "missing"
    done = _cli(data_dir).run("db", "upgrade", env={"FAPIAO_DATABASE_URL": f"sqlite:///{missing / 'f.sqlite3'}"})
    assert done.returncode == 1
    assert not missing.exists()


def test_the_default_data_dir_is_created(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh" / "fapiao"
    cli = Cli(Settings(data_dir=data_dir))
    done = cli.run("db", "upgrade", env={"FAPIAO_DATABASE_URL": ""})  # unset: the default store in the data dir
    assert done.returncode == 0, done.stderr
    assert (data_dir / "fapiao.sqlite3").is_file()


def test_the_database_password_is_not_shown(data_dir: Path) -> None:
    case = CASES["postgres refusing connections"](data_dir)
    line = _assert_one_line(_cli(data_dir).run("accounts", "list", env=case.env), case)
    assert "s3cret" not in line and "postgresql://fapiao:***@127.0.0.1:1/fapiao" in line


def test_serve_refuses_several_workers_on_sqlite(data_dir: Path) -> None:
    case = Case("UsageError", "--workers 2 needs PostgreSQL", "use --workers 1", exit_code=2)
    _assert_one_line(_cli(data_dir).run("serve", "--workers", "2", "--port", "1"), case)


def test_serve_with_a_broken_store_is_one_line(data_dir: Path) -> None:
    case = CASES["mysql"](data_dir)
    _assert_one_line(_cli(data_dir).run("serve", "--port", "1", env=case.env), case)


@pytest.mark.postgres
@needs_postgres
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_a_missing_postgres_database(as_json: bool, data_dir: Path) -> None:
    assert POSTGRES_URL
    name = f"fapiao_missing_{uuid.uuid4().hex[:8]}"
    env = {"FAPIAO_DATABASE_URL": with_database(POSTGRES_URL, name)}
    case = Case("DatabaseMissing", f"the database '{name}' does not exist", f"createdb {name}", env)
    done = _cli(data_dir).run(*case.args, *(["--json"] if as_json else []), env=env)
    (_assert_one_document if as_json else _assert_one_line)(done, case)


@pytest.mark.postgres
@needs_postgres
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_an_unmigrated_postgres_database(as_json: bool, data_dir: Path, empty_postgres: str) -> None:
    env = {"FAPIAO_DATABASE_URL": empty_postgres}
    case = Case("SchemaOutdated", 'relation "accounts" does not exist', "run `fapiao db upgrade`", env)
    done = _cli(data_dir).run(*case.args, *(["--json"] if as_json else []), env=env)
    (_assert_one_document if as_json else _assert_one_line)(done, case)


@pytest.mark.parametrize("where", ["first", "last", "environment"])
def test_debug_shows_the_traceback_then_the_line(where: str, data_dir: Path) -> None:
    case = _unmigrated_sqlite(data_dir)
    args = {"first": ("--debug", *case.args), "last": (*case.args, "--debug"), "environment": case.args}[where]
    env = {**case.env, **({"FAPIAO_DEBUG": "1"} if where == "environment" else {})}
    done = _cli(data_dir).run(*args, env=env)
    assert done.returncode == 1
    assert "Traceback (most recent call last)" in done.stderr
    assert "sqlite3.OperationalError: no such table: accounts" in done.stderr
    assert done.stderr.splitlines()[-1].startswith("error: ")


def test_version(data_dir: Path) -> None:
    done = _cli(data_dir).run("--version")
    assert (done.returncode, done.stdout) == (0, f"fapiao {fapiao.__version__}\n")


HEAVY = ("sqlalchemy", "pydantic", "fastapi", "starlette", "uvicorn", "alembic", "httpx")


def _imported(*args: str) -> set[str]:
    """The top-level packages ``fapiao ARGS`` imports (python -X importtime lists every import on stderr)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "fapiao", *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": python_path(), "HOME": "/nonexistent"},
        timeout=60,
        check=True,
    )
    return {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }


def test_help_and_version_import_nothing_heavy() -> None:
    for args in (["--help"], ["--version"]):
        imported = _imported(*args)
        assert "click" in imported  # the listing is real
        assert not imported.intersection(HEAVY), args


def test_a_commands_help_loads_its_module(data_dir: Path) -> None:
    assert "sqlalchemy" in _imported("accounts", "--help")  # the lazy command is the real one
    done = _cli(data_dir).run("accounts", "--help")
    assert done.returncode == 0 and "create" in done.stdout and "Customer accounts" in done.stdout


@pytest.mark.parametrize("args", [(), ("accounts",)], ids=["fapiao", "a group"])
def test_a_bare_command_shows_its_help(args: tuple[str, ...], data_dir: Path) -> None:
    done = _cli(data_dir).run(*args)
    assert done.returncode == 2  # click's own answer to a group without a command
    assert done.stderr.startswith(f"Usage: fapiao {' '.join(args)}".rstrip() + " [OPTIONS] COMMAND")
    assert "error:" not in done.stderr
