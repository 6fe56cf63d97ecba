"""Start and stop real ``fapiao serve`` processes for integration tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from fapiao.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    def __init__(self, settings: Settings, *extra: str) -> None:
        self.settings = settings
        self.extra = extra
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = Path(settings.data_dir) / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            FAPIAO_DATABASE_URL=self.settings.resolved_database_url,
            FAPIAO_DATA_DIR=str(self.settings.data_dir),
            FAPIAO_PROFILE=self.settings.profile.value,
        )
        return env

    def start(self, timeout: float = 20.0) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "fapiao", "serve", "--port", str(self.port), *self.extra]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, env=self.environment(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not answer within {timeout}s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()
