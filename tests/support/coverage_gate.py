"""Branch coverage per package of ``fapiao`` (from the ``.coverage`` file ``make test`` leaves), and the gate:
at least ``THRESHOLD`` % over the domain, the shared use-case code and the feature packages together.

Run as ``python -m tests.support.coverage_gate``; exits 1 below the threshold.
"""

from __future__ import annotations

import io
import sys
from pathlib import PurePath

import coverage
from coverage.exceptions import NoDataError

THRESHOLD = 90.0
GATED = (
    "domain",
    "usecases",
    "accounts",
    "addresses",
    "applications",
    "audit",
    "auth",
    "documents",
    "items",
    "providers",
    "titles",
    "tmc",
    "webhooks",
)


def _pattern(package: str) -> str:
    return f"*/fapiao/{package}/*" if package else "*/fapiao/*"


def _packages(measured: set[str]) -> list[str]:
    """Each top-level package (and module) of fapiao that was measured."""
    found: set[str] = set()
    for name in measured:
        parts = PurePath(name).parts
        if "fapiao" in parts:
            below = parts[parts.index("fapiao") + 1 :]
            if len(below) > 1:
                found.add(below[0])
    return sorted(found)


def _percent(cov: coverage.Coverage, patterns: list[str]) -> float | None:
    try:
        return float(cov.report(include=patterns, file=io.StringIO(), precision=1))
    except NoDataError:
        return None


def main() -> int:
    cov = coverage.Coverage()
    cov.load()
    measured = set(cov.get_data().measured_files())
    print(f"{'package':<14} {'branch coverage':>16}")
    for package in _packages(measured):
        figure = _percent(cov, [_pattern(package)])
        mark = "" if package not in GATED else " (gated)" if (figure or 0) >= THRESHOLD else " (gated, short)"
        print(f"{package:<14} {'-' if figure is None else f'{figure:.1f} %':>16}{mark}")
    gated = _percent(cov, [_pattern(package) for package in GATED])
    everything = _percent(cov, [_pattern("")])
    print(f"{'all of fapiao':<14} {everything or 0:>14.1f} %")
    print(f"{'gated':<14} {gated or 0:>14.1f} %  (threshold {THRESHOLD:.0f} %)")
    if gated is None or gated < THRESHOLD:
        print(f"coverage of the gated packages is below {THRESHOLD:.0f} %", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
