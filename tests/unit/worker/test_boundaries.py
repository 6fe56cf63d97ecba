"""The worker is a loop and a sender: it runs no SQL of its own, and nothing below it imports it."""

from __future__ import annotations

import ast
from pathlib import Path

import fapiao

SOURCE = Path(fapiao.__file__).parent


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_worker_runs_no_queries() -> None:
    for path in (SOURCE / "worker").glob("*.py"):
        sql = {name for name in _imports(path) if name.startswith(("sqlalchemy", "fapiao.store"))}
        assert not sql, f"{path.name} imports {sql}"


def test_nothing_below_the_worker_imports_it() -> None:
    below = ("domain", "usecases", "webhooks", "store", "auth")
    for package in below:
        for path in (SOURCE / package).rglob("*.py"):
            upward = {name for name in _imports(path) if name.startswith(("fapiao.worker", "fapiao.notify"))}
            assert not upward, f"{path.relative_to(SOURCE)} imports {upward}"
