"""At-least-once TMC delivery through the server, with a short visibility timeout (2 s) set in its settings."""

from __future__ import annotations

import json
import time

import pytest

from .conftest import Stack
from .support import CONFIRM, CONSUME, call_json, new_app, new_application, new_merchant, signed

pytestmark = pytest.mark.slow

server_env = {"FAPIAO_TMC_VISIBILITY_SECONDS": "2"}


def test_unconfirmed_messages_come_back_after_the_visibility_timeout(stack: Stack) -> None:
    assert stack.settings.tmc_visibility_seconds == 2
    app = new_app(stack.runtime)
    merchant = new_merchant(stack.runtime, app)
    first, second = new_application(stack.runtime, merchant), new_application(stack.runtime, merchant)

    def consume() -> list[dict[str, object]]:
        body = call_json(stack.url, signed(app, CONSUME, quantity="10"))["tmc_messages_consume_response"]
        return list(body.get("messages", {}).get("tmc_message", []))

    delivered = consume()
    assert [json.loads(str(m["content"]))["apply_id"] for m in delivered] == [first.apply_id, second.apply_id]
    assert consume() == []  # leased: hidden from other pulls
    ids = [str(m["id"]) for m in delivered]
    confirm = call_json(stack.url, signed(app, CONFIRM, s_message_ids=ids[0]))
    assert confirm == {"tmc_messages_confirm_response": {"is_success": True, "request_id": confirm_id(confirm)}}
    time.sleep(2.2)
    again = consume()
    assert [str(m["id"]) for m in again] == [ids[1]]  # the unconfirmed one, once more
    assert again[0]["content"] == delivered[1]["content"]
    call_json(stack.url, signed(app, CONFIRM, s_message_ids=ids[1]))
    time.sleep(2.2)
    assert consume() == []


def confirm_id(body: dict[str, dict[str, object]]) -> object:
    return body["tmc_messages_confirm_response"]["request_id"]
