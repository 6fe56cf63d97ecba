"""Human output of the CLI (without ``--json``): lists as tables, records as aligned ``field  value`` lines.

rich lays the text out: it measures CJK text by its cells, fits tables to the terminal width (``COLUMNS`` when
stdout is not a terminal, else 80), and adds no styling when stdout is not a terminal or ``NO_COLOR`` is set.
Everything is rendered from the same JSON values ``--json`` prints, so both show the same facts; money fields
(``*_fen``, integer fen) are shown in yuan, written as ``--amount`` options take them back.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from fapiao.domain.money import fen_to_yuan_str
from fapiao.usecases.serialize import to_jsonable

MONEY_SUFFIX = "_fen"
_PAGE_KEYS = ("items", "page", "page_size", "total")
_UTC_TIME = re.compile(r"^(\d{4}-\d\d-\d\d)T(\d\d:\d\d):\d\d(?:\.\d+)?(?:Z|\+00:00)$")
_FOLDABLE = 8  # the narrowest a column of free text is folded to before rows become records
_COLUMN_GAP = 3  # padding on both sides of the space rich's SIMPLE_HEAD box puts between columns
_TRAILING_BLANKS = re.compile(r" +((?:\x1b\[[0-9;]*m)*)$", re.MULTILINE)


@dataclass(frozen=True)
class Column:
    """One column of a list: its header and where its value is in each row (a dotted path, ``""`` for the row).

    ``show`` turns the value into the cell's text when the default (see ``cell``) does not fit. ``wrap`` marks
    free text (names, addresses, URLs): on a narrow terminal those columns wrap; the others (ids, statuses,
    amounts, times) stay whole on one line, and when the terminal is too narrow for them the rows are printed
    as fields instead (see ``_Fitted``)."""

    header: str
    path: str
    show: Callable[[Any], str] | None = None
    wrap: bool = False

    def value(self, row: Mapping[str, Any]) -> Any:
        value: Any = row
        for part in self.path.split(".") if self.path else ():
            value = value.get(part) if isinstance(value, Mapping) else None
        return value

    @property
    def money(self) -> bool:
        return self.path.endswith(MONEY_SUFFIX)


def yuan(fen: int) -> str:
    """Integer fen as yuan with two decimals, never through a float (``25000`` → ``250.00``)."""
    return fen_to_yuan_str(fen)


def cell(value: Any, *, money: bool = False) -> str:
    """The text of one value: yuan for money, yes/no, ``-`` for none, lists joined, objects as compact JSON."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if money and isinstance(value, int):
        return yuan(value)
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def short_time(value: Any) -> Any:
    """A UTC timestamp to the minute for a table cell (``2026-12-02 02:07Z``); records show it whole."""
    found = _UTC_TIME.match(value) if isinstance(value, str) else None
    return f"{found[1]} {found[2]}Z" if found else value


def table(*columns: Column) -> Callable[[Any], str]:
    """The renderer of a list command: a header row, one row per record, then the page (when it is a page)."""

    def render(result: Any) -> str:
        return _capture(_list(to_jsonable(result), columns))

    return render


def render_text(data: Any) -> str:
    """The default human form of a command's result: a page or list of records as a table, a record as
    aligned fields, anything else as its text."""
    data = to_jsonable(data)
    if _is_page(data) or (isinstance(data, list) and all(isinstance(row, dict) for row in data)):
        return _capture(_list(data, ()))
    if isinstance(data, dict):
        return _capture(_record(data))
    return cell(data)


def _capture(renderables: Sequence[RenderableType]) -> str:
    # A console on stdout decides styling (only on a terminal, or with FORCE_COLOR) and width (terminal,
    # COLUMNS). The output has no colours, only bold and dim; rich keeps those under NO_COLOR, we drop them too.
    console = Console(highlight=False, emoji=False, markup=False)
    if os.environ.get("NO_COLOR"):
        console = Console(highlight=False, emoji=False, markup=False, color_system=None)
    with console.capture() as captured:
        for renderable in renderables:
            console.print(renderable)
    # rich pads every line of a table to its full width; the padding is noise in a terminal and in a file
    return _TRAILING_BLANKS.sub(r"\1", captured.get()).rstrip("\n")


def _is_page(data: Any) -> bool:
    return isinstance(data, dict) and all(k in data for k in _PAGE_KEYS) and isinstance(data["items"], list)


