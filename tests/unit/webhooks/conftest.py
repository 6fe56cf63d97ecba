from __future__ import annotations

from collections.abc import Iterator

import pytest

from fapiao.runtime import Runtime, build_runtime
from fapiao.settings import Settings
from tests import factories
from tests.unit.worker import factories as notify


@pytest.fixture
def fast_settings(settings: Settings) -> Settings:
    return notify.fast(settings)


@pytest.fixture
def rt(fast_settings: Settings, runtime: Runtime) -> Iterator[Runtime]:
    """A runtime over the test's store with a short retry schedule (``runtime`` keeps the store alive)."""
    built = build_runtime(fast_settings)
    yield built
    built.close()


@pytest.fixture
def alice(rt: Runtime) -> factories.Customer:
    return factories.customer(rt, nick="alice")
