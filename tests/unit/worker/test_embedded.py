"""The worker inside ``fapiao serve``: started with the application when asked for, delivering, and stopped
with it."""

from __future__ import annotations

import threading

from fapiao.runtime import Runtime, build_runtime
from fapiao.settings import Settings
from fapiao.worker.embedded import embedded_worker
from tests import factories
from tests.unit.worker import factories as notify
from tests.unit.worker.receiver import Receiver


def _webhook_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "fapiao-webhooks"]


def test_it_delivers_while_the_application_runs_and_stops_with_it(
    fast_settings: Settings, runtime: Runtime, receiver: Receiver
) -> None:
    rt = build_runtime(Settings(**{**fast_settings.model_dump(), "run_worker": True}))
    try:
        who = factories.customer(rt, nick="erin")
        notify.endpoint(rt, who, receiver.url)
        with embedded_worker(rt):
            assert len(_webhook_threads()) == 1
            notify.title_events(rt, who, 1)
            receiver.wait_for(lambda r: len(r) == 1)
        assert _webhook_threads() == []
    finally:
        rt.close()


def test_it_stays_off_unless_asked_for(fast_settings: Settings, runtime: Runtime) -> None:
    rt = build_runtime(Settings(**{**fast_settings.model_dump(), "run_worker": False}))
    try:
        with embedded_worker(rt):
            assert _webhook_threads() == []
    finally:
        rt.close()
