"""Every setting is read by the code and documented for operators: no dead knobs, no hidden ones."""

from __future__ import annotations

import json
import re

import pytest

from fapiao.settings import Settings
from tests.support.paths import REPOSITORY

SOURCES = list((REPOSITORY / "src" / "fapiao").rglob("*.py"))
DOCUMENTS = [REPOSITORY / "README.md", REPOSITORY / "docs" / "operations.md"]


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_read_somewhere(name: str) -> None:
    read = re.compile(rf"\.{name}\b")
    assert any(read.search(path.read_text(encoding="utf-8")) for path in SOURCES), f"nothing reads {name}"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    variable = f"`FAPIAO_{name.upper()}`"
    assert any(variable in path.read_text(encoding="utf-8") for path in DOCUMENTS), f"{variable} is undocumented"


# Variables that are not server settings: the test suite's own, and the CLI's FAPIAO_DEBUG, read before the
# settings (which may be what fails).
NOT_SETTINGS = frozenset(
    {
        "FAPIAO_DEBUG",
        "FAPIAO_TEST_DATABASE_URL",
        "FAPIAO_TEST_REDIS_URL",
        "FAPIAO_FUZZ_EXAMPLES",
        "FAPIAO_FUZZ_SCALE",
        "FAPIAO_FUZZ_STATS",
    }
)


def test_every_variable_the_documents_and_code_name_is_a_setting() -> None:
    """A documented ``FAPIAO_*`` that nothing reads (``FAPIAO_SIGNATURE_SKEW_SECONDS`` once) must not exist."""
    texts = [path.read_text(encoding="utf-8") for path in [*DOCUMENTS, *(REPOSITORY / "docs").glob("*.md"), *SOURCES]]
    named = {name for text in texts for name in re.findall(r"\bFAPIAO_[A-Z0-9_]+\b", text)} - NOT_SETTINGS
    settings = {f"FAPIAO_{field.upper()}" for field in Settings.model_fields}
    assert named and named <= settings, sorted(named - settings)


def test_rate_limits_are_read_as_json_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    limits = {"ApplyInvoice": "10/second", "rest:POST /api/v1/applications": "5/second"}
    monkeypatch.setenv("FAPIAO_RATE_LIMITS", json.dumps(limits))
    assert Settings().rate_limits == limits


@pytest.mark.parametrize("name", ["rest:POST", "rest:post /api/v1/applications", "rest:GET api/v1/titles"])
def test_a_malformed_rest_action_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="a REST action is 'rest:<METHOD> <path>'"):
        Settings(rate_limits={name: "1/second"})


@pytest.mark.parametrize("url", ["memcached://127.0.0.1:11211", "mongodb://x", "127.0.0.1:6379"])
def test_the_rate_limit_storage_is_memory_or_redis(url: str) -> None:
    with pytest.raises(ValueError, match="memory:// or a Redis URL"):
        Settings(rate_limit_storage=url)
