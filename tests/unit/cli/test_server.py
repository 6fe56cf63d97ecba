"""``fapiao serve``'s directory for the worker processes' metrics."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fapiao.cli.server import metrics_directory
from fapiao.metrics import MULTIPROC_DIR


def test_several_workers_get_a_directory_of_their_own_removed_at_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MULTIPROC_DIR, raising=False)
    with metrics_directory(2):
        directory = Path(os.environ[MULTIPROC_DIR])
        assert directory.is_dir()
        (directory / "counter_1.db").write_bytes(b"")
    assert MULTIPROC_DIR not in os.environ
    assert not directory.exists()


def test_one_worker_keeps_its_own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MULTIPROC_DIR, raising=False)
    with metrics_directory(1):
        assert MULTIPROC_DIR not in os.environ


def test_a_given_directory_is_kept_but_an_earlier_runs_counts_are_removed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(MULTIPROC_DIR, str(tmp_path))
    (tmp_path / "counter_123.db").write_bytes(b"stale")
    (tmp_path / "notes.txt").write_text("not ours")
    with metrics_directory(2):
        assert os.environ[MULTIPROC_DIR] == str(tmp_path)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert tmp_path.is_dir()
