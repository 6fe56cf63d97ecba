"""What title use cases return, and how a stored row becomes one."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from fapiao.domain.titles import AdjustType, TitleData, TitleStatus
from fapiao.store.tables import Account, Title

_DATA_FIELDS = tuple(f.name for f in dataclasses.fields(TitleData))


@dataclass(frozen=True)
class TitleView:
    id: int
    user_id: int
    user_nick: str
    status: TitleStatus
    adjust_type: AdjustType
    data: TitleData  # the version in force (or under first review)
    pending_change: TitleData | None  # a change of an approved title, under review
    warnings: tuple[str, ...]
    review_note: str
    created_at: datetime
    updated_at: datetime


def title_data(row: Title | Row[Any]) -> TitleData:
    return TitleData.from_json({name: getattr(row, name) for name in _DATA_FIELDS})


def title_view(row: Title, account: Account) -> TitleView:
    pending = TitleData.from_json(row.pending_change) if row.pending_change else None
    return TitleView(
        row.id,
        account.user_id,
        account.user_nick,
        TitleStatus(row.status),
        AdjustType(row.adjust_type),
        title_data(row),
        pending,
        tuple(row.warnings),
        row.review_note,
        row.created_at,
        row.updated_at,
    )
