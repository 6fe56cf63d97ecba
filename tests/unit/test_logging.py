"""What a log line may hold: personal data masked, secrets gone, database errors without the values they quote."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator

import pytest
import structlog
from pydantic import ValidationError

from fapiao.logging import ScrubbingFormatter, configure_logging, mask_personal_data, scrub
from fapiao.settings import LogFormat, Settings
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


# --- the configuration ``fapiao serve`` and ``fapiao worker`` run with -------------------------------------


@pytest.fixture
def reconfigured() -> Iterator[Callable[..., None]]:
    """``configure_logging`` with other settings for one test, and the suite's own configuration after it."""
    yield configure_logging
    configure_logging("INFO")
    structlog.contextvars.clear_contextvars()


def failure() -> BaseException:
    try:
        raise RuntimeError(POSTGRES_UNIQUE)
    except RuntimeError as exc:
        return exc


def log_everything() -> None:
    """One line of each kind a server writes, inside a request whose id is bound."""
    structlog.contextvars.bind_contextvars(request_id="BBEF51A3-E933-4F40-A534-C673CBDB9C80")
    structlog.get_logger("fapiao.test").info("title.created", receiver_phone="18588888888", title_id=7)
    logging.getLogger("uvicorn.error").error("Exception in ASGI application", exc_info=failure())
    logging.getLogger("fapiao.worker").debug("hidden at INFO")
    logging.getLogger("httpx").info('HTTP Request: POST https://hooks.example.com/in?token=s3cr3t "HTTP/1.1 200 OK"')


def test_json_renders_structlogs_lines_and_the_standard_librarys_alike_with_the_request_id(
    reconfigured: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    reconfigured("info", "json")
    log_everything()
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]  # every line is JSON
    ours, uvicorns = lines
    assert ours["event"] == "title.created" and ours["title_id"] == 7 and ours["level"] == "info"
    assert ours["receiver_phone"].endswith("8888") and "1858" not in ours["receiver_phone"]
    assert uvicorns["event"] == "Exception in ASGI application" and uvicorns["logger"] == "uvicorn.error"
    assert uvicorns["level"] == "error" and "RuntimeError" in uvicorns["exception"]
    assert "Traceback" in uvicorns["exception"] and "6222020202020202777" not in uvicorns["exception"]
    for line in lines:
        assert line["request_id"] == "BBEF51A3-E933-4F40-A534-C673CBDB9C80"
        assert line["timestamp"].endswith("Z")


def test_console_renders_readable_lines_masked_and_scrubbed_the_same(
    reconfigured: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    reconfigured("INFO", "console")
    log_everything()
    output = capsys.readouterr().out
    assert not output.lstrip().startswith("{")
    assert "title.created" in output and "title_id=7" in output and "18588888888" not in output
    assert "Exception in ASGI application" in output and "RuntimeError" in output and "Traceback" in output
    assert "6222020202020202777" not in output and "s3cr3t" not in output and "hidden at INFO" not in output
    assert output.count("request_id=BBEF51A3-E933-4F40-A534-C673CBDB9C80") == 2


def test_debug_shows_the_standard_librarys_debug_and_httpx_lines(
    reconfigured: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    reconfigured("DEBUG", "json")
    log_everything()
    events = [json.loads(line)["event"] for line in capsys.readouterr().out.splitlines()]
    assert events[2:] == [
        "hidden at INFO",
        'HTTP Request: POST https://hooks.example.com/in?token=s3cr3t "HTTP/1.1 200 OK"',
    ]


def test_warning_drops_the_informational_lines(
    reconfigured: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    reconfigured("WARNING")
    log_everything()
    assert [json.loads(line)["event"] for line in capsys.readouterr().out.splitlines()] == [
        "Exception in ASGI application"
    ]


def test_configuring_again_replaces_the_handler_instead_of_doubling_every_line(
    reconfigured: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    reconfigured("INFO")
    reconfigured("INFO")
    logging.getLogger("uvicorn.error").warning("once")
    assert capsys.readouterr().out.count('"once"') == 1


@pytest.mark.parametrize(("level", "fmt"), [("LOUD", "json"), ("INFO", "xml")])
def test_an_unknown_level_or_format_is_refused(level: str, fmt: str, reconfigured: Callable[..., None]) -> None:
    with pytest.raises(ValueError, match=r"log (level|format)"):
        reconfigured(level, fmt)


def test_the_settings_take_a_known_level_and_format_in_any_case() -> None:
    settings = Settings(log_level="debug", log_format="CONSOLE")
    assert (settings.log_level, settings.log_format) == ("DEBUG", LogFormat.CONSOLE)
    with pytest.raises(ValidationError, match="log level"):
        Settings(log_level="verbose")
    with pytest.raises(ValidationError):
        Settings(log_format="text")
