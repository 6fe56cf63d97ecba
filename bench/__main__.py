"""``python -m bench``: one command for the whole benchmark (see bench/README.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench import run, stores


def _both(value: str, choices: tuple[str, ...]) -> tuple[str, ...]:
    return choices if value == "both" else (value,)


def parse(argv: list[str] | None = None) -> run.Options | None:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Fapiao's speed, scale and footprint as ratios against baselines measured in the same run.",
    )
    parser.add_argument("--quick", action="store_true", help="short steps (3 s), small SQLite store unless told")
    parser.add_argument("--scale", choices=("small", "large", "both"), default=None, help="store size (default both)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default=None, help="default both")
    parser.add_argument("--workers", default="1,2", help="worker counts, comma-separated (2+ on PostgreSQL only)")
    parser.add_argument("--duration", type=float, default=None, help="seconds per load step (default 10, quick 3)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections of the load generator")
    parser.add_argument("--generator", choices=("wrk", "python"), default="wrk")
    parser.add_argument("--soak", type=float, nargs="?", const=10.0, default=0.0, metavar="MINUTES",
                        help="steady load for MINUTES (default 10) sampling RSS per worker each minute")  # fmt: skip
    parser.add_argument("--reseed", action="store_true", help="rebuild the cached stores")
    parser.add_argument("--clean", action="store_true", help="drop the cached stores (PostgreSQL databases too), exit")
    parser.add_argument("--pg-url", default=stores.DEFAULT_PG_URL, help="PostgreSQL server (databases are created)")
    parser.add_argument("--only", default="", help="comma-separated substrings of call names to run")
    parser.add_argument("--profile", action="store_true", help="also profile each call in-process (pyinstrument)")
    parser.add_argument("--profile-only", action="store_true", help="only the in-process profiles (quick, robust)")
    parser.add_argument("--ab", default="", metavar="PATCHES",
                        help="only: before/after CPU per call of bench/patches.py patches, in-process")  # fmt: skip
    parser.add_argument("--patch", default="", help="experiments from bench/patches.py, comma-separated (1 worker)")
    parser.add_argument("--no-baselines", action="store_true", help="skip the baselines (experiments only)")
    parser.add_argument("--no-footprint", action="store_true", help="skip cold start and memory")
    parser.add_argument("--out", type=Path, default=run.RESULTS, help="directory for <timestamp>.md/.json")
    args = parser.parse_args(argv)
    if args.clean:
        stores.clean(args.pg_url)
        return None
    quick = bool(args.quick)
    scale = args.scale or ("small" if quick else "both")
    db = args.db or ("sqlite" if quick else "both")
    duration = args.duration or (3.0 if quick else 10.0)
    if args.patch or args.ab:
        from bench.patches import PATCHES

        unknown = [p for p in f"{args.patch},{args.ab}".split(",") if p.strip() and p.strip() not in PATCHES]
        if unknown:
            parser.error(f"unknown patch {unknown[0]!r}; known: {', '.join(PATCHES)}")
        if args.workers != "1":
            args.workers = "1"  # spawned workers would not carry the patches
    if not 1 <= duration <= 20:
        parser.error("--duration must be between 1 and 20 seconds")
    return run.Options(
        quick=quick,
        scales=_both(scale, ("small", "large")),
        dbs=_both(db, ("sqlite", "postgresql")),
        workers=tuple(int(w) for w in args.workers.split(",") if w.strip()),
        duration_s=duration,
        warmup_s=1.0 if quick else 2.0,
        connections=args.connections,
        generator=args.generator,
        soak_minutes=float(args.soak),
        reseed=args.reseed,
        pg_url=args.pg_url,
        only=tuple(o.strip() for o in args.only.split(",") if o.strip()),
        profile=args.profile,
        patches=args.patch,
        profile_only=args.profile_only,
        ab=args.ab,
        skip_baselines=args.no_baselines,
        skip_footprint=args.no_footprint,
        out_dir=args.out,
    )


def main(argv: list[str] | None = None) -> None:
    options = parse(argv)
    if options is not None:
        run.main(options)


if __name__ == "__main__":
    main()
