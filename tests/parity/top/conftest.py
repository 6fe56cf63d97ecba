"""The provider stack (a real server, its store and clock) is the integration suite's; parity tests reuse it."""

from tests.integration.provider.conftest import fixtures_dir, shanghai_clock, stack

__all__ = ["fixtures_dir", "shanghai_clock", "stack"]
