"""What document use cases return (never the storage key)."""

from __future__ import annotations

from dataclasses import dataclass

from fapiao.documents.commands import DocumentKind
from fapiao.store.tables import Document


@dataclass(frozen=True)
class DocumentView:
    id: int
    account_id: int
    kind: DocumentKind
    file_name: str
    content_type: str
    size: int
    sha256: str


def document_view(row: Document) -> DocumentView:
    return DocumentView(
        row.id, row.account_id, DocumentKind(row.kind), row.file_name, row.content_type, row.size, row.sha256
    )
