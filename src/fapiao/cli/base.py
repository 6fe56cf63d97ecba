"""Shared plumbing of the CLI: the root group, store options, ``--json`` output and error rendering.

The root group loads a subcommand's module only when that command runs (or its help is asked for), so
``fapiao --help`` and ``fapiao --version`` start without SQLAlchemy, pydantic or FastAPI.
"""

from __future__ import annotations

import functools
import importlib
import json
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

import fapiao
from fapiao.cli.failures import Failure, explain, settings_failure

if TYPE_CHECKING:
    from fapiao.runtime import Runtime
    from fapiao.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])

# command → (module that registers it on ``cli``, its one-line help). The help is here so the root's help
# lists every command without importing any; tests/unit/cli/test_base.py checks it against the commands.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "accounts": ("fapiao.cli.accounts", "Customer accounts (UserId, UserNick)."),
    "addresses": ("fapiao.cli.records", "Mailing addresses for paper invoices."),
    "applications": (
        "fapiao.cli.applications",
        "Invoice applications (开票申请), as customers and providers see them.",
    ),
    "audit": ("fapiao.cli.records", "The audit log."),
    "db": ("fapiao.cli.maintenance", "The store: its schema, backups and retention."),
    "demo": ("fapiao.cli.server", "Migrate, then seed the demo account (idempotent) and print where to point clients."),
    "docs": ("fapiao.cli.docs", "Reference pages generated from the code."),
    "documents": ("fapiao.cli.records", "Title documents: tax registration scans and title-change statements."),
    "items": ("fapiao.cli.records", "Invoiceable items: what accounts were billed and may invoice."),
    "keys": ("fapiao.cli.accounts", "Access keys of accounts and RAM users (secrets are shown once, at creation)."),
    "providers": (
        "fapiao.cli.applications",
        "Invoice service provider apps (TOP app keys), merchants' authorisations and routing.",
    ),
    "ram": ("fapiao.cli.accounts", "RAM users of an account and their policies."),
    "secrets": ("fapiao.cli.maintenance", "The key that seals stored secrets (FAPIAO_SECRET_KEY) and its rotation."),
    "serve": ("fapiao.cli.server", "Serve the APIs over HTTP."),
    "titles": ("fapiao.cli.titles", "Invoice titles (发票抬头) and their review."),
    "webhooks": (
        "fapiao.cli.webhooks",
        "Webhook endpoints: signed POSTs of events, retried, with a delivery log (docs/webhooks.md).",
    ),
    "worker": ("fapiao.cli.worker", "Deliver webhooks."),
}


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
        from pydantic import ValidationError

        from fapiao.settings import Settings

        try:
            return Settings(**self.overrides)
        except ValidationError as exc:
            raise settings_failure(exc) from exc

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            from fapiao.runtime import build_runtime

            self._runtime = build_runtime(self.settings)
        return self._runtime

    def database_url(self) -> str | None:
        """The store's URL as configured, for error messages; None when the settings themselves are wrong."""
        try:
            return self.settings.resolved_database_url
        except Failure:
            return None


class RootGroup(click.Group):
    """The ``fapiao`` group: subcommands load on use (``LAZY_COMMANDS``), and every failure is rendered by
    ``report`` as one line or one JSON document."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            importlib.import_module(LAZY_COMMANDS[cmd_name][0])  # its decorators add it to this group
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's listing, from ``LAZY_COMMANDS`` for commands not loaded yet (shortened the same way)."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))
        rows = []
        for name in names:
            loaded = self.commands.get(name)
            if loaded is not None and loaded.hidden:
                continue
            shown = loaded or click.Command(name, help=LAZY_COMMANDS[name][1])  # a stand-in shortens it the same way
            rows.append((name, shown.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort, Failure):
            raise
        except Exception as exc:  # explained here, where the settings (and so the database URL) are at hand
            found = ctx.find_object(State)
            raise explain(exc, found.database_url() if found is not None else None) from exc

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any) -> NoReturn:  # type: ignore[override]
        argv = list(sys.argv[1:] if args is None else args)
        # --debug and --json are honoured wherever they stand, and before the command line is parsed, so that
        # even a usage error is reported in the form asked for.
        cut = argv.index("--") if "--" in argv else len(argv)
        options, rest = argv[:cut], argv[cut:]
        debug = "--debug" in options
        if debug:
            argv = ["--debug", *(arg for arg in options if arg != "--debug"), *rest]
        as_json = "--json" in options
        extra.pop("standalone_mode", None)  # always off: failures are rendered below, not by click
        try:
            code = super().main(argv, prog_name or "fapiao", standalone_mode=False, **extra)
        except Exception as exc:  # every failure ends here (Ctrl-C too: click.Abort)
            report(exc, as_json=as_json, debug=debug or _env_debug())
        sys.exit(code if isinstance(code, int) else 0)


def _env_debug() -> bool:
    import os

    return os.environ.get("FAPIAO_DEBUG", "").lower() in ("1", "true", "yes")


def report(exc: BaseException, *, as_json: bool, debug: bool) -> NoReturn:
    """Print a failure as one line on stderr (one JSON document on stdout under ``--json``) and exit."""
    original = exc.__cause__ if isinstance(exc, Failure) and exc.__cause__ is not None else exc
    if isinstance(original, click.exceptions.NoArgsIsHelpError):  # a bare group: its help, as click shows it
        click.echo(original.format_message(), err=True)
        sys.exit(2)
    failure = explain(exc)
    if debug and not isinstance(original, click.ClickException | click.Abort):
        traceback.print_exception(exc, file=sys.stderr)
    if as_json:
        click.echo(json.dumps(failure.document(), ensure_ascii=False))
    else:
        click.echo(f"error: {failure}", err=True)
    sys.exit(failure.exit_code)


@click.group(
    cls=RootGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
)
@click.option("--database-url", envvar="FAPIAO_DATABASE_URL", help="SQLite or PostgreSQL URL of the store.")
@click.option(
    "--data-dir",
    envvar="FAPIAO_DATA_DIR",
    type=click.Path(path_type=Path),
    help="Where the embedded store, key file and documents live.",
)
@click.option("--debug", is_flag=True, help="Print the traceback of a failure (also FAPIAO_DEBUG=1).")
@click.version_option(fapiao.__version__, "--version", prog_name="fapiao", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None, data_dir: Path | None, debug: bool) -> None:
    """Fapiao: invoice titles, addresses and invoice applications behind Alibaba Cloud and TOP APIs."""
    ctx.obj = State(database_url, data_dir)


def main() -> None:
    cli.main(prog_name="fapiao")


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
            from fapiao.domain.errors import DomainError
            from fapiao.protocols.native import status_and_code
            from fapiao.usecases.serialize import to_jsonable

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
