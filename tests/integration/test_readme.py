"""The README's examples, run as written against a real ``fapiao serve --demo`` on a fresh data directory.

Every ``sh`` and ``python`` block of README.md runs, in document order, unless an HTML comment
``<!-- readme-test: skip — why -->`` stands right before it. Shell blocks run command by command in bash with the
virtualenv's ``fapiao`` and ``python`` first on ``PATH``; python blocks run in a subprocess. The only changes made
to a block before it runs are the ones the README itself explains: the port ``8080`` becomes the test server's,
and each word in capitals (``SECRET``, ``USER_ID``, ``APPLY_ID``, …) becomes the value an earlier output printed
(the demo document, or a ``--json`` command whose output the README names, see ``CAPTURES``). Each command must
exit 0, and a ``# → text`` comment (what the README shows the command printing) must appear in its output.
Layout-free on purpose: other text than a ``# →`` comment is not compared, so the CLI's text tables may change.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fapiao.domain.applications import ApplicationStatus, ExInfo, Medium, check_transition
from fapiao.domain.errors import IllegalTransition
from fapiao.settings import Settings
from tests.support.paths import REPOSITORY, python_path
from tests.support.server import ServerProcess

# ~30 CLI processes in one module fixture: minutes on a loaded 2-core machine, beyond the default 120 s
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

README = REPOSITORY / "README.md"
SKIP = re.compile(r"<!--\s*readme-test:\s*skip\b\s*[—:-]?\s*(?P<why>.*?)\s*-->")
FENCE = re.compile(r"^```(?P<info>\S*)\s*$")
RUNNABLE = frozenset({"sh", "python"})
SHOWN = re.compile(r"#\s*→\s*(?P<text>.+?)\s*$", re.MULTILINE)
PLACEHOLDER = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|\b(?:SECRET|SESSION)\b")

# (command, subcommand) of a ``--json`` command → {placeholder: the field of its output that fills it}; the
# README's Admin CLI section says the same in words.
CAPTURES: dict[tuple[str, str], dict[str, str]] = {
    ("accounts", "create"): {"USER_ID": "user_id"},
    ("titles", "create"): {"TITLE_ID": "id"},
    ("addresses", "create"): {"ADDRESS_ID": "id"},
    ("items", "create"): {"ITEM_ID": "id"},
    ("providers", "create"): {"APP_KEY": "app_key"},
    ("applications", "file"): {"APPLY_ID": "apply_id"},
    ("webhooks", "create"): {"ENDPOINT_ID": "id"},
}
# Commands that serve until stopped: they must start and still be running after a moment.
LONG_RUNNING = frozenset({("fapiao", "worker")})
# Files the README's commands name, standing in for the reader's own (a JPEG's first bytes are all it checks).
FILES = {"scan.jpg": b"\xff\xd8\xff\xe0 scanned tax registration"}


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence, 1-based
    info: str
    text: str
    skip: str | None  # the reason given by a ``readme-test: skip`` comment right before the fence


def fenced_blocks(markdown: str) -> list[Block]:
    """The README's fenced blocks. Hand-written rather than a Markdown parser: README.md uses only plain
    ```` ``` ```` fences at the start of a line, and a line-exact parse is what the skip marker needs."""
    found: list[Block] = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        end = next(i for i in range(index + 1, len(lines)) if lines[i].rstrip() == "```")
        before = lines[index - 1] if index else ""
        marker = SKIP.search(before)
        text = "\n".join(lines[index + 1 : end]) + "\n"
        found.append(Block(index + 1, opening["info"], text, marker["why"] if marker else None))
        index = end + 1
    return found


BLOCKS = fenced_blocks(README.read_text(encoding="utf-8"))
COMMAND_BLOCKS = [block for block in BLOCKS if block.info in RUNNABLE]


def shell_commands(text: str) -> list[tuple[str, list[str]]]:
    """Each command of a shell block with its words: lines joined while a quote or a ``\\`` continues them."""
    commands: list[tuple[str, list[str]]] = []
    pending = ""
    for line in text.splitlines():
        pending += line + "\n"
        if line.endswith("\\"):  # shlex would read the escaped newline as a word of its own
            continue
        try:
            words = shlex.split(pending, comments=True)
        except ValueError:  # an open quote or a trailing backslash: the command goes on
            continue
        if words:
            commands.append((pending, words))
        pending = ""
    assert not pending.strip(), f"unterminated command: {pending}"
    return commands


