"""Responses declared as data: the same declaration renders the answer and lists its fields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fapiao.domain.titles import InvoiceKind
from fapiao.protocols.aliyun import mapping
from fapiao.protocols.aliyun.responses import Const, Items, Out, Record, Render, Response


@dataclass(frozen=True)
class _Line:
    id: int
    kind: InvoiceKind
    fen: int
    at: datetime
    cycle: str
    note: str | None = None


@dataclass(frozen=True)
class _Page:
    items: list[_Line]
    total: int


RECORD = Record(
    (
        Out("Id", "id", Render.ID_TEXT),
        Out("Type", "kind", mapping.TITLE_TYPE),
        Out("Cents", "fen", Render.CENTS),
        Out("Yuan", "fen", Render.YUAN),
        Out("At", "at", Render.TIME),
        Out("Cycle", "cycle", Render.YYYYMM),
        Out("Note", "note"),
    ),
    drop_none=True,
)
RESPONSE = Response((Const("Metadata", {}), Out("TotalCount", "total", Render.INTEGER), Items("A.B", RECORD, "items")))


def test_money_enums_and_times_render_per_declaration() -> None:
    line = _Line(7, InvoiceKind.SPECIAL, 25_000, datetime(2026, 1, 1, 0, 0, 0), "2026-10")
    assert RESPONSE.render(_Page([line], 1)) == {
        "Metadata": {},
        "TotalCount": 1,
        "A": {
            "B": [
                {"Id": "7", "Type": 1, "Cents": 25_000, "Yuan": "250.00", "At": "2026-01-01 08:00:00", "Cycle": 202610}
            ]
        },
    }


def test_reference_rows_come_from_the_same_declaration() -> None:
    rows = {path: kind for path, kind, _ in RESPONSE.rows()}
    assert rows["Metadata"] == "always `{}`"
    assert rows["A.B[].Type"] == "Integer: 0 plain, 1 special"
    assert rows["A.B[].Yuan"].startswith("String, yuan")
