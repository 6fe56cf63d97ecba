"""The benchmark run: baselines, Fapiao's calls on each store and worker count, footprint, then the report."""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import load, presign, servers, stores
from bench.calls import Call, baseline_calls, fapiao_calls, probe
from bench.report import write_report

RESULTS = Path(__file__).with_name("results")


@dataclass
class Options:
    quick: bool = False
    scales: tuple[str, ...] = ("small", "large")
    dbs: tuple[str, ...] = ("sqlite", "postgresql")
    workers: tuple[int, ...] = (1, 2)
    duration_s: float = 10.0
    warmup_s: float = 2.0
    connections: int = 8
    generator: str = "wrk"
    soak_minutes: float = 0.0
    reseed: bool = False
    pg_url: str = stores.DEFAULT_PG_URL
    only: tuple[str, ...] = ()
    max_requests: int = 200_000
    profile: bool = False
    patches: str = ""  # bench.patches experiments applied to `fapiao serve` (one worker only)
    skip_baselines: bool = False
    skip_footprint: bool = False
    profile_only: bool = False
    ab: str = ""  # patches to compare in-process, before/after (bench.profiling.ab_compare)
    out_dir: Path = RESULTS


@dataclass
class Run:
    options: Options
    started: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))
    results: dict[str, Any] = field(default_factory=dict)
    logdir: Path = RESULTS / "logs"

    def log(self, message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def measure(run: Run, server: servers.Server, call: Call, after: Callable[[], None] | None = None) -> dict[str, Any]:
    """Warm up (and estimate the rate), pre-sign enough fresh requests for the timed window, replay them.

    Also records the server's CPU seconds per request and its CPU use over the window (1.0 = one core busy):
    well under the worker count means the server waits (locks, I/O), not computes."""
    opts = run.options
    host = server.host
    settings = load.LoadSettings(connections=opts.connections, duration_s=opts.warmup_s, generator=opts.generator)
    cap = min(call.cap or opts.max_requests, opts.max_requests)
    warm_n = min(cap // 4 or 1, max(200, int(opts.warmup_s * 3000)))
    warm = load.run(host, list(presign.presign(call.signer, host, warm_n)), settings, call.error_pattern)
    if after is not None:
        after()
    wanted = math.ceil(max(warm.rps, 50.0) * opts.duration_s * 2.5) + 500
    count = min(cap, wanted)
    started = time.perf_counter()
    requests = list(presign.presign(call.signer, host, count))
    presign_s = time.perf_counter() - started
    settings = load.LoadSettings(connections=opts.connections, duration_s=opts.duration_s, generator=opts.generator)
    cpu_before = server.cpu_seconds()
    result = load.run(host, requests, settings, call.error_pattern)
    cpu = server.cpu_seconds() - cpu_before
    if after is not None:
        after()
    out = result.to_json()
    out.update(call=call.name, kind=call.kind, presigned=count, presign_s=round(presign_s, 2), warmup_rps=warm.rps)
    out.update(
        server_cpu_ms_per_request=cpu / result.requests * 1000 if result.requests else None,
        server_cpu_use=cpu / result.duration_s if result.duration_s and not result.exhausted else None,
    )
    status = "BAD " + result.example_bad[:200] if result.bad else "ok"
    run.log(
        f"  {call.name:32s} {result.rps:9.0f} req/s  p50 {result.p50_ms:7.2f} ms  p99 {result.p99_ms:7.2f} ms"
        f"  n={result.requests}{' (exhausted)' if result.exhausted else ''}"
        f"  server CPU {out['server_cpu_ms_per_request'] or 0:.2f} ms/req, "
        f"use {out['server_cpu_use'] or 0:.2f}  {status}"
    )
    return out


# --- baselines --------------------------------------------------------------------------------------------------


def baselines(run: Run) -> None:
    calls = baseline_calls()
    out: dict[str, Any] = {}
    for workers in run.options.workers:
        with servers.starlette(workers, run.logdir / f"starlette-{workers}.log") as server:
            server.start()
            run.log(f"baseline: bare Starlette, {workers} worker(s)")
            out[f"starlette/{workers}"] = measure(run, server, calls["starlette"])
    with servers.moto(run.logdir / "moto.log") as server:
        server.start()
        ok, answer = probe(server.host, calls["moto"])
        if not ok:
            raise RuntimeError(f"moto refused the signed STS request: {answer}")
        run.log("baseline: moto server (threaded, one process)")
        out["moto"] = measure(run, server, calls["moto"])
    run.results["baselines"] = out


# --- Fapiao -----------------------------------------------------------------------------------------------------


def fapiao_matrix(run: Run) -> None:
    opts = run.options
    matrix: dict[str, Any] = run.results.setdefault("fapiao", {})
    for db in opts.dbs:
        for scale in opts.scales:
            store = stores.prepare(stores.store_for(db, scale, opts.pg_url), reseed=opts.reseed, log=run.log)
            stores.reset(store)
            run.results.setdefault("stores", {})[store.label] = {
                "counts": store.info["counts"],
                "pool": store.info["pool"],
                "seed_seconds": store.info.get("seed_seconds"),
                "seeded_at": store.info.get("seeded_at"),
            }
            for workers in opts.workers:
                if workers > 1 and db == "sqlite":
                    continue  # `fapiao serve --workers N>1` is documented for PostgreSQL only
                key = f"{db}/{scale}/{workers}"
                matrix[key] = _fapiao_step(run, store, workers)


def _fapiao_step(run: Run, store: stores.Store, workers: int) -> dict[str, Any]:
    opts = run.options
    log = run.logdir / f"fapiao-{store.engine}-{store.scale}-{workers}.log"
    out: dict[str, Any] = {}
    with servers.fapiao(store.url, store.data_dir, workers, log, patches=opts.patches) as server:
        server.start()
        rss_idle = server.rss_mib()
        run.log(f"fapiao {store.label}, {workers} worker(s): idle RSS {rss_idle} MiB")
        for call in fapiao_calls(store):
            if opts.only and not any(o.lower() in call.name.lower() for o in opts.only):
                continue
            ok, answer = probe(server.host, call)
            if not ok:
                run.log(f"  {call.name:32s} not answering yet: {answer[:160]!r}")
                out[call.name] = {"call": call.name, "kind": call.kind, "unavailable": answer[:400]}
                continue
            out[call.name] = measure(run, server, call, after=lambda: stores.reset(store))
        out["_rss_mib"] = {"idle": rss_idle, "after_load": server.rss_mib()}
    return out


# --- footprint ----------------------------------------------------------------------------------------------------


def footprint(run: Run) -> None:
    opts = run.options
    db = opts.dbs[0]
    store = stores.prepare(stores.store_for(db, "small", opts.pg_url), reseed=False, log=run.log)
    stores.reset(store)
    starts: list[float] = []
    first_signed: list[float] = []
    rss: list[float] = []
    read = fapiao_calls(store)[0]
    for attempt in range(3 if opts.quick else 5):
        with servers.fapiao(store.url, store.data_dir, 1, run.logdir / f"cold-{attempt}.log") as server:
            starts.append(server.start())
            ok, _ = probe(server.host, read)
            first_signed.append(time.perf_counter() - server.started_at)
            if not ok:
                first_signed.pop()
            rss.append(sum(server.rss_mib()))
    out: dict[str, Any] = {
        "store": store.label,
        "cold_start_s": {"median": statistics.median(starts), "all": starts},
        "first_signed_read_s": {"median": statistics.median(first_signed), "all": first_signed}
        if first_signed
        else None,
        "rss_idle_mib": statistics.median(rss),
    }
    run.log(f"cold start to first 200 (/healthz): median {out['cold_start_s']['median']:.3f} s of {starts}")
    if opts.soak_minutes > 0:
        out["soak"] = soak(run, store)
    run.results["footprint"] = out


def soak(run: Run, store: stores.Store) -> dict[str, Any]:
    """Steady closed-loop load (a read/write mix, signed on the fly) for N minutes; RSS sampled each minute."""
    import asyncio

    minutes = run.options.soak_minutes
    workers = 1 if store.engine == "sqlite" else 2
    calls = fapiao_calls(store)
    with servers.fapiao(store.url, store.data_dir, workers, run.logdir / "soak.log") as server:
        server.start()
        usable = [c for c in calls if probe(server.host, c)[0] and c.cap is None]
        samples: list[dict[str, Any]] = [{"minute": 0, "rss_mib": server.rss_mib()}]
        run.log(f"soak: {minutes} min on {store.label}, {workers} worker(s), calls {[c.name for c in usable]}")
        deadline = time.perf_counter() + minutes * 60
        sent = 0
        for minute in range(1, math.ceil(minutes) + 1):
            until = min(deadline, time.perf_counter() + 60)
            sent += asyncio.run(_steady(server.host, usable, until))
            samples.append({"minute": minute, "rss_mib": server.rss_mib(), "requests": sent})
            run.log(f"  soak minute {minute}: RSS {samples[-1]['rss_mib']} MiB after {sent} requests")
            if minute % 5 == 0:
                stores.reset(store)
        stores.reset(store)
    first = sum(samples[1]["rss_mib"]) if len(samples) > 1 else 0.0
    last = sum(samples[-1]["rss_mib"])
    return {"workers": workers, "minutes": minutes, "samples": samples, "last_over_first_minute": last / first}


async def _steady(host: str, calls: list[Call], until: float, connections: int = 4) -> int:
    import asyncio

    from bench.load import _read_response

    hostname, _, port = host.partition(":")
    count = 0

    async def worker(offset: int) -> None:
        nonlocal count
        reader, writer = await asyncio.open_connection(hostname, int(port))
        i = offset
        try:
            while time.perf_counter() < until:
                call = calls[i % len(calls)]
                i += 1
                writer.write(call.signer(host).encode(host))
                await _read_response(reader)
                count += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker(i) for i in range(connections)))
    return count


