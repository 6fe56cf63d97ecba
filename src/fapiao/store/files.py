"""Where uploaded document bytes live. The filesystem backend is the default; anything with ``put``/``get``
(an object store, say) can replace it."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class DocumentStorage(Protocol):
    def put(self, key: str, content: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...


class FilesystemStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, key: str, content: bytes) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(path.suffix + ".part")
        temporary.write_bytes(content)
        temporary.replace(path)

    def get(self, key: str) -> bytes:
        return (self.root / key).read_bytes()
