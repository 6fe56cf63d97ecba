"""The human form of CLI results: tables for lists, aligned fields for records, yuan from fen."""

from __future__ import annotations

import pytest

from fapiao.cli.render import Column, render_text, table, yuan


@pytest.fixture(autouse=True)
def plain_wide_stdout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not a terminal (pytest captures stdout), 120 columns, no forced colour."""
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


PAGE = {
    "items": [
        {"id": 7, "name": "云服务器 ECS", "amount_fen": 25000, "status": "approved", "note": None},
        {"id": 8, "name": "[bold]CDN[/bold]", "amount_fen": 5, "status": "rejected", "note": "x"},
    ],
    "page": 2,
    "page_size": 2,
    "total": 5,
}
COLUMNS = (
    Column("ID", "id"),
    Column("NAME", "name", wrap=True),
    Column("AMOUNT ¥", "amount_fen"),
    Column("STATUS", "status"),
)


def test_a_list_is_a_header_row_then_one_row_per_record_then_the_page() -> None:
    lines = table(*COLUMNS)(PAGE).splitlines()
    assert lines[0].split() == ["ID", "NAME", "AMOUNT", "¥", "STATUS"]
    assert set(lines[1]) == {"─"}
    assert lines[2].split() == ["7", "云服务器", "ECS", "250.00", "approved"]
    assert lines[3].split() == ["8", "[bold]CDN[/bold]", "0.05", "rejected"]  # user text is never markup
    assert lines[4] == "page 2 of 3 · 2 per page · 5 in all"
    assert len(lines) == 5
    assert all(line == line.rstrip() for line in lines)


def test_money_is_yuan_from_integer_fen_without_floats() -> None:
    assert [yuan(f) for f in (0, 5, 10, 25000, 199_999_999_999_99, -150)] == [
        "0.00", "0.05", "0.10", "250.00", "199999999999.99", "-1.50",
    ]  # fmt: skip
    shown = render_text({"amount_fen": 123456789012345678, "total_can_invoice_fen": 1})
    assert shown.splitlines() == ["amount (¥)" + " " * 13 + "1234567890123456.78", "total_can_invoice (¥)  0.01"]


def test_a_record_is_aligned_fields_with_nested_objects_indented_and_lists_as_tables() -> None:
    record = {
        "apply_id": "A1",
        "verified": True,
        "address_id": None,
        "data": {"invoice_title": "示例科技有限公司", "bank": ""},
        "warnings": ["phone: not a phone number", "bank: empty"],
        "lines": [{"item_name": "云服务器", "amount_fen": 25000, "item_id": 3}],
        "history": [],
    }
    lines = render_text(record).splitlines()
    assert lines[:7] == [
        "apply_id    A1",
        "verified    yes",
        "address_id  -",
        "data        invoice_title  示例科技有限公司",
        "            bank",
        "warnings    phone: not a phone number",
        "            bank: empty",
    ]
    assert lines[7] == "history     (none)"
    assert lines[9] == "lines"
    assert lines[10].split() == ["ITEM", "NAME", "AMOUNT", "(¥)", "ITEM", "ID"]
    assert lines[12].split() == ["云服务器", "250.00", "3"]


def test_an_unknown_list_gets_every_key_as_a_column() -> None:
    lines = render_text([{"key_id": "LTAI1", "enabled": False}]).splitlines()
    assert lines[0].split() == ["KEY", "ID", "ENABLED"]
    assert lines[2].split() == ["LTAI1", "no"]


def test_wide_text_wraps_within_the_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    rows = [{"id": 123456, "name": "一个非常非常长的发票抬头名称用于测试换行是否正确", "amount_fen": 1299950}]
    lines = table(Column("ID", "id"), Column("NAME", "name", wrap=True), Column("AMOUNT ¥", "amount_fen"))(rows)
    assert all(len(line) <= 40 for line in lines.splitlines())
    assert "123456" in lines and "12999.50" in lines  # ids and amounts stay whole; the name wraps
    assert "".join(lines.split()).count("一个非常非常长的发票抬头名称用于测试换行是否正确") == 0  # it was wrapped


def test_no_colour_when_not_a_terminal_nor_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "\x1b[" not in table(*COLUMNS)(PAGE)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in table(*COLUMNS)(PAGE)  # the check above can fail: a terminal does get styles
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in table(*COLUMNS)(PAGE)


def test_too_narrow_for_whole_ids_and_amounts_each_row_becomes_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "30")
    rows = [{"apply_id": "A20261202000123", "user_id": 34565465675, "amount_fen": 1299950}]
    columns = (Column("APPLY ID", "apply_id"), Column("USER ID", "user_id"), Column("AMOUNT ¥", "amount_fen"))
    assert table(*columns)(rows).splitlines() == [
        "APPLY ID  A20261202000123",
        "USER ID   34565465675",
        "AMOUNT ¥  12999.50",
    ]
    monkeypatch.setenv("COLUMNS", "60")
    assert table(*columns)(rows).splitlines()[0].split() == ["APPLY", "ID", "USER", "ID", "AMOUNT", "¥"]
