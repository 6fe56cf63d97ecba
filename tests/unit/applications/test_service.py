from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from fapiao.applications import service as applications
from fapiao.applications.commands import FileApplication
from fapiao.domain.applications import ApplicationStatus, ExInfo, Medium
from fapiao.domain.errors import Conflict, IllegalTransition, MissingValue, NotFound, ValidationFailed
from fapiao.items import service as items
from fapiao.providers import service as providers
from fapiao.runtime import Runtime
from fapiao.store.tables import OutboxEvent, TmcMessage
from fapiao.usecases.actor import OPERATOR, Actor, ActorKind
from tests import factories

PROVIDER = Actor(ActorKind.SYSTEM, "provider")


def test_filing_reserves_amounts_routes_and_announces(runtime: Runtime) -> None:
    app = factories.provider_app(runtime)
    who = factories.customer(runtime)
    title = factories.approved_title(runtime, who)
    a = factories.item(runtime, who, original_fen=100_00)
    b = factories.item(runtime, who, original_fen=300_00)
    filed = applications.file_application(
        runtime, OPERATOR, who.user_id, FileApplication(title.id, (a.id, b.id), amount_fen=250_00)
    )
    assert filed.status is ApplicationStatus.PENDING and filed.app_key == app.app.app_key
    assert filed.apply_id == str(filed.id) and filed.medium is Medium.ELECTRONIC
    assert filed.company_name == title.data.invoice_title and filed.payee_register_no == title.data.register_no
    assert items.get_item(runtime, OPERATOR, a.id).reserved_fen == 100_00
    assert items.get_item(runtime, OPERATOR, b.id).can_invoice_fen == 150_00
    with pytest.raises(ValidationFailed) as over:
        applications.file_application(runtime, OPERATOR, who.user_id, FileApplication(title.id, (b.id,), 150_01))
    assert over.value.field == "amount_fen"
    with runtime.db.transaction() as session:
        event = session.scalars(select(OutboxEvent).where(OutboxEvent.type == "application.filed")).one()
        message = session.scalars(select(TmcMessage)).one()
    assert event.payload["application"]["apply_id"] == filed.apply_id
    assert message.topic == "alibaba_invoice_InvoiceApply" and message.pub_app_key == app.app.app_key
    assert json.loads(message.content) == {
        "apply_id": filed.apply_id,
        "company_name": filed.company_name,
        "payee_register_no": filed.payee_register_no,
    }


def test_status_machine_and_settlement(runtime: Runtime) -> None:
    app = factories.provider_app(runtime)
    who = factories.customer(runtime)
    address = factories.address(runtime, who)
    filed = factories.filed_application(runtime, who, address_id=address.id)
    assert filed.medium is Medium.PAPER and filed.receiver_address == "浙江省杭州市余杭区文一西路969号"

    def move(status: ApplicationStatus, **info: str) -> applications.ApplicationView:
        return applications.update_status(runtime, PROVIDER, app.app.id, filed.apply_id, status, ExInfo(**info))

    with pytest.raises(IllegalTransition):
        move(ApplicationStatus.SENT, logistics_company="顺丰", logistics_no="SF1")
    move(ApplicationStatus.INVOICING, message="同意开票")
    assert move(ApplicationStatus.INVOICING).status is ApplicationStatus.INVOICING  # a retry changes nothing
    with pytest.raises(IllegalTransition):
        move(ApplicationStatus.COMPLETED, invoice_no="1")  # paper must be sent first
    with pytest.raises(MissingValue):
        move(ApplicationStatus.SENT, logistics_company="顺丰")
    sent = move(ApplicationStatus.SENT, logistics_company="顺丰", logistics_no="SF100", contact_name="李四")
    assert (sent.sender_logistics_company, sent.sender_logistics_no, sent.sender_name) == ("顺丰", "SF100", "李四")
    done = move(ApplicationStatus.COMPLETED, invoice_code="033001900111", invoice_no="12345678")
    assert done.invoice_no == "12345678"
    assert [h.to_status for h in done.history] == [
        ApplicationStatus.PENDING,
        ApplicationStatus.INVOICING,
        ApplicationStatus.SENT,
        ApplicationStatus.COMPLETED,
    ]
    line_item = items.get_item(runtime, OPERATOR, done.lines[0].item_id or 0)
    assert (line_item.reserved_fen, line_item.invoiced_fen) == (0, 250_00)
    customer_view = applications.get_for_customer(
        runtime, Actor(ActorKind.ACCOUNT, "c", who.account_id), filed.apply_id
    )
    assert customer_view.status is ApplicationStatus.COMPLETED


def test_rejection_needs_a_reason_and_releases_the_reservation(runtime: Runtime) -> None:
    app = factories.provider_app(runtime)
    who = factories.customer(runtime)
    filed = factories.filed_application(runtime, who)
    with pytest.raises(MissingValue):
        applications.update_status(runtime, PROVIDER, app.app.id, filed.apply_id, ApplicationStatus.REJECTED, ExInfo())
    applications.update_status(
        runtime, PROVIDER, app.app.id, filed.apply_id, ApplicationStatus.REJECTED, ExInfo(message="抬头与税号不符")
    )
    assert items.get_item(runtime, OPERATOR, filed.lines[0].item_id or 0).can_invoice_fen == 250_00


def test_providers_see_only_what_is_routed_to_them(runtime: Runtime) -> None:
    default = factories.provider_app(runtime)
    other = factories.provider_app(runtime, "另一家", default=False)
    alice, bob = factories.customer(runtime), factories.customer(runtime)
    providers.route(runtime, OPERATOR, bob.user_id, other.app.app_key)
    to_default = factories.filed_application(runtime, alice)
    to_other = factories.filed_application(runtime, bob)
    assert to_other.app_key == other.app.app_key
    with pytest.raises(NotFound):
        applications.get_for_provider(runtime, other.app.id, to_default.apply_id)
    assert applications.get_for_provider(runtime, default.app.id, to_default.apply_id).user_id == alice.user_id


def test_client_token_makes_filing_idempotent(runtime: Runtime) -> None:
    factories.provider_app(runtime)
    who = factories.customer(runtime)
    title = factories.approved_title(runtime, who)
    billed = factories.item(runtime, who, original_fen=500_00)
    request = FileApplication(title.id, (billed.id,), amount_fen=100_00, client_token="tok-1")
    first = applications.file_application(runtime, OPERATOR, who.user_id, request)
    again = applications.file_application(runtime, OPERATOR, who.user_id, request)
    assert again.apply_id == first.apply_id
    assert items.get_item(runtime, OPERATOR, billed.id).reserved_fen == 100_00
    with pytest.raises(Conflict):
        applications.file_application(
            runtime,
            OPERATOR,
            who.user_id,
            FileApplication(title.id, (billed.id,), amount_fen=200_00, client_token="tok-1"),
        )


def test_filing_without_a_provider_or_approved_title_changes_nothing(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    title = factories.approved_title(runtime, who)
    billed = factories.item(runtime, who)
    with pytest.raises(Conflict):
        applications.file_application(runtime, OPERATOR, who.user_id, FileApplication(title.id, (billed.id,)))
    assert items.get_item(runtime, OPERATOR, billed.id).reserved_fen == 0
    factories.provider_app(runtime)
    from fapiao.titles import service as titles

    pending = titles.create_title(runtime, OPERATOR, who.user_id, factories.title_data())
    with pytest.raises(ValidationFailed):
        applications.file_application(runtime, OPERATOR, who.user_id, FileApplication(pending.id, (billed.id,)))
