"""Uploaded documents (tax registration scans, title-change statements): checked, stored by a storage
backend, and referenced from titles by file name."""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from fapiao.audit import service as audit
from fapiao.documents.commands import DocumentKind, UploadDocument
from fapiao.documents.views import DocumentView, document_view
from fapiao.domain.errors import NotFound, ValidationFailed
from fapiao.store.tables import Document
from fapiao.usecases.actor import Actor

if TYPE_CHECKING:
    from fapiao.runtime import Runtime


# Accepted formats, recognised by their leading bytes; the extension must agree with the content.
_SIGNATURES: tuple[tuple[bytes, str, frozenset[str]], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", frozenset({".jpg", ".jpeg"})),
    (b"\x89PNG\r\n\x1a\n", "image/png", frozenset({".png"})),
    (b"%PDF-", "application/pdf", frozenset({".pdf"})),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/msword", frozenset({".doc"})),
    (
        b"PK\x03\x04",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        frozenset({".docx"}),
    ),
)
_SAFE_NAME = re.compile(r"^[^/\\\x00-\x1f]{1,200}$")


def sniff(file_name: str, content: bytes) -> str:
    """The content type of an accepted document, or a ValidationFailed saying why it is refused."""
    suffix = Path(file_name).suffix.lower()
    for magic, content_type, suffixes in _SIGNATURES:
        if content.startswith(magic):
            if suffix not in suffixes:
                raise ValidationFailed(
                    f"file content is {content_type} but the name ends in {suffix or 'nothing'}", field="file"
                )
            return content_type
    raise ValidationFailed("documents must be JPEG, PNG, PDF, DOC or DOCX files", field="file")


def upload(rt: Runtime, actor: Actor, command: UploadDocument) -> DocumentView:
    """Check and store a document, then record it and its audit entry in one transaction."""
    account_id, kind, content = command.account_id, command.kind, command.content
    actor.require_account(account_id)
    file_name = Path(command.file_name.replace("\\", "/")).name.strip()
    if not _SAFE_NAME.match(file_name):
        raise ValidationFailed("file name is empty or has control characters", field="file")
    if not content:
        raise ValidationFailed("file is empty", field="file")
    if len(content) > rt.settings.max_document_bytes:
        raise ValidationFailed(f"file is larger than {rt.settings.max_document_bytes} bytes", field="file")
    content_type = sniff(file_name, content)
    digest = hashlib.sha256(content).hexdigest()
    key = f"{account_id}/{uuid.uuid4().hex}{Path(file_name).suffix.lower()}"
    rt.storage.put(key, content)
    with rt.db.transaction() as session:
        row = Document(
            account_id=account_id,
            kind=kind.value,
            file_name=file_name,
            content_type=content_type,
            size=len(content),
            sha256=digest,
            storage_key=key,
        )
        session.add(row)
        session.flush()
        view = document_view(row)
        audit.record(
            session,
            actor,
            "document.upload",
            "document",
            row.id,
            account_id=account_id,
            after={"kind": kind.value, "file_name": file_name, "size": len(content), "sha256": digest},
        )
    return view


def find_by_name(session: Session, account_id: int, kind: DocumentKind, file_name: str) -> DocumentView | None:
    """The newest upload of that name, looked up inside the caller's transaction."""
    row = session.scalars(
        select(Document)
        .where(Document.account_id == account_id, Document.kind == kind.value, Document.file_name == file_name)
        .order_by(Document.id.desc())
        .limit(1)
    ).first()
    return document_view(row) if row else None


def read(rt: Runtime, actor: Actor, document_id: int) -> tuple[DocumentView, bytes]:
    with rt.db.transaction() as session:
        row = session.get(Document, document_id)
        if row is None or not actor.sees(row.account_id):
            raise NotFound(f"document {document_id} does not exist", field="id")
        view, key = document_view(row), row.storage_key
    return view, rt.storage.get(key)
