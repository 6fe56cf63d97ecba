"""The webhook worker inside ``fapiao serve`` (``FAPIAO_RUN_WORKER``, set by ``serve`` in the embedded
mode): a thread started with the application and stopped, after its attempts in flight, with it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from fapiao.runtime import Runtime
from fapiao.worker.worker import Worker


@contextmanager
def embedded_worker(runtime: Runtime) -> Iterator[None]:
    if not runtime.settings.run_worker:
        yield
        return
    stop = threading.Event()
    worker = Worker(runtime, concurrency=2)
    thread = threading.Thread(target=worker.run, args=(stop,), name="fapiao-webhooks", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(runtime.settings.webhook_timeout_seconds + 5)
