"""Structured logs (structlog), one line per event on stdout: JSON (``FAPIAO_LOG_FORMAT=json``, the default) or
aligned text for a terminal (``console``), at ``FAPIAO_LOG_LEVEL``.

The standard library's records (uvicorn's, httpx's, the worker's, Python's warnings) are rendered by the same
processors through structlog's ``ProcessorFormatter``, so the log holds one format, never plain text between
JSON lines. Personal data and secrets never reach a log: services log ids, the engines hide statement
parameters (``store.db.make_engine``), and every line passes ``mask_personal_data`` on its way out, which also
``scrub``s every text (the message, a formatted traceback) of the values database errors quote.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO

import structlog
from structlog.stdlib import ProcessorFormatter

from fapiao.crypto import mask
from fapiao.settings import LOG_LEVELS, LogFormat

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
    if not _MAY_LEAK.search(text):  # every log line's every text passes here: look once before substituting
        return text
    for pattern, replacement in _LEAKS:
        text = pattern.sub(replacement, text)
    return text


_MAY_LEAK = re.compile(r"\[parameters: |Key \(|Failing row contains \(")
_PLAIN, _SECRET, _PERSONAL = 0, 1, 2
_SCALARS = frozenset({int, float, bool, type(None)})
# What each key's value is, remembered: the same few keys come with every line. Bounded, as nested keys vary.
_KINDS: dict[str, int] = {}
_MAX_KINDS = 4096


def _kind(key: str) -> int:
    kind = _KINDS.get(key)
    if kind is None:
        lowered = key.lower()
        if lowered in SECRET_KEYS or lowered.endswith(("_secret", "_password", "_token")):
            kind = _SECRET
        elif lowered in PERSONAL_KEYS or lowered.endswith(("_phone", "_email", "_bank_no", "_register_no")):
            kind = _PERSONAL
        else:
            kind = _PLAIN
        if len(_KINDS) >= _MAX_KINDS:
            _KINDS.clear()
        _KINDS[key] = kind
    return kind


def _masked(key: str, value: Any) -> Any:
    kind = _kind(key)
    if kind == _SECRET:
        return "***" if value not in (None, "") else value
    if kind == _PERSONAL:
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
    formatted exception) of quoted database values. Runs after ``format_exc_info``, on every line: the plain
    scalars and texts most lines hold are decided here without a call."""
    for key, value in list(event_dict.items()):
        cls = type(value)
        if (cls is str or cls in _SCALARS) and _KINDS.get(key) == _PLAIN:
            if cls is str and _MAY_LEAK.search(value):
                event_dict[key] = scrub(value)
            continue
        event_dict[key] = _masked(key, value)
    return event_dict


class ScrubbingFormatter(logging.Formatter):
    """A plain-text formatter that scrubs like the processor, tracebacks included: for a handler of the standard
    library's that an embedding application keeps its own (``configure_logging`` renders with structlog)."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class _Stdout:
    """``sys.stdout`` as it is at each write, not when logging was configured (test runners swap it)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()

    def isatty(self) -> bool:
        return sys.stdout.isatty()


_STDOUT: TextIO = _Stdout()  # type: ignore[assignment]  # the part of a text stream structlog uses


class _StructlogHandler(logging.Handler):
    """Writes the standard library's formatted records through structlog's writer for the same stream, whose
    lock its own lines take too: a line from either is never split by the other's."""

    def __init__(self) -> None:
        super().__init__()
        self._out = structlog.WriteLogger(_STDOUT)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._out.msg(self.format(record))
        except Exception:
            self.handleError(record)


# One encoder for every line: ``json.dumps`` with options builds a new one per call, a third of the rendering.
# Values JSON has no form for (a Decimal, a datetime) are written as their repr.
_JSON = json.JSONEncoder(ensure_ascii=False, default=repr)


def _json_line(event_dict: Any, **_options: Any) -> str:
    return _JSON.encode(event_dict)


def configure_logging(level: str = "INFO", fmt: str = LogFormat.JSON) -> None:
    """Render structlog's events and the standard library's records alike, ``fmt`` ``json`` or ``console``, on
    stdout at ``level``. Called again, it replaces its own configuration (other root handlers stay)."""
    if level.upper() not in LOG_LEVELS:
        raise ValueError(f"the log level is one of {', '.join(LOG_LEVELS)}, not {level!r}")
    numeric = logging.getLevelNamesMapping()[level.upper()]
    if fmt not in tuple(LogFormat):
        raise ValueError(f"the log format is json or console, not {fmt!r}")
    renderer: Any = (
        structlog.processors.JSONRenderer(serializer=_json_line)
        if fmt == LogFormat.JSON
        # plain_traceback: the traceback was formatted (and scrubbed) before the renderer sees it
        else structlog.dev.ConsoleRenderer(colors=_STDOUT.isatty(), exception_formatter=structlog.dev.plain_traceback)
    )
    stamped: list[Any] = [
        structlog.contextvars.merge_contextvars,  # the request id (protocols.access) and whatever else is bound
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    rendered: list[Any] = [structlog.processors.format_exc_info, mask_personal_data, renderer]
    handler = _StructlogHandler()
    handler.setFormatter(
        ProcessorFormatter(
            foreign_pre_chain=[*stamped, structlog.stdlib.add_logger_name],
            processors=[ProcessorFormatter.remove_processors_meta, *rendered],
        )
    )
    root = logging.getLogger()
    for previous in [h for h in root.handlers if isinstance(h, _StructlogHandler)]:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(numeric)
    # httpx logs every request's whole URL at INFO, and a webhook target's query may carry its receiver's token.
    quiet = max(numeric, logging.WARNING) if numeric > logging.DEBUG else numeric
    logging.getLogger("httpx").setLevel(quiet)
    logging.getLogger("alembic.runtime.plugins").setLevel(quiet)  # a line per plugin at every migration run
    logging.captureWarnings(True)  # Python's warnings as log records, not text on stderr
    structlog.configure(
        processors=[*stamped, *rendered],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.WriteLoggerFactory(_STDOUT),
        cache_logger_on_first_use=True,
    )
