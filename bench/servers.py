"""Start, probe and stop the processes under test: ``fapiao serve``, the bare Starlette baseline, moto."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A server process on ``127.0.0.1:port``; ``ready_path`` must answer (any status for moto) when up."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    ready_path: str = "/healthz"
    any_status: bool = False
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    ready_after_s: float = 0.0

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> float:
        """Start and wait until it answers; return seconds from spawn to the first good answer."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        command = [part.replace("{port}", str(self.port)) for part in self.command]
        with self.log.open("ab") as log:
            self.started_at = time.perf_counter()
            self.process = subprocess.Popen(  # noqa: S603 - our own fixed argv
                command, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO, start_new_session=True
            )
        deadline = self.started_at + timeout
        url = f"http://{self.host}{self.ready_path}"
        with httpx.Client(timeout=1.0, trust_env=False) as client:
            while time.perf_counter() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log}")
                try:
                    response = client.get(url)
                    if self.any_status or response.status_code == 200:
                        self.ready_after_s = time.perf_counter() - self.started_at
                        return self.ready_after_s
                except httpx.TransportError:
                    pass
                time.sleep(0.005)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {timeout}s; see {self.log}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # our own session: the server and its workers only
            self.process.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def worker_pids(self) -> list[int]:
        """The processes answering requests: uvicorn's spawned workers, or the process itself."""
        if self.process is None:
            return []
        workers = [pid for pid in _children(self.process.pid) if b"resource_tracker" not in _cmdline(pid)]
        return workers or [self.process.pid]

    def rss_mib(self) -> list[float]:
        return [rss_mib(pid) for pid in self.worker_pids()]

    def cpu_seconds(self) -> float:
        """User + system CPU time the workers have used so far."""
        return sum(cpu_seconds(pid) for pid in self.worker_pids())


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def fapiao(database_url: str, data_dir: Path, workers: int, log: Path, *extra: str, patches: str = "") -> Server:
    """``fapiao serve``; with ``patches``, through ``bench.patches`` (experiments, see that module)."""
    env = base_env()
    env.update(FAPIAO_DATABASE_URL=database_url, FAPIAO_DATA_DIR=str(data_dir), FAPIAO_LOG_LEVEL="WARNING")
    module = "fapiao"
    if patches:
        env["FAPIAO_BENCH_PATCHES"] = patches
        module = "bench.patches"
    command = [sys.executable, "-m", module, "serve", "--port", "{port}", "--workers", str(workers), *extra]
    return Server("fapiao", command, env, log)


def starlette(workers: int, log: Path) -> Server:
    """Same uvicorn, same worker count and flags as ``fapiao serve`` (uvloop, httptools, no access log)."""
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.baseline_app:app",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return Server("starlette", command, base_env(), log)


def moto(log: Path) -> Server:
    env = base_env()
    env.update(AWS_ACCESS_KEY_ID="AKIDBENCHMARK", AWS_SECRET_ACCESS_KEY="bench-secret", AWS_DEFAULT_REGION="us-east-1")  # noqa: S106
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "{port}"]
    return Server("moto", command, env, log, ready_path="/moto-api/", any_status=True)
