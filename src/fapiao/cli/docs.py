"""``fapiao docs``: regenerate the reference pages that are derived from code."""

from __future__ import annotations

from pathlib import Path

import click

from fapiao.cli.base import cli


@cli.group("docs")
def docs_group() -> None:
    """Reference pages generated from the code."""


@docs_group.command("aliyun")
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Where to write the page (default docs/aliyun-api.md under the current directory); '-' prints it.",
)
def aliyun_docs(output: Path | None) -> None:
    """Write the BssOpenApi reference page from the operation catalog."""
    from fapiao.protocols.aliyun import reference

    page = reference.render()
    if output is not None and str(output) == "-":
        click.echo(page, nl=False)
        return
    target = output or reference.DOCS_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    click.echo(str(target), err=True)


@docs_group.command("top")
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Where to write the page (default docs/top-api.md under the current directory); '-' prints it.",
)
def top_docs(output: Path | None) -> None:
    """Write the TOP (/router/rest) reference page from the method catalog."""
    from fapiao.protocols.top import reference

    page = reference.render()
    if output is not None and str(output) == "-":
        click.echo(page, nl=False)
        return
    target = output or reference.DOCS_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    click.echo(str(target), err=True)
