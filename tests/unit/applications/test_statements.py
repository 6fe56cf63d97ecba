"""Statement budgets of the hot paths on both stores: filing, a provider's get and a status update are
benchmarked, so a statement more on any of them is a regression this test names."""

from __future__ import annotations

from fapiao.applications import service as applications
from fapiao.applications.commands import FileApplication, GetApplication, UpdateApplicationStatus
from fapiao.domain.applications import ApplicationStatus, ExInfo
from fapiao.runtime import Runtime
from fapiao.usecases.actor import OPERATOR, Actor, ActorKind
from tests import factories
from tests.support.statements import statements_matching

ANY = r"^\s*(SELECT|INSERT|UPDATE|DELETE)"


def test_hot_path_statement_budgets(runtime: Runtime) -> None:
    app = factories.provider_app(runtime)
    provider = Actor(ActorKind.PROVIDER, app.app.app_key)
    who = factories.customer(runtime)
    title = factories.approved_title(runtime, who)
    a = factories.item(runtime, who, original_fen=100_00)
    b = factories.item(runtime, who, original_fen=300_00)
    request = FileApplication(title.id, (a.id, b.id), amount_fen=250_00)
    with statements_matching(runtime.db.engine, ANY) as filing:
        filed = applications.file_application(runtime, OPERATOR, who.user_id, request)
    # account, title, items, routed app, application, lines, reservations, history, outbox, TMC, audit
    assert len(filing) == 11, filing
    assert not any(s.lstrip().startswith("UPDATE applications") for s in filing)

    with statements_matching(runtime.db.engine, ANY) as get:
        applications.get_for_provider(runtime, provider, app.app.id, GetApplication(filed.apply_id))
    assert len(get) == 2, get  # the application with its owner and app; its lines with their items' types

    move = UpdateApplicationStatus(filed.apply_id, ApplicationStatus.INVOICING)
    with statements_matching(runtime.db.engine, ANY) as update:
        applications.update_status(runtime, provider, move, app_id=app.app.id)
    assert len(update) == 7, update  # row, update, lines, history entry, history, outbox, audit

    reject = UpdateApplicationStatus(filed.apply_id, ApplicationStatus.REJECTED, ExInfo(message="x"))
    with statements_matching(runtime.db.engine, ANY) as rejection:
        applications.update_status(runtime, provider, reject, app_id=app.app.id)
    assert len(rejection) == 10, rejection  # + lock the items, release them, clear the lines

    with statements_matching(runtime.db.engine, ANY) as retry:
        applications.update_status(runtime, provider, reject, app_id=app.app.id)
    assert len(retry) == 3, retry  # a repeated status changes nothing: the row, its lines and history
