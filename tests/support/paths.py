"""Where the shared test fixtures live (documented examples, pinned wire captures)."""

from pathlib import Path

FIXTURES = Path(__file__).parents[1] / "fixtures"
REPOSITORY = Path(__file__).parents[2]
