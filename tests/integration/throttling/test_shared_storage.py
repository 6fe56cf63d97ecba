"""Two server processes sharing their counters in Redis: a budget spent on one is spent on both, as it is across
the workers and hosts of a deployment."""

from __future__ import annotations

import os

import httpx
import pytest

from tests import factories

from .conftest import Served

REDIS_URL = os.environ.get("FAPIAO_TEST_REDIS_URL")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not REDIS_URL, reason="Redis tests need FAPIAO_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0; .ci/run sets it)"
    ),
]
server_env = {
    "FAPIAO_PROFILE": "production",  # throttling on by the profile, not by the explicit switch
    "FAPIAO_RATE_LIMIT_STORAGE": REDIS_URL or "",
    "FAPIAO_RATE_LIMIT_DEFAULT": "3/hour",
    "FAPIAO_RATE_LIMIT_FAILURES": "3/hour",
}


def test_the_second_process_refuses_once_the_first_spent_the_budget(served: Served) -> None:
    other = served.another_server()
    other.start()
    try:
        who = factories.customer(served.runtime)
        for _ in range(3):
            assert httpx.get(f"{served.url}/api/v1/account", auth=who.basic).status_code == 200

        refused = httpx.get(f"{other.url}/api/v1/account", auth=who.basic)

        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 3600
        fresh = factories.customer(served.runtime)  # the second process serves everyone else
        assert httpx.get(f"{other.url}/api/v1/account", auth=fresh.basic).status_code == 200
    finally:
        other.stop()


def test_failures_on_one_process_count_on_the_other(served: Served, address: str) -> None:
    other = served.another_server()
    other.start()
    try:
        who = factories.customer(served.runtime)
        headers = {"x-forwarded-for": address}
        for _ in range(3):
            wrong = httpx.get(f"{served.url}/api/v1/account", auth=(who.key_id, "wrong"), headers=headers)
            assert wrong.status_code == 401

        # The budget is spent: the other process's first failure from the address exceeds it, and from then on
        # the other process refuses the address before looking at its credentials.
        assert httpx.get(f"{other.url}/api/v1/account", auth=(who.key_id, "wrong"), headers=headers).status_code == 401
        refused = httpx.get(f"{other.url}/api/v1/account", auth=who.basic, headers=headers)
        assert refused.status_code == 429
    finally:
        other.stop()
