"""When a failed delivery is tried again: the configured delays, stretched by a random jitter so that
deliveries failing together (an endpoint down) do not come back in lockstep."""

from __future__ import annotations

import random
from collections.abc import Sequence


def retry_delay(failures: int, schedule: Sequence[float], jitter: float) -> float | None:
    """Seconds until the next attempt after ``failures`` failed attempts, or ``None``: give up."""
    if failures < 1 or failures > len(schedule):
        return None
    return schedule[failures - 1] * (1 + random.uniform(0, jitter))
