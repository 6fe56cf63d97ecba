"""The OpenAPI document's prose as Markdown, which is what Swagger UI and ReDoc render.

Its descriptions are the routes' docstrings and the commands' (``body_of``), written in the reStructuredText
style of every docstring here (literals in double backticks). Converting them once, where the document is built,
keeps one docstring style in the code and leaves no doubled backticks in the rendered reference.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI

_PROSE = frozenset({"description", "summary"})
_RST_LITERAL = re.compile(r"``([^`]+?)``")


def markdown(text: str) -> str:
    """``text`` with RST inline literals (two backticks each side) as Markdown code spans (one each side)."""
    return _RST_LITERAL.sub(r"`\1`", text)


def markdown_prose(node: Any) -> Any:
    """A copy of an OpenAPI document (or part) whose descriptions and summaries are Markdown. Other strings
    (names, examples, defaults, patterns) are data and stay as they are."""
    if isinstance(node, dict):
        return {
            key: markdown(value) if key in _PROSE and isinstance(value, str) else markdown_prose(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [markdown_prose(value) for value in node]
    return node


def install(app: FastAPI) -> None:
    """Serve ``app``'s OpenAPI document with Markdown prose, built and converted once (FastAPI caches it)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = markdown_prose(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
