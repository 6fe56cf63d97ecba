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

    def run(self, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.settings.data_dir),
            "FAPIAO_DATABASE_URL": self.settings.resolved_database_url,
            "FAPIAO_DATA_DIR": str(self.settings.data_dir),
            "PYTHONPATH": python_path(),
            **(extra_env or {}),
        }
        return subprocess.run(
            [sys.executable, "-m", "fapiao", *args], capture_output=True, text=True, env=env, timeout=60, check=False
        )

    def json(self, *args: str, extra_env: dict[str, str] | None = None) -> Any:
        """Run with ``--json``; stdout must be exactly one JSON document and the command must succeed."""
        done = self.run(*args, "--json", extra_env=extra_env)
        assert done.returncode == 0, done.stderr + done.stdout
        return json.loads(done.stdout)

    def error(self, *args: str) -> dict[str, Any]:
        done = self.run(*args, "--json")
        assert done.returncode == 1, done.stderr + done.stdout
        body: dict[str, Any] = json.loads(done.stdout)["error"]
        return body