# --- whole run ------------------------------------------------------------------------------------------------------


def environment(opts: Options) -> dict[str, Any]:
    import importlib.metadata as md

    def version(name: str) -> str:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return "-"

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "packages": {n: version(n) for n in ("uvicorn", "starlette", "fastapi", "sqlalchemy", "moto", "psycopg")},
        "generator": opts.generator,
        "wrk": load.wrk_path(),
        "connections": opts.connections,
        "duration_s": opts.duration_s,
        "warmup_s": opts.warmup_s,
        "loadavg_start": round(os.getloadavg()[0], 2),
    }


def main(opts: Options) -> Path:
    run = Run(opts)
    run.logdir = opts.out_dir / "logs" / run.started
    opts.out_dir.mkdir(parents=True, exist_ok=True)
    if opts.generator == "wrk" and load.wrk_path() is None:
        run.log("WARNING: " + load.WRK_INSTALL_HINT)
        run.log("WARNING: falling back to the Python load generator: slower, so every ratio is capped lower")
        opts.generator = "python"
    run.results["options"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in opts.__dict__.items()}
    run.results["environment"] = environment(opts)
    run.results["started"] = run.started
    started = time.perf_counter()
    if opts.ab:
        from bench.profiling import ab_compare

        run.results["ab"] = ab_compare(run, opts.ab)
    elif not opts.profile_only:
        if not opts.skip_baselines:
            baselines(run)
        fapiao_matrix(run)
        if not opts.skip_footprint:
            footprint(run)
    if (opts.profile or opts.profile_only) and not opts.ab:
        from bench.profiling import profile_calls

        run.results["profiles"] = profile_calls(run)
    run.results["elapsed_s"] = round(time.perf_counter() - started, 1)
    run.results["loadavg_end"] = round(os.getloadavg()[0], 2)
    md_path = write_report(run.results, opts.out_dir / f"{run.started}.md")
    (opts.out_dir / f"{run.started}.json").write_text(json.dumps(run.results, indent=2, ensure_ascii=False))
    run.log(f"report: {md_path} (+ .json)")
    return md_path
