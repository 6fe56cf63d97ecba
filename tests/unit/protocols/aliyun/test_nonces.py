"""The nonce store on each engine: one claim per key and nonce within the window, shared by every process."""

from __future__ import annotations

from datetime import datetime, timedelta

from fapiao.runtime import Runtime, build_runtime
from fapiao.store import nonces

NOW = datetime(2026, 11, 21, 4, 23, 36)


def test_a_nonce_is_claimed_once_per_key(runtime: Runtime) -> None:
    assert nonces.claim(runtime, "AK1", "n1", NOW)
    assert not nonces.claim(runtime, "AK1", "n1", NOW + timedelta(minutes=14))
    assert nonces.claim(runtime, "AK2", "n1", NOW)


def test_an_expired_nonce_can_be_claimed_again_and_is_purged(runtime: Runtime) -> None:
    assert nonces.claim(runtime, "AK1", "n1", NOW, timedelta(minutes=30))
    assert not nonces.claim(runtime, "AK1", "n1", NOW + timedelta(minutes=30))
    assert nonces.claim(runtime, "AK1", "n1", NOW + timedelta(minutes=31))
    assert nonces.purge(runtime, NOW + timedelta(hours=2)) == 1
    assert nonces.purge(runtime, NOW + timedelta(hours=2)) == 0


def test_another_process_sees_the_nonce(runtime: Runtime) -> None:
    other = build_runtime(runtime.settings)  # its own engine and connections, like another server process
    try:
        assert nonces.claim(runtime, "AK1", "shared", NOW)
        assert not nonces.claim(other, "AK1", "shared", NOW)
    finally:
        other.close()


def test_long_nonces_fit_the_column(runtime: Runtime) -> None:
    long = "x" * 500
    assert len(nonces.store_key("AK1", long)) <= 200
    assert nonces.claim(runtime, "AK1", long, NOW)
    assert not nonces.claim(runtime, "AK1", long, NOW)
    assert nonces.claim(runtime, "AK1", long + "y", NOW)
