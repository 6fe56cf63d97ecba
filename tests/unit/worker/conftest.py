"""The webhooks suite's fixtures (fast retry settings, a customer) and a real receiver on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.webhooks.conftest import alice, fast_settings, rt
from tests.unit.worker.receiver import Receiver

__all__ = ["alice", "fast_settings", "receiver", "rt"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver().running() as running:
        yield running
