"""Where the time goes: each call's gateway pipeline driven in-process (no HTTP, no thread pool) under
pyinstrument, on a small store (SQLite unless ``--db postgresql``). ``µs per call`` here against the HTTP
step's time per request shows how much of the latter is the server, framework and thread hand-off rather
than Fapiao's own code."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench import stores
from bench.calls import Call, fapiao_calls
from bench.inprocess import HOST, invoker


def profile_call(rt: Any, call: Call, count: int, out: Path) -> dict[str, Any]:
    """Time ``count`` calls (wall and CPU of this process, no profiler), then profile another ``count``."""
    from pyinstrument import Profiler

    invocations = [invoker(rt, call.signer(HOST)) for _ in range(2 * count + 50)]
    for invoke in invocations[:50]:  # warm caches, connections, imports
        invoke()
    timed = invocations[50 : 50 + count]
    wall, cpu = time.perf_counter(), time.process_time()
    for invoke in timed:
        invoke()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for invoke in invocations[50 + count :]:
        invoke()
    profiler.stop()
    out.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    return {"us_per_call": wall / count * 1e6, "cpu_us_per_call": cpu / count * 1e6, "calls": count, "file": str(out)}


def _store(run: Any) -> stores.Store:
    """The small store of the first ``--db`` (SQLite unless ``--db postgresql``)."""
    return stores.store_for(run.options.dbs[0], "small", run.options.pg_url)


def profile_calls(run: Any, count: int = 1000) -> dict[str, Any]:
    """Each call on the small store of the first ``--db`` (with ``--patch`` experiments applied in this process)."""
    from bench.patches import apply

    apply(run.options.patches)
    from fapiao.runtime import build_runtime
    from fapiao.settings import Settings

    store = stores.prepare(_store(run), log=run.log)
    stores.reset(store)
    folder: Path = run.options.out_dir / "profiles" / run.started
    folder.mkdir(parents=True, exist_ok=True)
    rt = build_runtime(Settings(data_dir=store.data_dir, database_url=store.url))
    results: dict[str, Any] = {}
    try:
        for call in fapiao_calls(store):
            if run.options.only and not any(o.lower() in call.name.lower() for o in run.options.only):
                continue
            name = call.name.replace(" ", "_").replace("(", "").replace(")", "")
            result = profile_call(rt, call, min(count, (call.cap or 2 * count) // 2), folder / f"{name}.txt")
            results[call.name] = result
            run.log(
                f"  in-process {call.name:32s} {result['us_per_call']:7.0f} µs wall, "
                f"{result['cpu_us_per_call']:7.0f} µs CPU"
            )
            stores.reset(store)
    finally:
        rt.close()
    return results


def ab_compare(run: Any, patches: str, rounds: int = 7, batch: int = 200) -> dict[str, Any]:
    """Before/after of ``patches`` in-process, robust to a busy machine: the two variants alternate in
    ``rounds`` short batches in one process, and each keeps its best (minimum) CPU time per call."""
    from bench.patches import apply, revert
    from fapiao.runtime import build_runtime
    from fapiao.settings import Settings

    store = stores.prepare(_store(run), log=run.log)
    stores.reset(store)
    rt = build_runtime(Settings(data_dir=store.data_dir, database_url=store.url))
    results: dict[str, Any] = {}
    try:
        for call in fapiao_calls(store):
            if run.options.only and not any(o.lower() in call.name.lower() for o in run.options.only):
                continue
            for invoke in [invoker(rt, call.signer(HOST)) for _ in range(50)]:
                invoke()
            best = {"before": float("inf"), "after": float("inf")}
            for _ in range(rounds):
                for variant in ("before", "after"):
                    invocations = [invoker(rt, call.signer(HOST)) for _ in range(batch)]
                    undo = apply(patches) if variant == "after" else []
                    cpu = time.process_time()
                    for invoke in invocations:
                        invoke()
                    cpu = time.process_time() - cpu
                    revert(undo)
                    best[variant] = min(best[variant], cpu / batch * 1e6)
            results[call.name] = {
                "before_cpu_us": best["before"],
                "after_cpu_us": best["after"],
                "after_over_before": best["after"] / best["before"],
            }
            run.log(
                f"  A/B {call.name:32s} before {best['before']:6.0f} µs  after {best['after']:6.0f} µs CPU per call "
                f"(× {best['after'] / best['before']:.2f})"
            )
            stores.reset(store)
    finally:
        rt.close()
    return {"patches": patches, "rounds": rounds, "batch": batch, "calls": results}
