"""How ``fapiao serve`` runs uvicorn: its options from the settings, and the HTTP protocol with the deadlines
uvicorn lacks.

uvicorn (0.54) bounds only the idle time between requests (``timeout_keep_alive``). A client that never
finishes its headers, or stops in the middle of a body, holds its connection (and its buffers) forever:
1000 such connections stayed open in the hardening probe (issue 11). uvicorn has no hook for this, but its
``Config(http=…)`` takes a protocol class, so ``GuardedProtocol`` is the smallest subclass of its httptools
protocol that adds, per connection:

- a header deadline: from a request's first byte (or the connection's opening) to its last header;
- a header size limit: request line and headers, refused with a plain 431 (no route, so no protocol, is known
  yet; the same as uvicorn's own 400 for a malformed request);
- a body watchdog: the longest silence inside a body and the whole body's time, counted only while the
  server is waiting on the client (not while the app has not yet taken what was read). It also bounds how
  long the rest of a refused (413) body is read and discarded.

A deadline that passes closes the connection. Worker processes read the values from the environment
(``FAPIAO_*``), as they do every other setting.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from fapiao.settings import Settings

PROTOCOL = "fapiao.cli.serving:GuardedProtocol"  # by name: worker processes import it themselves

_HEADERS_TOO_LARGE = b"Request Header Fields Too Large"


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The options of ``uvicorn.run`` that the limits and proxy settings decide.

    uvicorn trusts X-Forwarded-For from 127.0.0.1 by default, which would let any local client claim another
    address to a RAM policy's ``acs:SourceIp``: forwarded headers count only from configured proxies."""
    trusted = settings.trusted_proxies
    return {
        "http": PROTOCOL,
        "limit_concurrency": settings.max_connections,
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted or None,
    }


@functools.cache
def _settings() -> Settings:
    return Settings()


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header deadline, a header size limit and a body watchdog."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        settings = _settings()
        self.header_timeout = settings.header_timeout_seconds
        self.max_header_bytes = settings.max_header_bytes
        self.body_idle_timeout = settings.body_idle_timeout_seconds
        self.body_timeout = settings.body_timeout_seconds
        self._awaiting_headers = True
        self._header_bytes = 0
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._body_started = 0.0
        self._body_read = 0.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        self._cancel_body_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._awaiting_headers:
            self._header_bytes += len(data)
        super().data_received(data)
        if self._awaiting_headers and self._header_bytes > self.max_header_bytes and not self.transport.is_closing():
            self._refuse_headers()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_timer is None:
            self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._cancel_header_timer()
        super().on_headers_complete()
        self._body_started = self._body_read = self.loop.time()
        self._cancel_body_timer()
        self._body_timer = self.loop.call_at(self._body_due(), self._check_body)

    def on_body(self, body: bytes) -> None:
        self._body_read = self.loop.time()
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._cancel_body_timer()
        self._awaiting_headers = True
        self._header_bytes = 0
        super().on_message_complete()

    # --- deadlines --------------------------------------------------------------------------------------

    def _arm_header_timer(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_timed_out)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _cancel_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _headers_timed_out(self) -> None:
        self._header_timer = None
        if self._awaiting_headers and not self.transport.is_closing():
            self.transport.close()

    def _body_due(self) -> float:
        return min(self._body_read + self.body_idle_timeout, self._body_started + self.body_timeout)

    def _check_body(self) -> None:
        self._body_timer = None
        if self.transport.is_closing():
            return
        now = self.loop.time()
        if self.flow.read_paused:
            # The app has not taken what was already read (flow control): the wait is the server's, not the
            # client's; look again once the client could have been silent for a whole idle period.
            self._body_read = now
            self._body_started = max(self._body_started, now - self.body_timeout + self.body_idle_timeout)
        elif now >= self._body_due():
            self.transport.close()
            return
        self._body_timer = self.loop.call_at(self._body_due(), self._check_body)

    def _refuse_headers(self) -> None:
        if self.cycle is None or self.cycle.response_complete:  # never write into another request's answer
            self.transport.write(
                b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                b"content-type: text/plain; charset=utf-8\r\n"
                b"content-length: " + str(len(_HEADERS_TOO_LARGE)).encode() + b"\r\n"
                b"connection: close\r\n\r\n" + _HEADERS_TOO_LARGE
            )
        self.transport.close()
