"""What the wire-gateway fuzzers share: adversarial values, a raw HTTP client and a watch on the server's log.

Requests go through ``http.client`` rather than httpx: it sends what it is given (NUL and Latin-1 bytes in
header values, repeated query names, any Content-Type), so the server sees what a careless or hostile client
could put on the wire, and it keeps one connection alive across a test's examples.
"""

from __future__ import annotations

import http.client
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

# Examples per fuzz test and engine: small in the suite; set it higher to hunt (e.g. 5000) before a release.
EXAMPLES = int(os.environ.get("FAPIAO_FUZZ_EXAMPLES", "150"))
# Both gateways' fuzzers: bounded, no deadline (a real server answers), no example database between runs.
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# When set, every answer's kind is appended to this file too, to see how deep a hunt got (hypothesis' own
# statistics do not cover ``given`` inside a test function).
STATS_FILE = os.environ.get("FAPIAO_FUZZ_STATS")


def note(label: str) -> None:
    """Record what kind of answer an example got (``hypothesis.event``, and ``STATS_FILE`` when set)."""
    if currently_in_test_context():  # the sweeps send the same requests outside hypothesis
        event(label)
    if STATS_FILE:
        with open(STATS_FILE, "a", encoding="utf-8") as stats:
            stats.write(label.replace("\n", " ") + "\n")


# --- adversarial values ---------------------------------------------------------------------------------------

INT64 = 2**63
HUGE_INTS = (INT64, INT64 - 1, -INT64, -INT64 - 1, 2**64, 9999999999999999999, 10**30, 2**31, -(2**31) - 1)
ODD_TEXT = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x00" * 3,
    "\ufeff",
    "\u202e\u202d",
    "𠀀𪚥",
    "\uffff\ufffe",
    "e\u0301",
    "\x7f\x1b[0m",
    "%00",
    "%",
    "+",
    "null",
    "None",
    "true",
    "NaN",
    "Infinity",
    "-0",
    "1e400",
    "0x10",
    "１２３",  # full-width digits: str.isdigit() says yes, int() too
    "٣",  # Arabic-Indic three
    "²",  # superscript two: isdigit() but not int()
    "9" * 5000,
    "a" * 10_000,
)
BAD_TIMES = (
    "0001-01-01 00:00:00",
    "0001-01-01 07:59:59",
    "9999-12-31 23:59:59",
    "0000-00-00 00:00:00",
    "2024-02-30 00:00:00",
    "2024-13-01 00:00:00",
    "2024-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "99999999999999999999",
    "-1",
    "1e3",
    "１７００００００００００",
)


def nested_json(depth: int, *, kind: str = "[") -> str:
    if kind == "[":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


NESTED = tuple(nested_json(n, kind=k) for n in (2, 64, 1000, 5000) for k in ("[", "{"))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)
# Text a client can encode as UTF-8 (no lone surrogates); NUL and control characters included.
texts = st.text(st.characters(blacklist_categories=["Cs"]), max_size=40)
with_nul = st.builds(lambda a, b: f"{a}\x00{b}", texts, texts)


def weighted(*options: tuple[int, st.SearchStrategy[str]]) -> st.SearchStrategy[str]:
    """One of ``options``, each drawn ``weight`` times as often as a weight of 1."""
    return st.one_of(*(strategy for weight, strategy in options for _ in range(weight)))


def adversarial(realistic: Sequence[str] = ()) -> st.SearchStrategy[str]:
    """A parameter value: realistic ones (ids that exist) mixed with everything that broke a gateway once."""
    options: list[st.SearchStrategy[str]] = [
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.sampled_from(HUGE_INTS).map(str),
        st.sampled_from(ODD_TEXT),
        st.sampled_from(BAD_TIMES),
        st.sampled_from(NESTED),
        json_values.map(lambda v: json.dumps(v, ensure_ascii=False)),
        st.lists(st.integers(min_value=-(2**66), max_value=2**66), max_size=4).map(json.dumps),
        st.lists(st.integers(min_value=-(2**66), max_value=2**66).map(str), min_size=1, max_size=4).map(",".join),
        texts,
        with_nul,
    ]
    if realistic:
        options.append(st.sampled_from(tuple(realistic)))
    return st.one_of(*options)


# --- the client -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


class RawClient:
    """One keep-alive connection to the server; reconnects when the server closed it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.host = f"127.0.0.1:{port}"
        self._connection: http.client.HTTPConnection | None = None

    def send(
        self, method: str, target: str, headers: Sequence[tuple[str, str | bytes]] = (), body: bytes = b""
    ) -> Answer:
        for attempt in (1, 2):
            connection = self._connection or http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self._connection = connection
            try:
                connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
                names = {name.lower() for name, _ in headers}
                if "host" not in names:
                    connection.putheader("Host", self.host)
                for name, value in headers:
                    connection.putheader(name, value.encode("utf-8") if isinstance(value, str) else value)
                if body or method == "POST":
                    connection.putheader("Content-Length", str(len(body)))
                connection.endheaders(body or None)
                response = connection.getresponse()
                data = response.read()
                if response.will_close:
                    self.close()
                return Answer(response.status, response.getheader("content-type") or "", data)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
            except BaseException:
                self.close()  # a half-sent request leaves the connection unusable
                raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


# --- the server's log -------------------------------------------------------------------------------------------

_FAILURE = re.compile(r'Traceback \(most recent call last\)|"level": ?"(error|critical)"|Exception in ASGI')


class LogWatch:
    """What the server wrote to its log since the last look: a traceback or an error entry fails the fuzz."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0

    def new(self) -> str:
        with self.path.open("rb") as log:
            log.seek(self.offset)
            data = log.read()
        self.offset += len(data)
        return data.decode("utf-8", "replace")

    def assert_clean(self, text: str | None = None) -> None:
        """No failure in ``text`` (what ``new`` read), or in what the server wrote since the last look."""
        text = self.new() if text is None else text
        match = _FAILURE.search(text)
        assert match is None, f"the server logged a failure:\n{text[-4000:]}"
