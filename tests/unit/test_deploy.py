"""The deploy files (Dockerfile, deploy/compose.yaml, the systemd units, the proxy examples) agree with the
code: no engine builds the image here, so these checks are what keeps them from rotting. Every ``FAPIAO_*`` they
name is a setting and every ``fapiao`` command line they run parses (its ``--help`` with the same arguments
exits 0: click reads every option before it answers ``--help``, so a misspelt one fails)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # (PyYAML: uvicorn[standard] brings it)
from click.testing import CliRunner

import fapiao.cli.commands  # noqa: F401  (registers the subcommands)
from fapiao.cli.base import cli
from fapiao.settings import Settings
from tests.support.paths import REPOSITORY

DEPLOY = REPOSITORY / "deploy"
DOCKERFILE = REPOSITORY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
FILES = [DOCKERFILE, COMPOSE, *UNITS, *(DEPLOY / "nginx").glob("*"), *(DEPLOY / "caddy").glob("*")]
SETTINGS = {f"FAPIAO_{name.upper()}" for name in Settings.model_fields}


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def dockerfile_instruction(name: str) -> list[str]:
    """The exec-form (JSON) arguments of the Dockerfile's last ``name`` instruction."""
    lines = [line for line in DOCKERFILE.read_text(encoding="utf-8").splitlines() if line.startswith(f"{name} ")]
    parsed: list[str] = json.loads(lines[-1].removeprefix(f"{name} "))
    return parsed


def unit_commands(path: Path) -> list[list[str]]:
    """The fapiao arguments of each ExecStart/ExecStartPre line of a unit."""
    commands = []
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key in ("ExecStart", "ExecStartPre"):
            program, *arguments = shlex.split(value)
            assert program == "/opt/fapiao/bin/fapiao", line
            commands.append(arguments)
    return commands


def command_lines() -> list[tuple[str, list[str]]]:
    lines = [("Dockerfile CMD", dockerfile_instruction("CMD"))]
    lines += [
        (f"compose {name}", service["command"])
        for name, service in compose()["services"].items()
        if service.get("image", "").startswith("fapiao")
    ]
    lines += [(path.name, command) for path in UNITS for command in unit_commands(path)]
    return lines


def test_the_compose_file_runs_postgresql_redis_migrations_two_replicas_and_a_worker() -> None:
    services = compose()["services"]
    assert {"postgres", "redis", "migrate", "serve", "worker", "proxy"} <= set(services)
    assert services["serve"]["deploy"]["replicas"] == 2
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert "--no-migrate" in services["serve"]["command"]
    assert services["serve"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_the_trusted_proxy_is_the_proxys_own_address() -> None:
    services = compose()["services"]
    proxy = services["proxy"]["networks"]["fapiao"]["ipv4_address"]
    assert services["serve"]["environment"]["FAPIAO_TRUSTED_PROXIES"] == proxy


def test_every_variable_the_compose_file_sets_is_a_setting() -> None:
    for name, service in compose()["services"].items():
        variables = {key for key in service.get("environment", {}) if key.startswith("FAPIAO_")}
        assert variables <= SETTINGS, (name, sorted(variables - SETTINGS))


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_every_fapiao_variable_the_deploy_files_name_is_a_setting(path: Path) -> None:
    named = set(re.findall(r"\bFAPIAO_[A-Z0-9_]+\b", path.read_text(encoding="utf-8")))
    assert named <= SETTINGS, sorted(named - SETTINGS)


@pytest.mark.parametrize(("where", "arguments"), command_lines(), ids=lambda value: str(value))
def test_every_command_line_they_run_parses(where: str, arguments: list[str]) -> None:
    done = CliRunner().invoke(cli, [*arguments, "--help"], prog_name="fapiao")
    assert done.exit_code == 0, (where, done.output)


def test_a_misspelt_option_would_fail_that_check() -> None:
    done = CliRunner().invoke(cli, ["serve", "--no-migrat", "--help"], prog_name="fapiao")
    assert done.exit_code == 2


def test_the_image_runs_as_an_unprivileged_user_and_runs_fapiao() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^USER fapiao$", text, re.MULTILINE)
    assert dockerfile_instruction("ENTRYPOINT") == ["fapiao"]
    assert text.count("\nFROM ") + text.startswith("FROM ") >= 2  # multi-stage: build tools stay behind


@pytest.mark.parametrize("path", UNITS, ids=lambda path: path.name)
def test_the_units_are_hardened(path: Path) -> None:
    settings = dict(
        line.split("=", 1)
        for line in path.read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert settings["User"] == "fapiao"
    for option in ("NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices", "RestrictSUIDSGID"):
        assert settings[option] == "yes", option
    assert settings["ProtectSystem"] == "strict"
    assert settings["CapabilityBoundingSet"] == ""