def _list(data: Any, columns: Sequence[Column]) -> list[RenderableType]:
    rows: list[dict[str, Any]] = data["items"] if _is_page(data) else data
    out: list[RenderableType] = [_table(rows, columns or _columns(rows))]
    if _is_page(data):
        pages = max(1, -(-data["total"] // data["page_size"]))
        summary = f"page {data['page']} of {pages} · {data['page_size']} per page · {data['total']} in all"
        extras = {k: v for k, v in data.items() if k not in _PAGE_KEYS}
        out.append(Text(summary, style="dim"))
        if extras:
            out.extend(_record(extras))
    return out


def _columns(rows: Sequence[Mapping[str, Any]]) -> list[Column]:
    """Columns for rows without a declared layout: every key, in order of first appearance."""
    keys: dict[str, None] = {}
    for row in rows:
        keys.update(dict.fromkeys(row))
    return [
        Column(_label(key).replace("_", " ").upper(), key, wrap=any(len(cell(row.get(key))) > 20 for row in rows))
        for key in keys
    ]


class _Fitted:
    """A table, or, when the terminal is too narrow even for its columns that do not wrap, each row as
    aligned ``HEADER  value`` lines: rich would otherwise cut ids and amounts, or drop whole columns."""

    def __init__(self, rows: Sequence[Mapping[str, Any]], columns: Sequence[Column]) -> None:
        self.columns = columns
        self.cells = [[self._cell(column, row) for column in columns] for row in rows]

    @staticmethod
    def _cell(column: Column, row: Mapping[str, Any]) -> str:
        value = column.value(row)
        return column.show(value) if column.show else cell(short_time(value), money=column.money)

    def minimum_width(self) -> int:
        widths = []
        for index, column in enumerate(self.columns):
            texts = [column.header, *(row[index] for row in self.cells)]
            if column.wrap:  # free text may fold inside a long word (CJK has no spaces to break at)
                widths.append(min(_FOLDABLE, max((cell_len(w) for t in texts for w in t.split()), default=0)))
            else:
                widths.append(max(cell_len(text) for text in texts))
        return sum(widths) + _COLUMN_GAP * (len(widths) - 1)

    def table(self) -> Table:
        grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold", padding=(0, 1))
        for column in self.columns:
            grid.add_column(
                column.header,
                justify="right" if column.money else "left",
                no_wrap=not column.wrap,
                overflow="fold" if column.wrap else "ellipsis",
            )
        for row in self.cells:
            grid.add_row(*(Text(text) for text in row))
        return grid

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.minimum_width() <= options.max_width:
            yield self.table()
            return
        for number, row in enumerate(self.cells):
            grid = Table.grid(padding=(0, 2))
            grid.add_column(style="bold", no_wrap=True)
            grid.add_column(overflow="fold")
            for column, text in zip(self.columns, row, strict=True):
                grid.add_row(Text(column.header), Text(text))
            if number:
                yield Text("")
            yield grid


def _table(rows: Sequence[Mapping[str, Any]], columns: Sequence[Column]) -> _Fitted:
    return _Fitted(rows, columns)


def _label(key: str) -> str:
    return f"{key.removesuffix(MONEY_SUFFIX)} (¥)" if key.endswith(MONEY_SUFFIX) else key


def _record(data: Mapping[str, Any], *, nested: bool = False) -> list[RenderableType]:
    """``field  value`` lines; a nested object as indented lines of its own; a list of objects (an
    application's lines and history) as a table after the fields, where it has the whole width."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    after: list[RenderableType] = []
    for key, value in data.items():
        money = key.endswith(MONEY_SUFFIX) and isinstance(value, int) and not isinstance(value, bool)
        shown: RenderableType
        if isinstance(value, dict) and value:
            shown = _record(value, nested=True)[0]
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            if nested:
                shown = _table(value, _columns(value))
            else:
                after += [Text(""), Text(key, style="bold"), Padding(_table(value, _columns(value)), (0, 0, 0, 2))]
                continue
        elif isinstance(value, list) and value:
            shown = Text("\n".join(cell(v) for v in value))
        elif isinstance(value, list | dict):
            shown = Text("(none)", style="dim")
        else:
            shown = Text(cell(value, money=money))
        grid.add_row(Text(_label(key) if money else key), shown)
    return [grid, *after]
