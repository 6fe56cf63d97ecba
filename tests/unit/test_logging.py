"""What a log line may hold: personal data masked, secrets gone, database errors without the values they quote."""

from __future__ import annotations

import logging
import sys

from fapiao.logging import ScrubbingFormatter, mask_personal_data, scrub
from tests import factories


def test_the_processor_masks_personal_data_and_drops_secrets_nested_too() -> None:
    event = {
        "event": "title.created",
        "bank_no": "6222020202020202777",
        "receiver_phone": "18588888888",
        "register_no": "91350100M000100Y43",
        "app_secret": "s3cr3t-value",
        "session": "6100e23657fb0b2d0c78b9e1e0ac8ae42e9c7b8d",
        "after": {"bank_account": "6222020202020202777", "email": "zhang@example.com", "name": "示例"},
        "apply_id": "A-1",
    }
    masked = mask_personal_data(None, "info", dict(event))
    assert masked["bank_no"] == "*" * 15 + "2777"
    assert masked["receiver_phone"].endswith("8888") and "1858" not in masked["receiver_phone"]
    assert masked["register_no"].endswith("Y43") and "91350100" not in masked["register_no"]
    assert masked["app_secret"] == masked["session"] == "***"
    assert masked["after"]["bank_account"].endswith("2777") and "62220202" not in masked["after"]["bank_account"]
    assert "zhang" not in masked["after"]["email"]
    assert masked["after"]["name"] == "示例" and masked["apply_id"] == "A-1" and masked["event"] == "title.created"


POSTGRES_UNIQUE = (
    'psycopg.errors.UniqueViolation: duplicate key value violates unique constraint "ix_bank"\n'
    "DETAIL:  Key (bank_no)=(6222020202020202777) already exists.\n"
    "[SQL: INSERT INTO titles (bank_no, phone) VALUES (%(bank_no)s, %(phone)s)]\n"
    "[parameters: {'bank_no': '6222020202020202777', 'phone': '0571-86868686'}]\n"
)
POSTGRES_NOT_NULL = (
    'null value in column "x" violates not-null constraint\n'
    "DETAIL:  Failing row contains (7, 6222020202020202777, 0571-86868686, null).\n"
)


def test_scrub_removes_the_values_database_errors_quote_and_keeps_the_rest() -> None:
    scrubbed = scrub(POSTGRES_UNIQUE + POSTGRES_NOT_NULL)
    assert "6222020202020202777" not in scrubbed and "0571-86868686" not in scrubbed
    assert "Key (bank_no)=(***) already exists." in scrubbed
    assert "[SQL: INSERT INTO titles (bank_no, phone) VALUES (%(bank_no)s, %(phone)s)]" in scrubbed
    assert "Failing row contains (***)" in scrubbed


def test_a_formatted_exception_is_scrubbed_by_the_processor_and_by_the_standard_library_formatter() -> None:
    assert "6222020202020202777" not in mask_personal_data(None, "error", {"exception": POSTGRES_UNIQUE})["exception"]
    try:
        raise RuntimeError(POSTGRES_UNIQUE)
    except RuntimeError:
        record = logging.LogRecord("worker", logging.ERROR, __file__, 1, "step failed", None, sys.exc_info())
    line = ScrubbingFormatter("%(message)s").format(record)
    assert line.startswith("step failed") and "RuntimeError" in line
    assert "6222020202020202777" not in line and "0571-86868686" not in line


def test_a_view_or_command_logged_whole_is_masked_field_by_field() -> None:
    data = factories.special_title_data(bank_no="6222020202020202777", phone="0571-86868686")
    masked = mask_personal_data(None, "info", {"event": "title", "title": data})["title"]
    assert masked["type"] == "TitleData" and masked["invoice_title"] == data.invoice_title
    assert masked["bank_no"].endswith("2777") and "62220202" not in masked["bank_no"]
    assert "0571" not in masked["phone"]
