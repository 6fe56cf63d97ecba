"""Page-number pagination shared by every list: stable order by id, a total count, bounded page size.

``to_view`` receives the selected entities of each row as positional arguments."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from fapiao.domain.errors import ValidationFailed

T = TypeVar("T")
Row = TypeVar("Row")

MAX_PAGE_SIZE = 300
MAX_PAGE = 1_000_000  # the offset of the last page (page × size) stays far within a 64-bit integer


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    page_size: int = 20

    def __post_init__(self) -> None:
        if not 1 <= self.page <= MAX_PAGE:
            raise ValidationFailed(f"page must be between 1 and {MAX_PAGE}", field="page")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ValidationFailed(f"page_size must be between 1 and {MAX_PAGE_SIZE}", field="page_size")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    page_size: int
    total: int


def paginate(
    session: Session,
    query: Select[*tuple[Any, ...]],
    order_column: InstrumentedAttribute[Any],
    request: PageRequest,
    to_view: Callable[..., T],
    *,
    descending: bool = False,
) -> Page[T]:
    ordered = query.order_by(order_column.desc() if descending else order_column)
    offset = (request.page - 1) * request.page_size
    rows = session.execute(ordered.limit(request.page_size).offset(offset)).all()
    if len(rows) < request.page_size and (rows or offset == 0):
        total = offset + len(rows)  # a short page is the last one: no need to count
    else:
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return Page([to_view(*row) for row in rows], request.page, request.page_size, total)
