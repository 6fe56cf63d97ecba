"""CLI round trips through the real ``fapiao`` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import Cli
from tests.support.paths import FIXTURES

SEED = json.loads((FIXTURES / "seed_query_invoicing_customer_list.json").read_text())
SEED_TITLE = SEED["Data"]["CustomerInvoiceList"]["CustomerInvoice"][0]

pytestmark = pytest.mark.slow


def test_demo_seeds_once_and_reprints_the_same_credentials(cli: Cli) -> None:
    first = cli.json("demo")
    second = cli.json("demo", "--port", "9999")
    assert set(first) >= {"endpoint", "aliyun"}
    assert set(first["aliyun"]) >= {"access_key_id", "access_key_secret", "user_id", "title_id", "address_id"}
    assert second["aliyun"] == first["aliyun"]
    assert second["endpoint"] == "http://127.0.0.1:9999"
    assert len(cli.json("titles", "list")["items"]) == 1
    assert len(cli.json("addresses", "list")["items"]) == 1
    assert cli.json("items", "list")["total"] >= 3


def test_demo_title_carries_the_documented_example(cli: Cli) -> None:
    demo = cli.json("demo")["aliyun"]
    title = cli.json("titles", "show", str(demo["title_id"]))
    account = cli.json("accounts", "show", str(demo["user_id"]))
    data = title["data"]
    assert title["id"] == SEED_TITLE["Id"]
    assert demo["user_id"] == SEED_TITLE["UserId"] and account["user_nick"] == SEED_TITLE["UserNick"]
    assert (title["status"], title["adjust_type"]) == ("approved", "details")  # Status 2, AdjustType 1
    assert data["invoice_kind"] == "special"  # Type 1
    assert (data["taxpayer_type"], data["customer_type"], data["issue_type"]) == ("general", "individual", 1)
    wire_names = {
        "invoice_title": "InvoiceTitle",
        "register_no": "RegisterNo",
        "bank": "Bank",
        "bank_no": "BankNo",
        "address": "OperatingLicenseAddress",
        "phone": "OperatingLicensePhone",
        "taxation_license": "TaxationLicense",
        "title_change_instructions": "TitleChangeInstructions",
        "default_remark": "DefaultRemark",
        "start_cycle": "StartCycle",
        "end_cycle": "EndCycle",
    }
    for field, wire in wire_names.items():
        expected = SEED_TITLE[wire].rstrip("\n") if isinstance(SEED_TITLE[wire], str) else SEED_TITLE[wire]
        assert data[field] == expected, field
    assert title["created_at"] == "2018-09-07T07:26:20Z"  # 15:26:20 China Standard Time
    assert any(w.startswith("register_no:") for w in title["warnings"])  # sandbox keeps the placeholder id


def test_account_key_ram_and_title_round_trip(cli: Cli, tmp_path: Path) -> None:
    cli.json("db", "upgrade")
    account = cli.json("accounts", "create", "--nick", "acme", "--real-name-verified")
    user_id = str(account["user_id"])
    key = cli.json("keys", "create", "--account", user_id)
    assert key["access_key_id"].startswith("LTAI") and len(key["access_key_secret"]) == 30
    listed = cli.json("keys", "list", "--account", user_id)
    assert [k["key_id"] for k in listed] == [key["access_key_id"]]
    assert "access_key_secret" not in json.dumps(listed) and key["access_key_secret"] not in json.dumps(listed)

    cli.json("ram", "create-user", "--account", user_id, "--name", "bot")
    policy = '{"Version":"1","Statement":[{"Effect":"Allow","Action":"bss:Query*","Resource":"*"}]}'
    ram = cli.json(
        "ram", "attach-policy", "--account", user_id, "--user", "bot", "--name", "read", "--document", policy
    )
    assert ram["policies"]["read"]["Statement"][0]["Action"] == "bss:Query*"
    attach = ("ram", "attach-policy", "--account", user_id, "--user", "bot", "--name", "net", "--document")
    grant = '{"Version":"1","Statement":[{"Effect":"Allow","Action":"bss:Query*","Resource":"*","Condition":%s}]}'
    unknown = cli.error(*attach, grant % '{"StringEquals":{"acs:SourceIp":"127.0.0.1"}}')
    assert (unknown["code"], unknown["field"]) == ("InvalidParameter", "document")
    assert "condition operator 'StringEquals' is not supported" in unknown["message"]
    twice = '{"IpAddress":{"acs:SourceIp":"203.0.113.0/24"},"IpAddress":{"acs:SourceIp":"0.0.0.0/0"}}'
    assert "repeats the name IpAddress" in cli.error(*attach, grant % twice)["message"]
    kept = cli.json(*attach, grant % '{"IpAddress":{"acs:SourceIp":"203.0.113.0/24"}}')["policies"]
    assert kept["net"]["Statement"][0]["Condition"] == {"IpAddress": {"acs:SourceIp": "203.0.113.0/24"}}
    assert cli.json("keys", "create", "--account", user_id, "--ram-user", "bot")["ram_user"] == "bot"

    scan = tmp_path / "licence.jpg"
    scan.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 16)
    cli.json("documents", "upload", "--account", user_id, "--kind", "taxation_license", str(scan))
    title = cli.json(
        "titles",
        "create",
        "--account",
        user_id,
        "--title",
        "示例科技有限公司",
        "--register-no",
        "91350100M000100Y43",
        "--taxation-license",
        "licence.jpg",
        "--start-cycle",
        "202401",
    )
    assert title["status"] == "applying" and title["warnings"] == []
    title_id = str(title["id"])
    rejected = cli.json("titles", "reject", title_id, "--reason", "扫描件不清晰")
    assert rejected["status"] == "rejected"
    assert cli.json("titles", "update", title_id, "--bank", "招商银行")["status"] == "applying"
    assert cli.json("titles", "approve", title_id)["status"] == "approved"
    changed = cli.json("titles", "submit-change", title_id, "--phone", "0571-85022088")
    assert (changed["status"], changed["adjust_type"]) == ("applying", "details")
    assert changed["pending_change"]["phone"] == "0571-85022088" and changed["data"]["phone"] == ""
    assert cli.json("titles", "approve", title_id)["data"]["phone"] == "0571-85022088"
    assert cli.json("titles", "list", "--status", "approved")["total"] == 1

    events = cli.json("audit", "list", "--account", user_id)["items"]
    assert events[0]["action"] == "title.approve" and events[0]["before"]["status"] == "applying"


def test_addresses_and_items(cli: Cli) -> None:
    user_id = str(cli.json("accounts", "create", "--nick", "shop")["user_id"])
    created = cli.json(
        "addresses",
        "create",
        "--account",
        user_id,
        "--addressee",
        "李四",
        "--phone",
        "18600000000",
        "--province",
        "浙江省",
        "--city",
        "杭州市",
        "--street",
        "文一西路969号",
    )
    assert created["delivery_address"] == "浙江省杭州市文一西路969号"
    updated = cli.json("addresses", "update", str(created["id"]), "--county", "余杭区")
    assert updated["delivery_address"] == "浙江省杭州市余杭区文一西路969号"
    item = cli.json(
        "items",
        "create",
        "--account",
        user_id,
        "--name",
        "云服务器",
        "--amount",
        "250.00",
        "--bill-cycle",
        "2026-10",
        "--offset",
        "50.5",
    )
    assert (item["original_fen"], item["offset_fen"], item["can_invoice_fen"]) == (25000, 5050, 19950)
    assert cli.json("addresses", "delete", str(created["id"]))["deleted"] is True
    assert cli.json("addresses", "list", "--account", user_id)["total"] == 0


def test_errors_are_one_json_document_and_change_nothing(cli: Cli) -> None:
    user_id = str(cli.json("accounts", "create", "--nick", "strict")["user_id"])
    bad_cycle = cli.error(
        "titles",
        "create",
        "--account",
        user_id,
        "--title",
        "x",
        "--register-no",
        "91350100M000100Y43",
        "--start-cycle",
        "202413",
    )
    assert bad_cycle == {
        "code": "InvalidParameter",
        "message": "start_cycle must be a month written YYYYMM",
        "field": "start_cycle",
    }
    assert cli.error("titles", "approve", "424242")["code"] == "NotFound"
    assert (
        cli.error(
            "items", "create", "--account", user_id, "--name", "x", "--amount", "1.005", "--bill-cycle", "2026-10"
        )["field"]
        == "amount"
    )
    assert cli.error("accounts", "create", "--nick", "strict")["code"] == "Conflict"
    assert cli.json("titles", "list")["total"] == 0
    assert cli.json("items", "list")["total"] == 0


def test_text_mode_prints_tables_and_aligned_records(cli: Cli) -> None:
    user_id = str(cli.json("accounts", "create", "--nick", "表格", "--user-id", "7654321")["user_id"])
    for name, amount in (("云服务器 ECS", "250.00"), ("CDN", "0.05")):
        cli.json("items", "create", "--account", user_id, "--name", name, "--amount", amount, "--bill-cycle", "2026-10")

    listed = cli.text("items", "list", "--account", user_id)
    assert listed[0].split() == [
        "ID",
        "USER",
        "ID",
        "NAME",
        "CYCLE",
        "ORIGINAL",
        "¥",
        "INVOICED",
        "¥",
        "AVAILABLE",
        "¥",
    ]
    assert listed[2].split() == ["2", user_id, "CDN", "2026-10", "0.05", "0.00", "0.05"]
    assert listed[3].split() == ["1", user_id, "云服务器", "ECS", "2026-10", "250.00", "0.00", "250.00"]
    assert listed[4] == "page 1 of 1 · 20 per page · 2 in all"
    assert listed[6].split() == ["total_can_invoice", "(¥)", "250.05"]
    assert "\x1b[" not in "\n".join(listed)  # not a terminal: no colour

    shown = cli.text("accounts", "show", user_id)
    assert shown[:4] == [
        "id                  1",
        f"user_id             {user_id}",
        "user_nick           表格",
        "real_name_verified  no",
    ]
    accounts = cli.text("accounts", "list")
    assert accounts[0].split() == ["USER", "ID", "NICK", "VERIFIED", "ENABLED", "CREATED"]
    assert accounts[2].split()[:4] == [user_id, "表格", "no", "yes"] and len(accounts) == 3
