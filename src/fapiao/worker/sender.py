"""One HTTP POST of a delivery with httpx: no redirects, no proxies from the environment, one deadline for
the whole attempt (connect, send, response and body), the response body read up to a bound, and — unless
private targets are allowed — a connection only to the public address the target was checked against."""

from __future__ import annotations

import ssl
import time
import typing

import httpcore
import httpx

from fapiao import __version__
from fapiao.domain.webhooks import Outcome, TargetRefused
from fapiao.webhooks.targets import public_address

USER_AGENT = f"Fapiao-Webhooks/{__version__}"


class Sender:
    def __init__(self, *, timeout: float, max_body: int, allow_private: bool) -> None:
        self.timeout = timeout
        self.max_body = max_body
        self.allow_private = allow_private
        self._ssl = httpx.create_ssl_context()

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        started = time.monotonic()
        deadline = started + self.timeout
        response_code: int | None = None
        excerpt, error = b"", ""
        transport = _Transport(self._ssl, _Backend(deadline, self.allow_private))
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **headers}
        try:
            with (
                httpx.Client(transport=transport, timeout=self.timeout, follow_redirects=False) as client,
                client.stream("POST", url, content=body, headers=headers) as response,
            ):
                response_code = response.status_code
                excerpt = self._read(response, deadline)
        except TargetRefused as exc:
            error = f"target refused: {exc}"
        except httpx.TimeoutException:
            error = f"timed out after {self.timeout:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        latency_ms = round((time.monotonic() - started) * 1000)
        if response_code is not None and not 200 <= response_code < 300 and not error:
            error = f"HTTP {response_code}"
        return Outcome(response_code, latency_ms, error, excerpt.decode("utf-8", "replace"))

    def _read(self, response: httpx.Response, deadline: float) -> bytes:
        """At most ``max_body`` bytes of the body; the status code is the answer, the body only a hint."""
        taken = bytearray()
        try:
            for chunk in response.iter_raw():
                taken += chunk
                if len(taken) >= self.max_body or time.monotonic() >= deadline:
                    break
        except httpx.HTTPError:
            pass  # the status line arrived; a body cut short does not change the outcome
        return bytes(taken[: self.max_body])


class _Transport(httpx.HTTPTransport):
    """httpx's transport over a connection pool with our network backend. httpx has no public parameter
    for it, so the pool it built is replaced (pinned by requirements.lock, covered by tests)."""

    def __init__(self, ssl_context: ssl.SSLContext, backend: httpcore.NetworkBackend) -> None:
        super().__init__(verify=ssl_context, trust_env=False)
        self._pool = httpcore.ConnectionPool(ssl_context=ssl_context, network_backend=backend)


class _Backend(httpcore.SyncBackend):
    def __init__(self, deadline: float, allow_private: bool) -> None:
        self.deadline = deadline
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        address = host if self.allow_private else public_address(host, port)
        stream = super().connect_tcp(address, port, _bounded(timeout, self.deadline), local_address, socket_options)
        return _DeadlineStream(stream, self.deadline)


class _DeadlineStream(httpcore.NetworkStream):
    """Every socket operation waits at most until the attempt's deadline, so a receiver trickling bytes
    cannot hold an attempt (and its claim) open."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: float) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _bounded(timeout, self._deadline))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _bounded(timeout, self._deadline))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        wrapped = self._stream.start_tls(ssl_context, server_hostname, _bounded(timeout, self._deadline))
        return _DeadlineStream(wrapped, self._deadline)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


def _bounded(timeout: float | None, deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise httpcore.ReadTimeout("the attempt's deadline passed")
    return remaining if timeout is None else min(timeout, remaining)
