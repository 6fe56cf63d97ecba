"""The root group lists its commands without loading them; what it lists must be what loading them gives."""

from __future__ import annotations

import importlib

import click
from click.testing import CliRunner

from fapiao.cli.base import LAZY_COMMANDS, RootGroup, cli


def _load_all() -> dict[str, click.Command]:
    for module, _ in LAZY_COMMANDS.values():
        importlib.import_module(module)
    return dict(cli.commands)


def test_every_command_is_listed_with_its_own_summary_and_module() -> None:
    loaded = _load_all()
    assert set(loaded) == set(LAZY_COMMANDS)  # a new command must be added to LAZY_COMMANDS, and only there
    for name, command in loaded.items():
        module, summary = LAZY_COMMANDS[name]
        assert command.get_short_help_str(limit=1000) == summary, name
        assert command.callback is not None and command.callback.__module__ == module, name


def test_the_listing_is_the_same_before_and_after_loading() -> None:
    # knows its commands only by LAZY_COMMANDS
    unloaded = RootGroup("fapiao", params=cli.params, help=cli.help, context_settings=cli.context_settings)
    before = CliRunner().invoke(unloaded, ["--help"], prog_name="fapiao")
    _load_all()
    after = CliRunner().invoke(cli, ["--help"], prog_name="fapiao")
    assert before.exit_code == after.exit_code == 0
    assert before.output == after.output
    assert all(f"  {name}  " in after.output for name in LAZY_COMMANDS)
