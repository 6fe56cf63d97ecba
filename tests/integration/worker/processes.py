"""Real ``fapiao worker`` and ``fapiao serve`` processes with the fast delivery settings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from fapiao.settings import Settings
from tests.support.server import ServerProcess
from tests.unit.worker import factories as notify


class WorkerProcess:
    def __init__(self, settings: Settings, *args: str) -> None:
        self.settings = settings
        self.args = args
        self.log = Path(settings.data_dir) / f"worker-{time.monotonic_ns()}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> WorkerProcess:
        """Start and wait until it announces itself (its store is open)."""
        env = {**os.environ, **notify.environment(self.settings)}
        command = [sys.executable, "-m", "fapiao", "worker", *self.args]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while "started" not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start:\n{self.log.read_text()}")
            time.sleep(0.05)
        return self

    def kill(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        return self.process.wait(10)

    def stop(self) -> int:
        """SIGTERM: finish the attempts in flight and exit."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


class FastServer(ServerProcess):
    def environment(self) -> dict[str, str]:
        return {**super().environment(), **notify.environment(self.settings)}
