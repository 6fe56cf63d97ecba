"""A read-only, case-insensitive, multi-valued view of request headers.

v3 signatures join *every* value of a repeated header (``x-acs-test: http`` + ``x-acs-TEST: https`` →
``http,https``), which a plain ``dict`` cannot represent, and each web framework exposes headers differently;
this is the one shape the wire layer accepts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

HeaderInput = Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]]


def _text(value: str | bytes) -> str:
    # HTTP/1.1 header bytes are ISO-8859-1 (what ASGI servers and http.client use); Python SDKs send
    # header strings through http.client, which encodes them as latin-1, so this round-trips.
    return value.decode("latin-1") if isinstance(value, bytes) else value


class HeaderMap:
    """Headers as received, looked up case-insensitively; keeps repeated headers in arrival order."""

    __slots__ = ("_index", "_items")

    def __init__(self, headers: HeaderInput = ()) -> None:
        pairs: Iterable[tuple[str | bytes, str | bytes]]
        # Starlette's Headers is a Mapping whose items() yields every repeated header, so this keeps them.
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        self._items: tuple[tuple[str, str], ...] = tuple((_text(k).lower(), _text(v)) for k, v in pairs)
        self._index: dict[str, list[str]] = {}
        for key, value in self._items:
            self._index.setdefault(key, []).append(value)

    def get(self, name: str) -> str | None:
        """First value of ``name``, or None."""
        values = self._index.get(name.lower())
        return values[0] if values else None

    def get_all(self, name: str) -> list[str]:
        """Every value of ``name`` in arrival order."""
        return list(self._index.get(name.lower(), ()))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        """(lower-case name, value) pairs."""
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"HeaderMap({list(self._items)!r})"
