"""The OpenAPI document's prose is Markdown; its data stays exactly as declared."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from fapiao.protocols.rest import openapi


def test_rst_literals_become_markdown_code_spans() -> None:
    text = "Send ``Idempotency-Key`` to retry safely; ``null``\nfields keep their value (``a b``)."
    assert openapi.markdown(text) == "Send `Idempotency-Key` to retry safely; `null`\nfields keep their value (`a b`)."
    assert openapi.markdown("already `code` and *emphasis*") == "already `code` and *emphasis*"


def test_only_descriptions_and_summaries_are_prose() -> None:
    document: dict[str, Any] = {
        "info": {"title": "``t``", "description": "the ``API``"},
        "paths": {"/x": {"post": {"summary": "``s``", "description": "d ``x``", "parameters": [{"name": "``p``"}]}}},
        "components": {
            "schemas": {
                "Body": {
                    "description": "a ``body``",
                    "properties": {"description": {"type": "string", "examples": ["``kept``"], "default": "``kept``"}},
                }
            }
        },
    }
    converted = openapi.markdown_prose(document)
    assert converted["info"] == {"title": "``t``", "description": "the `API`"}
    operation = converted["paths"]["/x"]["post"]
    assert (operation["summary"], operation["description"]) == ("`s`", "d `x`")
    assert operation["parameters"] == [{"name": "``p``"}]
    body = converted["components"]["schemas"]["Body"]
    assert body["description"] == "a `body`"
    assert body["properties"]["description"] == {"type": "string", "examples": ["``kept``"], "default": "``kept``"}
    assert document["info"]["description"] == "the ``API``"  # a copy: the built document is not changed under it


def test_the_app_serves_the_converted_document_built_once() -> None:
    app = FastAPI()

    @app.get("/x")
    def x() -> None:
        """Answers ``nothing``."""

    openapi.install(app)
    first = app.openapi()
    assert first["paths"]["/x"]["get"]["description"] == "Answers `nothing`."
    assert app.openapi() is first
