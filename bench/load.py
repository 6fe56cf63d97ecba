"""Load generation: wrk replaying pre-signed requests (preferred), or a Python asyncio fallback.

Both are closed-loop: C connections, each sending its next request as soon as the previous answer arrived,
bounded by a request count (the pre-signed requests, each sent once) and a duration. Latency is per request,
from write to last byte. The same generator and settings drive every baseline and every Fapiao call.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

LUA = Path(__file__).with_name("wrk.lua")
WRK_INSTALL_HINT = "wrk not found: install it (Debian/Ubuntu: `sudo apt-get install -y wrk`; macOS: `brew install wrk`)"


@dataclass(frozen=True)
class LoadSettings:
    connections: int = 8
    threads: int = 1
    duration_s: float = 10.0
    timeout_s: float = 5.0
    generator: str = "wrk"  # or "python"


@dataclass
class LoadResult:
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    bad: int
    socket_errors: int
    example_bad: str
    generator: str
    exhausted: bool = False  # every pre-signed request was sent before the duration ended

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def wrk_path() -> str | None:
    return shutil.which("wrk")


def write_request_file(requests: Iterable[bytes], path: Path) -> int:
    count = 0
    with path.open("wb") as out:
        for raw in requests:
            out.write(b"%d\n" % len(raw))
            out.write(raw)
            count += 1
    return count


def run(
    host: str,
    requests: list[bytes],
    settings: LoadSettings,
    error_pattern: str = "",
) -> LoadResult:
    if settings.generator == "wrk":
        return _run_wrk(host, requests, settings, error_pattern)
    return asyncio.run(_run_python(host, requests, settings, error_pattern))


def _run_wrk(host: str, requests: list[bytes], settings: LoadSettings, error_pattern: str) -> LoadResult:
    wrk = wrk_path()
    if wrk is None:
        raise RuntimeError(WRK_INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="fapiao-bench-") as tmp:
        path = Path(tmp) / "requests.bin"
        write_request_file(requests, path)
        threads = max(1, min(settings.threads, settings.connections))
        command = [
            wrk,
            f"-t{threads}",
            f"-c{settings.connections}",
            f"-d{max(1, round(settings.duration_s))}s",
            f"--timeout={max(1, round(settings.timeout_s))}s",
            "-s",
            str(LUA),
            f"http://{host}/",
            "--",
            str(path),
            str(threads),
            error_pattern,
        ]
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            command, capture_output=True, text=True, timeout=settings.duration_s + 60, check=False
        )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    completed = min(int(data["requests"]), int(data["sent"]) or int(data["requests"]))
    duration = int(data["duration_us"]) / 1e6
    exhausted = int(data["sent"]) >= len(requests)
    if exhausted:
        # wrk's main thread always sleeps the full -d, so its duration overstates a run that ran out of
        # requests early. Closed loop with every connection busy: elapsed ≈ Σ latency / connections.
        duration = min(duration, float(data["mean_us"]) * completed / settings.connections / 1e6)
    return LoadResult(
        requests=completed,
        duration_s=duration,
        rps=completed / duration if duration else 0.0,
        p50_ms=int(data["p50_us"]) / 1000,
        p90_ms=int(data["p90_us"]) / 1000,
        p99_ms=int(data["p99_us"]) / 1000,
        max_ms=int(data["max_us"]) / 1000,
        bad=int(data["bad"]),
        socket_errors=sum(int(data[f"errors_{k}"]) for k in ("connect", "read", "write", "timeout")),
        example_bad=str(data["example_bad"]),
        generator="wrk",
        exhausted=exhausted,
    )


# --- Python fallback -----------------------------------------------------------------------------------------


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length)
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
        body += await reader.readexactly(size + 2)
        if size == 0:
            return status, bytes(body[:-2])


async def _run_python(host: str, requests: list[bytes], settings: LoadSettings, error_pattern: str) -> LoadResult:
    hostname, _, port = host.partition(":")
    queue = iter(requests)
    latencies: list[float] = []
    bad = 0
    errors = 0
    example = ""
    deadline = time.perf_counter() + settings.duration_s
    pattern = error_pattern.encode()

    async def worker() -> None:
        nonlocal bad, errors, example
        reader, writer = await asyncio.open_connection(hostname, int(port))
        try:
            for raw in queue:
                if time.perf_counter() > deadline:
                    return
                start = time.perf_counter()
                writer.write(raw)
                try:
                    status, body = await asyncio.wait_for(_read_response(reader), settings.timeout_s)
                except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                    errors += 1
                    return
                latencies.append(time.perf_counter() - start)
                if status >= 300 or (pattern and pattern in body):
                    bad += 1
                    example = example or f"{status} {body[:300].decode('utf-8', 'replace')}"
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(settings.connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0.0

    return LoadResult(
        requests=len(latencies),
        duration_s=elapsed,
        rps=len(latencies) / elapsed if elapsed else 0.0,
        p50_ms=pct(0.50),
        p90_ms=pct(0.90),
        p99_ms=pct(0.99),
        max_ms=latencies[-1] * 1000 if latencies else 0.0,
        bad=bad,
        socket_errors=errors,
        example_bad=example,
        generator="python",
    )
