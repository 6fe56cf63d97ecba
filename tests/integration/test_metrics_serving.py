"""How the metrics page and the readiness probe are served: behind a token, on a port of their own, added up
over several worker processes; ``/readyz`` refusing an unmigrated store and an unreachable database."""

from __future__ import annotations

import contextlib
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy.engine import make_url

from fapiao.settings import Settings
from fapiao.store.db import head_revision, normalise_url
from tests.conftest import ENGINES
from tests.integration.test_metrics import scrape, value
from tests.support.server import ServerProcess, free_port
from tests.support.stores import POSTGRES_URL, admin, store_copy, with_database

pytestmark = pytest.mark.slow

TOKEN = "metrics-token-for-tests"


def unknown_action(url: str) -> None:
    """One Alibaba Cloud request, counted as ``action="unknown"`` (no credentials needed)."""
    assert httpx.post(url + "/", data={"Action": "Nope"}, timeout=10).status_code in (400, 404)


@pytest.fixture
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    with store_copy(request, tmp_path / "data") as url:
        yield Settings(data_dir=tmp_path / "data", database_url=url)


@pytest.mark.parametrize("store", ENGINES, indirect=True)
def test_a_metrics_token_is_required_when_set(store: Settings) -> None:
    server = ServerProcess(store, env={"FAPIAO_METRICS_TOKEN": TOKEN})
    server.start()
    try:
        refused = httpx.get(server.url + "/metrics", timeout=10)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
        wrong = httpx.get(server.url + "/metrics", headers={"Authorization": "Bearer nope"}, timeout=10)
        assert wrong.status_code == 401
        unknown_action(server.url)
        page = scrape(server.url + "/metrics", TOKEN)
        labels = {"protocol": "aliyun", "action": "unknown", "status": "400", "error": "MissingParameter"}
        assert value(page, "fapiao_requests_total", **labels) == 1
    finally:
        server.stop()


@pytest.mark.parametrize("store", ENGINES, indirect=True)
def test_metrics_on_a_port_of_their_own(store: Settings) -> None:
    port = free_port()
    server = ServerProcess(store, env={"FAPIAO_METRICS_PORT": str(port), "FAPIAO_METRICS_TOKEN": TOKEN})
    server.start()
    try:
        assert httpx.get(server.url + "/metrics", timeout=10).status_code == 404  # not on the API's port
        own = f"http://127.0.0.1:{port}/metrics"
        assert httpx.get(own, timeout=10).status_code == 401
        unknown_action(server.url)
        page = scrape(own, TOKEN)
        labels = {"protocol": "aliyun", "action": "unknown", "status": "400", "error": "MissingParameter"}
        assert value(page, "fapiao_requests_total", **labels) == 1
        assert ("fapiao_tmc_backlog", frozenset()) in page
    finally:
        server.stop()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="needs FAPIAO_TEST_DATABASE_URL")
@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_two_workers_add_up_their_counts(store: Settings, tmp_path: Path) -> None:
    """Each worker counts into its own file; every scrape, whichever worker answers it, shows their sum. The
    test names the directory (``PROMETHEUS_MULTIPROC_DIR``) to see each worker's own count."""
    directory = tmp_path / "multiproc"
    directory.mkdir()
    (directory / "counter_1.db").write_bytes(b"stale")  # an earlier run's file: removed at start
    server = ServerProcess(store, "--workers", "2", env={"PROMETHEUS_MULTIPROC_DIR": str(directory)})
    try:
        server.start(timeout=60)  # two workers start slowly on a busy machine
        sent = 0
        while len(_counts_by_worker(directory)) < 2 and sent < 2000:  # until both workers have answered some
            unknown_action(server.url)  # a new connection each time: the kernel spreads them over the workers
            sent += 1
        by_worker = _counts_by_worker(directory)
        assert len(by_worker) == 2, by_worker
        assert sum(by_worker.values()) == sent
        labels = {"protocol": "aliyun", "action": "unknown", "status": "400", "error": "MissingParameter"}
        for _ in range(6):  # several scrapes, answered by either worker
            assert value(scrape(server.url + "/metrics"), "fapiao_requests_total", **labels) == sent
    finally:
        server.stop()


def _counts_by_worker(directory: Path) -> dict[str, float]:
    """Requests counted in each worker's own file, by the worker's pid."""
    counts: dict[str, float] = {}
    for path in directory.glob("counter_*.db"):
        total = sum(
            sample.value
            for family in MultiProcessCollector.merge([str(path)])  # type: ignore[no-untyped-call]
            for sample in family.samples
            if sample.name == "fapiao_requests_total" and sample.labels["protocol"] == "aliyun"
        )
        if total:
            counts[path.stem.removeprefix("counter_")] = total
    return counts


# --- /readyz ------------------------------------------------------------------------------------------------------


@pytest.fixture(params=ENGINES)
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """A store nothing was ever migrated in."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if request.param == "sqlite":
        yield Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'empty.sqlite3'}")
        return
    name = f"fapiao_test_{uuid.uuid4().hex[:12]}"
    admin(f'CREATE DATABASE "{name}"')
    try:
        yield Settings(data_dir=data_dir, database_url=with_database(POSTGRES_URL or "", name))
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_an_unmigrated_store_is_not_ready(empty_store: Settings) -> None:
    server = ServerProcess(empty_store, "--no-migrate", "--no-webhook-worker")
    server.start()
    try:
        answer = httpx.get(server.url + "/readyz", timeout=10)
        assert answer.status_code == 503
        reason = answer.json()
        assert (reason["ready"], reason["revision"], reason["head"]) == (False, None, head_revision())
        assert "fapiao db upgrade" in reason["reason"]
        assert httpx.get(server.url + "/healthz", timeout=10).text == "ok"  # alive all the same
    finally:
        server.stop()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="needs FAPIAO_TEST_DATABASE_URL")
@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_an_unreachable_database_is_not_ready(store: Settings) -> None:
    """The server reaches PostgreSQL through a relay the test then shuts, as if the database host went away."""
    target = make_url(normalise_url(store.resolved_database_url))
    relay = Relay(target.host or "127.0.0.1", target.port or 5432)
    through = target.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    server = ServerProcess(Settings(data_dir=store.data_dir, database_url=through))
    server.start()
    try:
        assert httpx.get(server.url + "/readyz", timeout=10).text == "ok"
        relay.close()
        answer = httpx.get(server.url + "/readyz", timeout=10)
        assert answer.status_code == 503
        assert answer.json()["reason"] == "the database does not answer"
        assert httpx.get(server.url + "/healthz", timeout=10).text == "ok"
    finally:
        server.stop()
        relay.close()


class Relay:
    """A TCP relay to ``host:port`` on a port of its own; ``close`` refuses new connections and cuts the open
    ones (written here: a few lines, and no library starts and kills a relay inside a test)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.closed = True
        self.listener.close()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
