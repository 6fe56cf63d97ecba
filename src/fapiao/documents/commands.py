"""What callers ask of documents: uploading one, in domain names, with its limits."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Annotated

from annotated_types import Ge, MinLen

from fapiao.usecases.spec import Doc


class DocumentKind(enum.StrEnum):
    TAXATION_LICENSE = "taxation_license"  # 税务登记证扫描件
    TITLE_CHANGE_INSTRUCTIONS = "title_change_instructions"  # 发票抬头变更情况说明书


@dataclass(frozen=True)
class UploadDocument:
    """Store a JPEG, PNG, PDF, DOC or DOCX for an account; titles then refer to it by its file name.
    The size limit is the deployment's ``max_document_bytes``."""

    account_id: Annotated[int, Ge(1), Doc("The account the document belongs to.")]
    kind: Annotated[DocumentKind, Doc("What the document is.")]
    file_name: Annotated[str, MinLen(1), Doc("The name titles refer to it by (any directories are dropped).")]
    content: Annotated[bytes, MinLen(1), Doc("The file's bytes.")]
