"""Parallel ``invoiceapply.update`` requests on one application never lose an update: the row lock
serialises them, the status machine refuses what no longer applies, and the history stays a chain."""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from fapiao.applications import service as applications
from fapiao.domain.applications import ApplicationStatus
from fapiao.store.tables import Application, OutboxEvent
from fapiao.usecases.actor import OPERATOR

from .conftest import Stack
from .support import UPDATE, call_json, new_app, new_application, new_merchant, signed

pytestmark = pytest.mark.slow
WORKERS = 8


def test_parallel_updates_of_one_application(stack: Stack) -> None:
    app = new_app(stack.runtime)
    filed = new_application(stack.runtime, new_merchant(stack.runtime, app))
    start = threading.Barrier(WORKERS)
    before = version_of(stack, filed.apply_id)

    def provider(n: int) -> list[int | str]:
        """Each worker drives the whole path with its own tracking and invoice numbers."""
        start.wait()
        steps = [
            ("2", '{"message": "同意开票"}'),
            ("4", f'{{"logistics_company": "顺丰", "logistics_no": "SF{n}"}}'),
            ("0", f'{{"invoice_code": "0330", "invoice_no": "{n}"}}'),
        ]
        outcomes: list[int | str] = []
        for status, ex_info in steps:
            body = call_json(stack.url, signed(app, UPDATE, apply_id=filed.apply_id, status=status, ex_info=ex_info))
            error = body.get("error_response")
            outcomes.append(error["sub_code"] if error else 0)
        return outcomes

    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(provider, range(WORKERS)))

    # Nothing but success or a refusal of a transition that no longer applies; never a server fault.
    assert {o for r in results for o in r} <= {0, "isv.illegal-status-transition"}
    view = applications.get_for_customer(stack.runtime, OPERATOR, filed.apply_id)
    chain = [(h.from_status, h.to_status) for h in view.history]
    # A chain: each entry starts where the one before ended. Besides the three transitions, it holds the
    # same-status updates that corrected details (each worker sends its own numbers, and a repeated status
    # with changed details is applied).
    assert all(earlier[1] == later[0] for earlier, later in itertools.pairwise(chain))
    assert [step for step in chain if step[0] != step[1]] == [
        (None, ApplicationStatus.PENDING),
        (ApplicationStatus.PENDING, ApplicationStatus.INVOICING),
        (ApplicationStatus.INVOICING, ApplicationStatus.SENT),
        (ApplicationStatus.SENT, ApplicationStatus.COMPLETED),
    ]
    last_sent = [h.details for h in view.history if h.to_status is ApplicationStatus.SENT][-1]
    last_completed = [h.details for h in view.history if h.to_status is ApplicationStatus.COMPLETED][-1]
    # The row holds exactly what the last recorded update of each kind wrote: no write was lost or overwritten.
    assert view.sender_logistics_no == last_sent["logistics_no"]
    assert view.invoice_no == last_completed["invoice_no"]
    changes = len(chain) - 1
    with stack.runtime.db.transaction() as session:
        events = session.scalar(
            select(func.count()).where(
                OutboxEvent.type == "application.status_changed",
                OutboxEvent.payload["application"]["apply_id"].as_string() == filed.apply_id,
            )
        )
    # Every recorded change committed once and announced once.
    assert version_of(stack, filed.apply_id) == before + changes and events == changes


def version_of(stack: Stack, apply_id: str) -> int:
    with stack.runtime.db.transaction() as session:
        version = session.scalar(select(Application.version).where(Application.apply_id == apply_id))
    assert version is not None
    return version
