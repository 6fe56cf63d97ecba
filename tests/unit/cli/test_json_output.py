"""``--json`` is a contract for scripts: every command's output is pinned byte for byte.

The golden file was written by the CLI before its text mode became tables (issue 14 item 8); the human
output may change freely, the JSON may not. Values that differ on every run (times, secrets, generated keys)
are replaced by placeholders before comparing; everything else — key order, indentation, non-ASCII text,
the trailing newline — must match exactly.
"""

from __future__ import annotations

import importlib
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from fapiao.cli.base import LAZY_COMMANDS, cli

for _module, _summary in LAZY_COMMANDS.values():
    importlib.import_module(_module)  # registers every subcommand, so none can go unchecked

GOLDEN = Path(__file__).with_name("json_output.golden")

# JSON names whose string values are generated per run.
_VOLATILE = frozenset(
    {"access_key_id", "access_key_secret", "key_id", "app_key", "app_secret", "secret", "session", "apply_id"}
    | {"worker", "event_id"}
)
_TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
_LATENCY = re.compile(r'"latency_ms": \d+')


class _Ok(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def _json_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= _json_commands(command, (*prefix, name))
        elif any(p.name == "as_json" for p in command.params):
            found.add((*prefix, name))
    return found


class _Session:
    def __init__(self, tmp_path: Path, receiver: str) -> None:
        self.tmp_path = tmp_path
        self.env = {
            "FAPIAO_DATA_DIR": str(tmp_path / "data"),
            "FAPIAO_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'fapiao.sqlite3'}",
            "FAPIAO_WEBHOOK_ALLOW_PRIVATE": "1",
        }
        self.receiver = receiver
        self.transcript: list[str] = []
        self.ran: set[tuple[str, ...]] = set()
        self.volatile: dict[str, str] = {}

    def run(self, *args: str, fails: bool = False) -> Any:
        result = CliRunner().invoke(cli, [*args, "--json"], env=self.env, catch_exceptions=False)
        assert result.exit_code == (1 if fails else 0), result.output
        path = tuple(a for a in args if not a.startswith("-"))[: 2 if args[0] not in ("demo", "worker") else 1]
        self.ran.add(path)
        data = json.loads(result.stdout)
        self._collect(data)
        self.transcript.append(f"$ fapiao {' '.join(args)} --json\n{result.stdout}")
        return data

    def _collect(self, data: Any, name: str = "") -> None:
        if isinstance(data, dict):
            for key, value in data.items():
                self._collect(value, key)
        elif isinstance(data, list):
            for value in data:
                self._collect(value, name)
        elif name in _VOLATILE and isinstance(data, str) and len(data) >= 8 and data not in self.volatile:
            self.volatile[data] = f"<{name}#{len(self.volatile)}>"

    def normalized(self) -> str:
        text = "".join(self.transcript)
        for value, placeholder in sorted(self.volatile.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(value, placeholder)
        text = text.replace(self.receiver, "<receiver>").replace(str(self.tmp_path), "<tmp>")
        return _LATENCY.sub('"latency_ms": <ms>', _TIME.sub("<time>", text))


def _scenario(s: _Session, tmp_path: Path) -> None:
    s.run("db", "upgrade")
    s.run("demo")
    user = str(s.run("accounts", "create", "--nick", "acme", "--user-id", "1234567", "--real-name-verified")["user_id"])
    s.run("accounts", "list")
    s.run("accounts", "show", user)
    key = s.run("keys", "create", "--account", user)["access_key_id"]
    s.run("keys", "disable", key)
    s.run("keys", "enable", key)
    s.run("keys", "list", "--account", user)
    s.run("ram", "create-user", "--account", user, "--name", "bot", "--display-name", "机器人")
    policy = '{"Version":"1","Statement":[{"Effect":"Allow","Action":"bss:Query*","Resource":"*"}]}'
    s.run("ram", "attach-policy", "--account", user, "--user", "bot", "--name", "read", "--document", policy)
    s.run("ram", "list-users", "--account", user)
    s.run("ram", "detach-policy", "--account", user, "--user", "bot", "--name", "read")
    scan = tmp_path / "licence.jpg"
    scan.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 16)
    s.run("documents", "upload", "--account", user, "--kind", "taxation_license", str(scan))
    hook = s.run("webhooks", "create", "--account", user, "--url", s.receiver, "--events", "title.reviewed")
    endpoint = str(hook["id"])
    s.run("webhooks", "update", endpoint, "--enable")
    s.run("webhooks", "show", endpoint)
    s.run("webhooks", "list")
    title = s.run(
        "titles", "create", "--account", user, "--title", "示例科技有限公司", "--register-no",
        "91350100M000100Y43", "--taxation-license", "licence.jpg", "--start-cycle", "202401",
    )  # fmt: skip
    title_id = str(title["id"])
    s.run("titles", "reject", title_id, "--reason", "扫描件不清晰")
    s.run("titles", "update", title_id, "--bank", "招商银行")
    s.run("titles", "approve", title_id)
    s.run("titles", "submit-change", title_id, "--phone", "0571-85022088")
    s.run("titles", "withdraw", title_id)
    s.run("titles", "show", title_id)
    s.run("titles", "list")
    s.run("titles", "create", "--account", user, "--title", "x", "--start-cycle", "202413", fails=True)
    address = s.run(
        "addresses", "create", "--account", user, "--addressee", "李四", "--phone", "18600000000",
        "--province", "浙江省", "--city", "杭州市", "--street", "文一西路969号",
    )["id"]  # fmt: skip
    s.run("addresses", "update", str(address), "--county", "余杭区")
    s.run("addresses", "show", str(address))
    s.run("addresses", "list", "--account", user)
    item = s.run(
        "items", "create", "--account", user, "--name", "云服务器", "--amount", "250.00", "--bill-cycle", "2026-10",
        "--offset", "50.5", "--biz-time", "2026-10-31",
    )["id"]  # fmt: skip
    s.run("items", "show", str(item))
    s.run("items", "list", "--account", user)
    app = s.run("providers", "create", "--name", "某税控服务商")["app_key"]
    s.run("providers", "list")
    s.run("providers", "set-default", app)
    s.run("providers", "authorize", "--app", app, "--account", user)
    s.run("providers", "route", "--account", user, "--app", app)
    apply = s.run(
        "applications", "file", "--account", user, "--title", title_id, "--item", str(item), "--amount", "100.00",
        "--address", str(address), "--remark", "请尽快",
    )["apply_id"]  # fmt: skip
    s.run("applications", "update-status", apply, "--status", "invoicing")
    s.run("applications", "show", apply)
    s.run("applications", "list", "--account", user)
    s.run("audit", "list", "--account", user, "--page-size", "3")
    s.run("worker", "--once")
    delivery = s.run("webhooks", "deliveries", endpoint)["items"][0]["id"]
    s.run("webhooks", "redeliver", str(delivery))
    s.run("webhooks", "rotate-secret", endpoint, "--overlap-hours", "0")
    s.run("webhooks", "delete", endpoint)
    s.run("titles", "invalidate", title_id, "--reason", "停业")
    s.run("addresses", "delete", str(address))


def test_every_json_output_is_as_pinned(tmp_path: Path, receiver: str) -> None:
    session = _Session(tmp_path, receiver)
    _scenario(session, tmp_path)
    assert session.ran >= _json_commands(cli), "a command with --json is missing from the scenario"
    if not GOLDEN.exists():  # pragma: no cover - written once, by the CLI as it was, then kept
        GOLDEN.write_text(session.normalized(), encoding="utf-8")
    assert session.normalized() == GOLDEN.read_text(encoding="utf-8")
