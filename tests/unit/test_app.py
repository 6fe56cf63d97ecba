"""The server's start-up checks of its throttling settings (``app.check_throttle``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

from fapiao.app import check_throttle
from fapiao.protocols.rest.app import create_rest_app
from fapiao.runtime import Runtime, build_runtime
from fapiao.settings import Profile, Settings
from tests.support.paths import REPOSITORY


@pytest.fixture
def production(tmp_path: Path) -> Iterator[Any]:
    runtimes: list[Runtime] = []

    def build(**settings: Any) -> Runtime:
        runtimes.append(build_runtime(Settings(data_dir=tmp_path, profile=Profile.PRODUCTION, **settings)))
        return runtimes[-1]

    yield build
    for runtime in runtimes:
        runtime.close()


def test_every_named_action_of_both_wire_catalogs_is_accepted(production: Any) -> None:
    limits = {"ApplyInvoice": "10/second", "alibaba.einvoice.invoiceapply.get": "50/second", "rest:GET /x": "1/second"}
    check_throttle(production(rate_limits=limits))


def test_a_misspelt_action_stops_the_start(production: Any) -> None:
    with pytest.raises(ValueError, match="FAPIAO_RATE_LIMITS names no such action: ApplyInvoices"):
        check_throttle(production(rate_limits={"ApplyInvoices": "10/second"}))


def test_a_bad_rate_stops_the_start(production: Any) -> None:
    with pytest.raises(ValueError, match="FAPIAO_RATE_LIMIT_DEFAULT"):
        check_throttle(production(rate_limit_default="lots"))


def test_nothing_is_checked_with_throttling_off(production: Any) -> None:
    check_throttle(production(rate_limiting=False, rate_limit_default="lots", rate_limits={"Nope": "1/second"}))


def test_a_rest_name_matching_no_route_is_logged_when_the_rest_app_is_built(production: Any) -> None:
    runtime = production(rate_limits={"rest:GET /api/v1/nope": "1/second", "rest:GET /api/v1/titles": "1/second"})
    with structlog.testing.capture_logs() as logs:
        create_rest_app(runtime)
    assert [entry["name"] for entry in logs if entry["event"] == "throttle.unknown_route"] == ["rest:GET /api/v1/nope"]


def test_the_documented_example_is_valid_and_names_real_routes(production: Any) -> None:
    text = (REPOSITORY / "docs" / "operations.md").read_text(encoding="utf-8")
    default = re.search(r'FAPIAO_RATE_LIMIT_DEFAULT="([^"]+)"', text)
    limits = re.search(r"FAPIAO_RATE_LIMITS='([^']+)'", text)
    assert default is not None and limits is not None
    runtime = production(rate_limit_default=default[1], rate_limits=json.loads(limits[1]))
    check_throttle(runtime)
    with structlog.testing.capture_logs() as logs:
        create_rest_app(runtime)
    assert [entry for entry in logs if entry["event"] == "throttle.unknown_route"] == []
