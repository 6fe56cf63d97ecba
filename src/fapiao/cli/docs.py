"""``fapiao docs``: regenerate the reference pages that are derived from the protocol catalogs."""

from __future__ import annotations

import importlib
from pathlib import Path

import click

from fapiao.cli.base import cli

# command → (the protocol's reference module, what the page documents); each module has render() and DOCS_PATH
_PAGES = {
    "aliyun": ("fapiao.protocols.aliyun.reference", "the BssOpenApi actions, from the operation catalog"),
    "top": ("fapiao.protocols.top.reference", "the TOP (/router/rest) methods, from the method catalog"),
}


@cli.group("docs")
def docs_group() -> None:
    """Reference pages generated from the code."""


def _page_command(name: str, module_name: str, summary: str) -> None:
    @docs_group.command(name, help=f"Write the reference page of {summary}.")
    @click.option(
        "--output",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Where to write the page (default: its place under docs/ in the current directory); '-' prints it.",
    )
    def write_page(output: Path | None) -> None:
        reference = importlib.import_module(module_name)  # imported on use: the CLI starts without the catalogs
        page: str = reference.render()
        if output is not None and str(output) == "-":
            click.echo(page, nl=False)
            return
        target: Path = output or reference.DOCS_PATH
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
        click.echo(str(target), err=True)


for _name, (_module, _summary) in _PAGES.items():
    _page_command(_name, _module, _summary)
