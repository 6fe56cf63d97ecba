"""The Markdown report (the JSON is the raw results dict)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

READ_TARGET_STARLETTE = 0.5
READ_TARGET_MOTO = 20.0
WRITE_TARGET = 0.25
SCALE_TARGET = 1.25
COLD_START_TARGET = 1.0
PAIRS = (  # write ÷ read on the same side of the wire
    ("v3 ApplyInvoice", "v3 QueryInvoicingCustomerList"),
    ("TOP invoiceapply.update (md5)", "TOP invoiceapply.get (md5)"),
)


def _ok(value: float | None, target: float, higher_is_better: bool = True) -> str:
    if value is None:
        return "–"
    good = value >= target if higher_is_better else value <= target
    return f"{_fmt(value)} {'✓' if good else '✗'}"


def _fmt(value: float) -> str:
    """Two decimals, or three significant digits below 0.1 (ratios like 0.0123 must not read as 0.01)."""
    return f"{value:.2f}" if abs(value) >= 0.1 else f"{value:.3g}"


def _num(value: float | None, fmt: str = "{:.0f}") -> str:
    return "–" if value is None else fmt.format(value)


def _measured(entry: dict[str, Any] | None) -> bool:
    return bool(entry) and "rps" in entry  # type: ignore[operator]


def ratios(results: dict[str, Any]) -> dict[str, Any]:
    """Every ratio the report shows, also stored in the JSON."""
    base = results.get("baselines", {})
    moto = base.get("moto", {}).get("rps")
    out: dict[str, Any] = {"vs_baselines": {}, "write_over_read": {}, "workers_2_over_1": {}, "large_over_small": {}}
    for key, calls in results.get("fapiao", {}).items():
        db, scale, workers = key.split("/")
        starlette = base.get(f"starlette/{workers}", {}).get("rps")
        for name, entry in calls.items():
            if not name.startswith("_") and _measured(entry):
                out["vs_baselines"][f"{key} {name}"] = {
                    "over_starlette": entry["rps"] / starlette if starlette else None,
                    "over_moto": entry["rps"] / moto if moto else None,
                    "kind": entry["kind"],
                }
        for write, read in PAIRS:
            if _measured(calls.get(write)) and _measured(calls.get(read)):
                out["write_over_read"][f"{key} {write} ÷ {read}"] = calls[write]["rps"] / calls[read]["rps"]
        if workers == "2":
            one = results["fapiao"].get(f"{db}/{scale}/1", {})
            for name, entry in calls.items():
                if not name.startswith("_") and _measured(entry) and _measured(one.get(name)):
                    out["workers_2_over_1"][f"{db}/{scale} {name}"] = entry["rps"] / one[name]["rps"]
        if scale == "large":
            small = results["fapiao"].get(f"{db}/small/{workers}", {})
            for name, entry in calls.items():
                if not name.startswith("_") and _measured(entry) and _measured(small.get(name)):
                    out["large_over_small"][f"{db}/{workers}w {name}"] = {
                        "p50": entry["p50_ms"] / small[name]["p50_ms"] if small[name]["p50_ms"] else None,
                        "p99": entry["p99_ms"] / small[name]["p99_ms"] if small[name]["p99_ms"] else None,
                        "time_per_request": small[name]["rps"] / entry["rps"] if entry["rps"] else None,
                    }
    return out


def write_report(results: dict[str, Any], path: Path) -> Path:
    results["ratios"] = ratios(results)
    path.write_text(render(results))
    return path


def _relative(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(__file__).resolve().parent.parent))
    except ValueError:
        return path


def render(results: dict[str, Any]) -> str:
    env = results.get("environment", {})
    r = results["ratios"]
    lines = [
        f"# Fapiao benchmark — {results.get('started', '')}",
        "",
        f"Machine: {env.get('cpu')} × {env.get('cores')} cores, Python {env.get('python')}, {env.get('platform')}. "
        f"Load: {env.get('generator')} ({env.get('wrk') or 'python'}), {env.get('connections')} connections, "
        f"1 thread, closed loop, {env.get('warmup_s')} s warm-up + {env.get('duration_s')} s per step, every request "
        "pre-signed with a fresh nonce. Loopback only. Packages: "
        + ", ".join(f"{k} {v}" for k, v in env.get("packages", {}).items())
        + f". Whole run: {results.get('elapsed_s')} s.",
        "",
        f"Load average (1 min) at start {env.get('loadavg_start', '?')}, at end {results.get('loadavg_end', '?')}: "
        "anything well above 1 means other processes shared the 2 cores, so compare ratios within this run only.",
        "",
    ]
    patches = results.get("options", {}).get("patches")
    if patches:
        lines += [f"**Experiment:** `fapiao serve` ran with `bench/patches.py` patches `{patches}` (one worker).", ""]
    lines += [
        "## Baselines (same run)",
        "",
        "| server | req/s | p50 ms | p99 ms | requests | server CPU ms/req |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, entry in results.get("baselines", {}).items():
        label = {"moto": "moto server, STS GetCallerIdentity (SigV4)"}.get(
            key, f"bare Starlette JSON, {key[-1]} worker(s)"
        )
        lines.append(
            f"| {label} | {entry['rps']:.0f} | {entry['p50_ms']:.2f} | {entry['p99_ms']:.2f} | {entry['requests']} | "
            f"{_num(entry.get('server_cpu_ms_per_request'), '{:.3f}')} |"
        )
    lines += ["", "## Fapiao, fully authenticated", ""]
    lines += [
        "| store / workers | call | req/s | p50 ms | p99 ms | ÷ Starlette | ÷ moto | server CPU ms/req | CPU use "
        "| bad |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, calls in results.get("fapiao", {}).items():
        for name, entry in calls.items():
            if name.startswith("_"):
                continue
            if not _measured(entry):
                lines.append(f"| {key} | {name} | not answering: `{entry.get('unavailable', '')[:80]}` | | | | | | | |")
                continue
            vs = r["vs_baselines"].get(f"{key} {name}", {})
            read = entry["kind"] == "read"
            over_s = (
                _ok(vs.get("over_starlette"), READ_TARGET_STARLETTE)
                if read
                else _num(vs.get("over_starlette"), "{:.3g}")
            )
            over_m = _ok(vs.get("over_moto"), READ_TARGET_MOTO) if read else _num(vs.get("over_moto"), "{:.2f}")
            lines.append(
                f"| {key} | {name} | {entry['rps']:.0f} | {entry['p50_ms']:.2f} | {entry['p99_ms']:.2f} | "
                f"{over_s} | {over_m} | {_num(entry.get('server_cpu_ms_per_request'), '{:.2f}')} | "
                f"{_num(entry.get('server_cpu_use'), '{:.2f}')} | {entry['bad']} |"
            )
    lines += [
        "",
        "Targets: each signed read ≥ 0.5 × bare Starlette and ≥ 20 × moto (✓/✗). Server CPU ms/req: CPU time of the "
        "worker processes per request; CPU use: their CPU seconds per second (1.0 = one core busy) — well below the "
        "worker count means the server was waiting (locks, I/O, other processes), not computing.",
        "",
    ]
    if r["write_over_read"]:
        lines += ["## Write ÷ read (req/s; target ≥ 0.25)", "", "| store / workers | pair | ratio |", "|---|---|---:|"]
        for key, value in r["write_over_read"].items():
            store, _, pair = key.partition(" ")
            lines.append(f"| {store} | {pair} | {_ok(value, WRITE_TARGET)} |")
        lines.append("")
    if r["workers_2_over_1"]:
        lines += ["## 2 workers ÷ 1 worker (req/s, PostgreSQL)", "", "| store | call | ratio |", "|---|---|---:|"]
        for key, value in r["workers_2_over_1"].items():
            store, _, name = key.partition(" ")
            lines.append(f"| {store} | {name} | {value:.2f} |")
        lines.append("")
    if r["large_over_small"]:
        lines += [
            "## Large ÷ small store (target ≤ 1.25)",
            "",
            "| db / workers | call | p50 | p99 | time per request |",
            "|---|---|---:|---:|---:|",
        ]
        for key, value in r["large_over_small"].items():
            store, _, name = key.partition(" ")
            lines.append(
                f"| {store} | {name} | {_ok(value['p50'], SCALE_TARGET, False)} | {_num(value['p99'], '{:.2f}')} | "
                f"{_ok(value['time_per_request'], SCALE_TARGET, False)} |"
            )
        lines.append("")
    stores = results.get("stores", {})
    if stores:
        lines += ["Stores:", ""]
        for label, info in stores.items():
            c = info["counts"]
            lines.append(
                f"- {label}: {c['titles']:,} titles, {c['accounts']:,} accounts, {c['applications']:,} applications "
                f"(+ {info['pool']:,} pending ones for invoiceapply.update); seeded in {info['seed_seconds']} s"
            )
        lines.append("")
    fp = results.get("footprint")
    if fp:
        cold = fp["cold_start_s"]
        lines += [
            "## Footprint",
            "",
            f"- Cold start of `fapiao serve` (migrate check included) to its first 200 on `/healthz`, {fp['store']}: "
            f"median {_ok(cold['median'], COLD_START_TARGET, False)} s "
            f"(runs: {', '.join(f'{s:.3f}' for s in cold['all'])})",
        ]
        if fp.get("first_signed_read_s"):
            lines.append(
                f"- … to the first signed v3 read answered: median {fp['first_signed_read_s']['median']:.3f} s"
            )
        lines.append(f"- RSS of an idle worker: {fp['rss_idle_mib']:.1f} MiB")
        for key, calls in results.get("fapiao", {}).items():
            rss = calls.get("_rss_mib")
            if rss:
                lines.append(
                    f"- {key}: RSS per worker idle {', '.join(f'{v:.1f}' for v in rss['idle'])} MiB → after the load "
                    f"steps {', '.join(f'{v:.1f}' for v in rss['after_load'])} MiB"
                )
        soak = fp.get("soak")
        if soak:
            first = soak["samples"][1]["rss_mib"] if len(soak["samples"]) > 1 else []
            last = soak["samples"][-1]["rss_mib"]
            lines.append(
                f"- Soak ({soak['minutes']} min, {soak['workers']} worker(s), steady mixed load): RSS per worker after "
                f"1 min {', '.join(f'{v:.1f}' for v in first)} MiB, after {soak['minutes']} min "
                f"{', '.join(f'{v:.1f}' for v in last)} MiB; ratio {soak['last_over_first_minute']:.3f} "
                f"({soak['samples'][-1].get('requests', 0)} requests)"
            )
        lines.append("")
    profiles = results.get("profiles")
    if profiles:
        lines += [
            "## In-process cost per call",
            "",
            "The gateway's framework-free `handle` driven directly and sequentially (no HTTP, no thread pool), small "
            "SQLite store; timed without the profiler, then profiled with pyinstrument (profiles in bench/results/):",
            "",
        ]
        for name, prof in profiles.items():
            lines.append(
                f"- **{name}**: {prof['us_per_call']:.0f} µs wall, "
                f"{prof.get('cpu_us_per_call', 0):.0f} µs CPU per call; "
                f"profile `{_relative(prof['file'])}`"
            )
        lines.append("")
    ab = results.get("ab")
    if ab:
        lines += [
            f"## Before / after `{ab['patches']}` (in-process CPU µs per call, best of {ab['rounds']} alternating "
            f"batches of {ab['batch']})",
            "",
            "| call | before | after | after ÷ before |",
            "|---|---:|---:|---:|",
        ]
        for name, value in ab["calls"].items():
            lines.append(
                f"| {name} | {value['before_cpu_us']:.0f} | {value['after_cpu_us']:.0f} | "
                f"{value['after_over_before']:.2f} |"
            )
        lines.append("")
    return "\n".join(lines) + "\n"


def main() -> None:
    """``python -m bench.report RESULTS.json [OUT.md]``: render a stored run again (e.g. into bench/REPORT.md)."""
    import json
    import sys

    source = Path(sys.argv[1])
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else source.with_suffix(".md")
    write_report(json.loads(source.read_text()), target)
    print(target)


if __name__ == "__main__":
    main()
