"""Structured logs (structlog). Personal data and secrets never reach a log: services log ids, the engines
hide statement parameters (``store.db.make_engine``), and every log line, structlog's and the standard
library's (uvicorn, the worker), passes ``mask_personal_data`` / ``scrub`` on its way out."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

from fapiao.crypto import mask

# Keys whose values are personal data or secrets, wherever they appear in an event (nested too). Personal data
# keeps its last four characters, so an operator can still tell two bank accounts apart; secrets keep nothing.
PERSONAL_KEYS = frozenset(
    {
        "bank_no",
        "bank_account",
        "register_no",
        "payee_register_no",
        "invoice_payee_register_no",
        "tax_id",
        "phone",
        "receiver_phone",
        "invoice_phone",
        "sender_phone",
        "contact_phone",
        "email",
        "receiver_email",
        "user_email",
    }
)
SECRET_KEYS = frozenset(
    {
        "secret",
        "app_secret",
        "access_key_secret",
        "secret_sealed",
        "password",
        "token",
        "session",
        "session_key",
        "authorization",
        "signature",
        "sign",
    }
)

# What a database error's text can carry beyond the statement: SQLAlchemy's parameter line (engines hide it;
# this covers any engine built elsewhere), PostgreSQL's DETAIL of a unique or foreign key violation (the
# key's values) and of a NOT NULL or CHECK violation (the whole row).
_LEAKS = (
    (re.compile(r"^\[parameters: .*$", re.MULTILINE), "[parameters: hidden]"),
    (re.compile(r"(Key \([^)]*\))=\(.*?\)( already exists| is not present| is still referenced)"), r"\1=(***)\2"),
    (re.compile(r"Failing row contains \(.*\)"), "Failing row contains (***)"),
)


def scrub(text: str) -> str:
    """The text without the parts of a database error that quote stored values."""
    for pattern, replacement in _LEAKS:
        text = pattern.sub(replacement, text)
    return text


def _masked(key: str, value: Any) -> Any:
    lowered = key.lower()
    if lowered in SECRET_KEYS or lowered.endswith(("_secret", "_password", "_token")):
        return "***" if value not in (None, "") else value
    if lowered in PERSONAL_KEYS or lowered.endswith(("_phone", "_email", "_bank_no", "_register_no")):
        return mask(str(value)) if value not in (None, "") else value
    if isinstance(value, Mapping):
        return {k: _masked(str(k), v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # a view or command logged whole
        fields = {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
        return {"type": type(value).__name__, **_masked(key, fields)}
    if isinstance(value, list | tuple):
        return [_masked(key, item) for item in value]
    if isinstance(value, str):
        return scrub(value)
    return value


def mask_personal_data(_logger: Any, _name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: mask the values of personal and secret keys, scrub every text (the event, a
    formatted exception) of quoted database values. Runs after ``format_exc_info``."""
    for key, value in list(event_dict.items()):
        event_dict[key] = _masked(key, value)
    return event_dict


class ScrubbingFormatter(logging.Formatter):
    """The standard library's lines (uvicorn's, the worker's), tracebacks included, scrubbed like structlog's."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(ScrubbingFormatter("%(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler])  # a no-op where the root already has handlers
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            mask_personal_data,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(),
        cache_logger_on_first_use=True,
    )
