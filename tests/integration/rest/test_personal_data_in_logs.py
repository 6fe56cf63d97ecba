"""A database failure with personal data in its statement, through a real server: the logged failure names
the statement and the request, never the bank account, tax id or phone number it was writing."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from fapiao.runtime import Runtime
from tests import factories
from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow

BANK_NO = "6222020202020202777"
PHONE = "0571-86868686"
REGISTER_NO = factories.VALID_USCC


def test_a_failed_insert_logs_neither_the_bank_account_nor_the_phone(server: ServerProcess, runtime: Runtime) -> None:
    alice = factories.customer(runtime, nick="alice")
    # A unique index no release has: the second title with the same bank account then fails inside the insert,
    # the way any unexpected database error would (PostgreSQL quotes the duplicate key in its error).
    with runtime.db.engine.begin() as connection:
        connection.execute(text("CREATE UNIQUE INDEX test_only_titles_bank_no ON titles (bank_no)"))
    title = {
        "invoice_title": "示例科技有限公司",
        "register_no": REGISTER_NO,
        "invoice_kind": "special",
        "address": "杭州市余杭区文一西路969号",
        "phone": PHONE,
        "bank": "招商银行杭州分行",
        "bank_no": BANK_NO,
    }
    with httpx.Client(base_url=server.url + "/api/v1", auth=alice.basic, timeout=10) as api:
        assert api.post("/titles", json=title).status_code == 201
        failed = api.post("/titles", json=title)
    assert failed.status_code == 500, failed.text
    assert BANK_NO not in failed.text and PHONE not in failed.text

    log = server.log.read_text()
    assert failed.json()["request_id"] in log  # the failure was logged…
    assert "INSERT INTO titles" in log  # …with its statement…
    for value in (BANK_NO, PHONE, REGISTER_NO):  # …and without the values it carried
        assert value not in log
