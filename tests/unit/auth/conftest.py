"""Two runtimes over one store: what two server processes would be, each with its own caches."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fapiao.runtime import Runtime, build_runtime
from fapiao.settings import Settings


@pytest.fixture
def warm(runtime: Runtime) -> Runtime:
    """The process whose caches a test fills."""
    return runtime


@pytest.fixture
def other(settings: Settings, runtime: Runtime) -> Iterator[Runtime]:
    """A second process over the same store (and key file) as ``runtime``."""
    rt = build_runtime(settings)
    yield rt
    rt.close()
