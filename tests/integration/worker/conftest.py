"""The worker's fixtures (fast retry settings, a receiver, a customer) are the unit suite's; reused here."""

from tests.unit.worker.conftest import alice, fast_settings, receiver, rt

__all__ = ["alice", "fast_settings", "receiver", "rt"]
