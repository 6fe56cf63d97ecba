"""Run the real ``fapiao`` command in a subprocess, as an operator would."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from fapiao.settings import Settings
from tests.support.paths import python_path


class Cli:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """``fapiao ARGS`` over this store; ``env`` adds to (or overrides) its environment."""
        environment = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.settings.data_dir),
            "FAPIAO_DATABASE_URL": self.settings.resolved_database_url,
            "FAPIAO_DATA_DIR": str(self.settings.data_dir),
            "PYTHONPATH": python_path(),
            **(env or {}),
        }
        return subprocess.run(
            [sys.executable, "-m", "fapiao", *args],
            capture_output=True,
            text=True,
            env=environment,
            timeout=60,
            check=False,
        )

    def json(self, *args: str) -> Any:
        """Run with ``--json``; stdout must be exactly one JSON document and the command must succeed."""
        done = self.run(*args, "--json")
        assert done.returncode == 0, done.stderr + done.stdout
        return json.loads(done.stdout)

    def text(self, *args: str, columns: int = 120) -> list[str]:
        """Run without ``--json`` (the human output; stdout is not a terminal) and return its lines."""
        done = self.run(*args, env={"COLUMNS": str(columns)})
        assert done.returncode == 0, done.stderr + done.stdout
        return done.stdout.splitlines()

    def error(self, *args: str) -> dict[str, Any]:
        done = self.run(*args, "--json")
        assert done.returncode == 1, done.stderr + done.stdout
        body: dict[str, Any] = json.loads(done.stdout)["error"]
        return body
