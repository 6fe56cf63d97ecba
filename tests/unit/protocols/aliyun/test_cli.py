"""The CLI side of the gateway: the demo's RAM key and the generated reference page."""

from __future__ import annotations

import pytest

from fapiao.protocols.aliyun import reference
from tests.support.cli import Cli

pytestmark = pytest.mark.slow


def test_demo_prints_a_stable_ram_key_beside_the_root_key(cli: Cli) -> None:
    first = cli.json("demo")["aliyun"]
    again = cli.json("demo")["aliyun"]
    assert first["ram"] == again["ram"]
    assert first["ram"]["access_key_id"] == "LTAI5tFapiaoDemoRamKey01"
    assert len(first["ram"]["access_key_secret"]) >= 20
    assert first["ram"]["access_key_secret"] != first["access_key_secret"]
    keys = cli.json("keys", "list", "--account", str(first["user_id"]))
    listed = {k["key_id"]: k["ram_user"] for k in keys}
    assert listed[first["ram"]["access_key_id"]] == "invoice-reader"


def test_docs_command_prints_the_generated_page(cli: Cli) -> None:
    done = cli.run("docs", "aliyun", "--output", "-")
    assert done.returncode == 0, done.stderr
    assert done.stdout == reference.render()
