"""Shared plumbing of the CLI: the root group, store options, ``--json`` output and error rendering."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from fapiao.domain.errors import DomainError
from fapiao.protocols.native import status_and_code
from fapiao.runtime import Runtime, build_runtime
from fapiao.settings import Settings
from fapiao.usecases.serialize import to_jsonable

F = TypeVar("F", bound=Callable[..., Any])


class State:
    """Built lazily so ``fapiao --help`` never touches the store."""

    def __init__(self, database_url: str | None, data_dir: Path | None) -> None:
        self.overrides: dict[str, Any] = {}
        if database_url:
            self.overrides["database_url"] = database_url
        if data_dir:
            self.overrides["data_dir"] = data_dir
        self._runtime: Runtime | None = None

    @property
    def settings(self) -> Settings:
        return Settings(**self.overrides)

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            self._runtime = build_runtime(self.settings)
        return self._runtime


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option("--database-url", envvar="FAPIAO_DATABASE_URL", help="SQLite or PostgreSQL URL of the store.")
@click.option(
    "--data-dir",
    envvar="FAPIAO_DATA_DIR",
    type=click.Path(path_type=Path),
    help="Where the embedded store, key file and documents live.",
)
@click.pass_context
def cli(ctx: click.Context, database_url: str | None, data_dir: Path | None) -> None:
    """Fapiao: invoice titles, addresses and invoice applications behind Alibaba Cloud and TOP APIs."""
    ctx.obj = State(database_url, data_dir)


def main() -> None:
    from fapiao.cli import commands  # noqa: F401  (registers the subcommands)

    cli(prog_name="fapiao")


def runtime() -> Runtime:
    return click.get_current_context().find_object(State).runtime  # type: ignore[union-attr]


def state() -> State:
    found = click.get_current_context().find_object(State)
    assert found is not None
    return found


def output(human: Callable[[Any], str] | None = None) -> Callable[[F], F]:
    """Add ``--json`` to a command; the command returns its result and this prints it."""

    def decorate(func: F) -> F:
        @click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
        @functools.wraps(func)
        def wrapper(*args: Any, as_json: bool, **kwargs: Any) -> None:
            try:
                result = func(*args, **kwargs)
            except DomainError as exc:
                error = {"code": status_and_code(exc)[1], "message": exc.message, "field": exc.field}
                if as_json:
                    click.echo(json.dumps({"error": error}, ensure_ascii=False))
                else:
                    click.echo(f"error: {exc.message} ({status_and_code(exc)[1]})", err=True)
                sys.exit(1)
            data = to_jsonable(result)
            if as_json:
                click.echo(json.dumps(data, ensure_ascii=False, indent=2))
            elif human is not None:
                click.echo(human(result))
            else:
                click.echo(render_text(data))

        return wrapper  # type: ignore[return-value]

    return decorate


def render_text(data: Any) -> str:
    """The human form of a result; rich is imported only by a command that prints one."""
    from fapiao.cli.render import render_text as render

    return render(data)


def parse_json_option(value: str, name: str) -> Any:
    """A JSON option given inline or as ``@path``."""
    return json.loads(json_option_text(value, name))


def json_option_text(value: str, name: str) -> str:
    """The text of a JSON option given inline or as ``@path``, once it parses: for a use case that reads the
    document itself (``json.loads`` would quietly keep only the last of two equal names)."""
    text = Path(value[1:]).read_text() if value.startswith("@") else value
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON: {exc.msg}", param_hint=name) from None
    return text
