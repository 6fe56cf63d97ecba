"""What callers ask of the audit trail, in domain names, with its limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from annotated_types import Ge, Le, MaxLen

from fapiao.usecases.pagination import MAX_PAGE, MAX_PAGE_SIZE
from fapiao.usecases.spec import Doc


@dataclass(frozen=True)
class ListAuditEvents:
    """What happened to records, newest first; customers see their own account's events only."""

    account_id: Annotated[int | None, Ge(1), Doc("Operators only: this account's events.")] = None
    entity_type: Annotated[str | None, MaxLen(64), Doc("Only events on this kind of record (`title`, …).")] = None
    entity_id: Annotated[str | None, MaxLen(128), Doc("Only events on this record.")] = None
    action: Annotated[str | None, MaxLen(64), Doc("Only this action (`title.create`, …).")] = None
    page: Annotated[int, Ge(1), Le(MAX_PAGE), Doc("Page number, from 1.")] = 1
    page_size: Annotated[int, Ge(1), Le(MAX_PAGE_SIZE), Doc("Entries per page.")] = 50
