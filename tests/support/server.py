"""Start and stop real ``fapiao serve`` processes for integration tests."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from fapiao.settings import Settings
from tests.support.paths import python_path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def listens(pid: int, port: int) -> bool:
    """Whether process ``pid`` holds the listening TCP socket on ``port`` (Linux ``/proc``; elsewhere assumed).

    On a machine where many test suites start servers, a port chosen free can be taken before our server binds
    it; then ``/healthz`` answers from someone else's server while ours is about to exit.
    """
    tables = [Path("/proc/net/tcp"), Path("/proc/net/tcp6")]
    if not tables[0].exists():
        return True
    inodes = set()
    for table in tables:
        for line in table.read_text().splitlines()[1:] if table.exists() else ():
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{fields[9]}]")
    try:
        descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False
    for descriptor in descriptors:
        try:
            if os.readlink(descriptor) in inodes:
                return True
        except OSError:
            continue
    return False


class PortTaken(RuntimeError):
    """Another process bound the port between ``free_port`` and the server's start."""


class ServerProcess:
    """``fapiao serve`` over ``settings``' store; ``env`` adds settings (``FAPIAO_*``) only the server has."""

    def __init__(self, settings: Settings, *extra: str, env: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self.extra = extra
        self.env = dict(env or {})
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
            PYTHONPATH=python_path(),
        )
        env.update(self.env)
        return env

    def start(self, timeout: float = 20.0, attempts: int = 3) -> None:
        """Start and wait for ``/healthz``. The port was free when chosen, but a test in another xdist worker
        may bind it first: then the server exits at once with "address already in use" and we try another."""
        for attempt in range(attempts):
            try:
                self._start_once(timeout)
                return
            except PortTaken:
                if attempt == attempts - 1:
                    raise
                self.port = free_port()
                self.log = self.log.with_name(f"server-{self.port}.log")

    def _start_once(self, timeout: float) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "fapiao", "serve", "--port", str(self.port), *self.extra]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, env=self.environment(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.log.read_text()
                if "address already in use" in output.lower():
                    raise PortTaken(self.port)
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{output}")
            try:
                # ours: a server that lost the port race would otherwise see another server answer
                if listens(self.process.pid, self.port) and httpx.get(f"{self.url}/healthz", timeout=1).is_success:
                    # Ready means the REST app too: it is built in the background after start-up, and a
                    # loaded machine (parallel workers) stretches that past a test client's 5 s timeout.
                    left = max(deadline - time.monotonic(), 1.0)
                    httpx.get(f"{self.url}/api/v1/openapi.json", timeout=left).raise_for_status()
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not answer within {timeout}s:\n{self.log.read_text()}")

    def demo_document(self) -> dict[str, Any]:
        """The JSON document a server started with ``--demo`` printed before serving: the first JSON object in
        its output with an ``endpoint`` (log lines are JSON objects too; the wording around it is not relied on)."""
        log = self.log.read_text(encoding="utf-8")
        decoder = json.JSONDecoder()
        for start in re.finditer(r"^\{", log, re.MULTILINE):
            try:
                document, _ = decoder.raw_decode(log, start.start())
            except json.JSONDecodeError:
                continue
            if isinstance(document, dict) and "endpoint" in document:
                return document
        raise AssertionError(f"no demo document in the server's output:\n{log}")

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