@dataclass
class Outcome:
    ran: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


@dataclass
class Walk:
    """Runs the blocks in order; ``values`` grows with what each output prints."""

    server: ServerProcess
    cwd: Path
    values: dict[str, str]
    outcomes: dict[int, Outcome] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        venv_bin = Path(sys.executable).parent
        return {
            "PATH": os.pathsep.join([str(venv_bin), "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": str(self.cwd),
            "LANG": "C.UTF-8",
            "TZ": "UTC",  # a host whose clock is not China's, as the taobaopy note says
            "PYTHONPATH": python_path(),
            "FAPIAO_DATA_DIR": str(self.server.settings.data_dir),
            "FAPIAO_DATABASE_URL": self.server.settings.resolved_database_url,
        }

    def substitute(self, text: str, code: str, quote: Any) -> tuple[str, list[str]]:
        """``text`` with the port and the known placeholders filled in, and the placeholders its ``code`` (the
        text without comments) uses that nothing has printed yet."""
        text = re.sub(r"\b8080\b", str(self.server.port), text)
        for name, value in self.values.items():
            text = re.sub(rf"\b{name}\b", quote(value), text)
        return text, [name for name in dict.fromkeys(PLACEHOLDER.findall(code)) if name not in self.values]

    def run(self, block: Block) -> Outcome:
        outcome = Outcome()
        if block.info == "python":
            self.python(block, outcome)
        else:
            for command, words in shell_commands(block.text):
                self.shell(command, words, outcome)
        self.outcomes[block.line] = outcome
        return outcome

    def python(self, block: Block, outcome: Outcome) -> None:
        code, unknown = self.substitute(block.text, re.sub(r"#.*", "", block.text), repr)
        if unknown:
            outcome.failures.append(f"python block uses {unknown}, which nothing earlier printed")
            return
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=self.cwd,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        outcome.ran.append(code)
        self.check("python block", block.text, done, outcome)

    def shell(self, command: str, words: list[str], outcome: Outcome) -> None:
        line, unknown = self.substitute(command, " ".join(words), shlex.quote)
        if unknown:
            outcome.failures.append(f"{command.strip()}: uses {unknown}, which nothing earlier printed")
            return
        outcome.ran.append(line)
        if tuple(words[:2]) in LONG_RUNNING:
            self.long_running(line, outcome)
            return
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", line],
            cwd=self.cwd,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if self.check(command.strip(), command, done, outcome) and words[0] == "fapiao" and "--json" in words:
            printed = json.loads(done.stdout)  # --json: exactly one JSON document
            for name, key in CAPTURES.get((words[1], words[2]), {}).items():
                self.values[name] = str(printed[key])

    def check(self, what: str, shown: str, done: subprocess.CompletedProcess[str], outcome: Outcome) -> bool:
        if done.returncode != 0:
            outcome.failures.append(f"{what}: exit {done.returncode}\n{done.stdout}\n{done.stderr}")
            return False
        for expected in SHOWN.findall(shown):
            if expected not in done.stdout:
                outcome.failures.append(f"{what}: the README shows {expected!r}, the output is\n{done.stdout}")
        return True

    def long_running(self, line: str, outcome: Outcome) -> None:
        process = subprocess.Popen(
            ["bash", "-c", f"exec {line}"],
            cwd=self.cwd,
            env=self.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        time.sleep(3)
        if process.poll() is not None:
            outcome.failures.append(f"{line.strip()}: exited with {process.returncode}\n{process.communicate()[0]}")
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            outcome.failures.append(f"{line.strip()}: did not stop on SIGTERM")


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """``make run``: ``fapiao serve --demo`` on a fresh SQLite data directory (the README's default store)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("readme") / "data", database_url=None)
    process = ServerProcess(settings, "--demo")
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def walk(demo_server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> Walk:
    """Every runnable block, run once in document order (later blocks use what earlier ones printed)."""
    cwd = tmp_path_factory.mktemp("reader")
    for name, content in FILES.items():
        (cwd / name).write_bytes(content)
    demo = demo_server.demo_document()
    values = {
        "SECRET": demo["aliyun"]["access_key_secret"],
        "APP_SECRET": demo["top"]["app_secret"],
        "SESSION": demo["top"]["session"],
    }
    walk = Walk(demo_server, cwd, values)
    for block in COMMAND_BLOCKS:
        if block.skip is None:
            walk.run(block)
    return walk


@pytest.mark.parametrize("block", COMMAND_BLOCKS, ids=[f"README.md:{b.line}" for b in COMMAND_BLOCKS])
def test_readme_command_block_works_as_written(walk: Walk, block: Block) -> None:
    if block.skip is not None:
        assert block.skip, f"README.md:{block.line}: a skipped block must say why"
        pytest.skip(f"README.md:{block.line}: {block.skip}")
    outcome = walk.outcomes[block.line]
    assert outcome.ran, f"README.md:{block.line}: nothing ran"
    assert not outcome.failures, f"README.md:{block.line}:\n" + "\n\n".join(outcome.failures)


def test_the_walkthrough_ends_with_a_completed_application(walk: Walk) -> None:
    """The Admin CLI walk files an application and takes it through the status machine to completed."""
    assert {"USER_ID", "TITLE_ID", "ITEM_ID", "APP_KEY", "APPLY_ID", "ENDPOINT_ID"} <= set(walk.values)
    done = subprocess.run(
        ["fapiao", "applications", "show", walk.values["APPLY_ID"], "--json"],
        env=walk.environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    shown = json.loads(done.stdout)
    assert shown["status"] == "completed"
    assert [(h["from_status"], h["to_status"]) for h in shown["history"]] == [
        (None, "pending"),
        ("pending", "invoicing"),
        ("invoicing", "sent"),
        ("sent", "completed"),
    ]


def test_the_demo_document_is_the_one_the_readme_shows(demo_server: ServerProcess) -> None:
    """``make run`` prints what the README's example shows: the same keys and values, the secrets (``…``)
    aside, and the endpoint with the port the server was started on."""
    [shown_block] = [block for block in BLOCKS if block.info == "json"]
    shown = json.loads(shown_block.text)
    printed = demo_server.demo_document()

    def same(shown: Any, printed: Any, path: str) -> None:
        if shown == "…":
            assert isinstance(printed, str) and printed, path
        elif isinstance(shown, dict):
            assert isinstance(printed, dict) and set(printed) == set(shown), path
            for key in shown:
                same(shown[key], printed[key], f"{path}.{key}")
        elif isinstance(shown, str):
            assert printed == shown.replace("8080", str(demo_server.port)), path
        else:
            assert printed == shown, path

    same(shown, printed, "document")


def allowed_transitions() -> dict[tuple[str, str], set[Medium]]:
    """Each status change the domain allows (with every detail given), and for which media."""
    everything = ExInfo("message", "SF1", "顺丰", "name", "phone", "code", "no")
    allowed: dict[tuple[str, str], set[Medium]] = {}
    for current in ApplicationStatus:
        for target in ApplicationStatus:
            for medium in Medium:
                try:
                    if check_transition(current, target, medium, everything):
                        allowed.setdefault((current.value, target.value), set()).add(medium)
                except IllegalTransition:
                    pass
    return allowed


def test_the_readme_status_diagram_is_the_domains_status_machine() -> None:
    """The Mermaid diagram a newcomer reads draws exactly the transitions ``check_transition`` allows."""
    [diagram] = [block for block in BLOCKS if block.info == "mermaid" and "stateDiagram" in block.text]
    edges = {
        (m["from"], m["to"]): m["label"] or ""
        for m in re.finditer(r"^\s*(?P<from>\w+)\s*-->\s*(?P<to>\w+)\s*(?::\s*(?P<label>.*))?$", diagram.text, re.M)
    }
    allowed = allowed_transitions()
    assert set(edges) == set(allowed)
    for edge, media in allowed.items():
        assert ("electronic only" in edges[edge]) == (media == {Medium.ELECTRONIC}), edge
