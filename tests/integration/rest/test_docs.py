"""The API reference (Swagger UI at ``/api/docs``) from a real ``fapiao serve``: every asset it needs comes from
the server itself, and it renders every operation in a browser that can reach nothing but the server.

The screenshot in docs/images/api-docs.png was taken the same way (``chromium --headless --no-sandbox
--hide-scrollbars --window-size=1280,1400 --virtual-time-budget=15000 --screenshot=api-docs.png URL``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

from fapiao.settings import Settings
from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def docs_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[ServerProcess]:
    """One server on SQLite for the module: the reference is the same on every store."""
    data = tmp_path_factory.mktemp("docs")
    shutil.copy(sqlite_template, data / "fapiao.sqlite3")
    server = ServerProcess(Settings(data_dir=data, database_url=f"sqlite:///{data / 'fapiao.sqlite3'}"))
    server.start()
    yield server
    server.stop()


class _Links(HTMLParser):
    """The URLs a page loads (``src``) or links (``href``)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in {"src", "href"} and value]


def test_docs_page_loads_everything_from_this_server(docs_server: ServerProcess) -> None:
    page = httpx.get(docs_server.url + "/api/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "SwaggerUIBundle(" in page.text and "'/api/v1/openapi.json'" in page.text
    links = _Links()
    links.feed(page.text)
    assert links.urls and all(url.startswith("/") and not url.startswith("//") for url in links.urls), links.urls
    types = {}
    for url in links.urls:
        asset = httpx.get(docs_server.url + url)
        assert asset.status_code == 200, url
        types[Path(url).suffix] = asset.headers["content-type"].split(";")[0]
    assert types == {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
    script = httpx.get(docs_server.url + "/api/docs/assets/swagger-ui-bundle.js")
    assert "SwaggerUIBundle" in script.text


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def test_openapi_document_has_markdown_not_rst(docs_server: ServerProcess) -> None:
    spec = httpx.get(docs_server.url + "/api/v1/openapi.json").json()
    assert [text for text in _strings(spec) if "``" in text] == []
    filing = spec["paths"]["/api/v1/applications"]["post"]["description"]
    assert "`Idempotency-Key`" in filing and "(TMC `alibaba_invoice_InvoiceApply`)" in filing
    assert "`applying`" in spec["components"]["schemas"]["CreateTitle"]["description"]


class _Operations(HTMLParser):
    """The operation blocks Swagger UI rendered: (method label, path), from each summary's method and path."""

    def __init__(self) -> None:
        super().__init__()
        self.operations: list[tuple[str, str]] = []
        self._method: list[str] | None = None
        self._pending: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if "opblock-summary-method" in classes:
            self._method = []
        elif "opblock-summary-path" in classes and self._pending is not None:
            self.operations.append((self._pending, found.get("data-path") or ""))
            self._pending = None

    def handle_data(self, data: str) -> None:
        if self._method is not None:
            self._method.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._method is not None and tag == "span":
            self._pending, self._method = "".join(self._method), None


def _page_requests(net_log: Path, origin: str) -> list[str]:
    """The URLs the page asked for, from Chromium's network log: requests it initiated and its own
    navigation (the browser's own background requests have no initiator origin and go elsewhere)."""
    log = json.loads(net_log.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        params["url"]
        for event in log["events"]
        if event["type"] == start and "url" in (params := event.get("params", {}))
        if params.get("initiator") == origin or params.get("request_type") == "main frame"
    ]


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian: apt-get install -y chromium)")
def test_docs_render_every_operation_offline_in_a_browser(docs_server: ServerProcess, tmp_path: Path) -> None:
    assert CHROMIUM
    net_log = tmp_path / "net.json"
    browser = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",  # containers often have a small /dev/shm
            f"--user-data-dir={tmp_path / 'profile'}",
            # Only the server resolves: a page that needed a CDN would fail to render here.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--log-net-log={net_log}",
            "--virtual-time-budget=15000",  # run the page's scripts, waiting for its requests, then dump
            "--dump-dom",
            docs_server.url + "/api/docs",
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert browser.returncode == 0, browser.stderr[-2000:]
    rendered = _Operations()
    rendered.feed(browser.stdout)

    spec = httpx.get(docs_server.url + "/api/v1/openapi.json").json()
    declared = sorted((method.upper(), path) for path, operations in spec["paths"].items() for method in operations)
    assert ("POST", "/api/v1/applications") in rendered.operations
    assert sorted(rendered.operations) == declared

    requested = _page_requests(net_log, docs_server.url)
    assert {docs_server.url + "/api/v1/openapi.json", docs_server.url + "/api/docs/assets/swagger-ui-bundle.js"} <= set(
        requested
    )
    assert [url for url in requested if not url.startswith(docs_server.url + "/")] == []
