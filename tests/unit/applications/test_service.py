from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from fapiao.applications import service as applications
from fapiao.applications.commands import (
    FileApplication,
    GetApplication,
    ImportApplication,
    ImportedLine,
    UpdateApplicationStatus,
)
from fapiao.domain.applications import ApplicationStatus, ExInfo, ItemType, Medium
from fapiao.domain.errors import (
    Conflict,
    IllegalTransition,
    MissingValue,
    NotFound,
    PermissionDenied,
    Reason,
    ValidationFailed,
)
from fapiao.domain.titles import InvoiceKind
from fapiao.items import service as items
from fapiao.providers import service as providers
from fapiao.runtime import Runtime
from fapiao.store.tables import OutboxEvent, TmcMessage, utcnow
from fapiao.usecases.actor import OPERATOR, SYSTEM, Actor, ActorKind
from fapiao.usecases.pagination import PageRequest
from tests import factories

PROVIDER = Actor(ActorKind.PROVIDER, "provider")


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
        command = UpdateApplicationStatus(filed.apply_id, status, ExInfo(**info))
        return applications.update_status(runtime, PROVIDER, command, app_id=app.app.id)

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
        applications.update_status(
            runtime, PROVIDER, UpdateApplicationStatus(filed.apply_id, ApplicationStatus.REJECTED), app_id=app.app.id
        )
    reject = UpdateApplicationStatus(filed.apply_id, ApplicationStatus.REJECTED, ExInfo(message="抬头与税号不符"))
    applications.update_status(runtime, PROVIDER, reject, app_id=app.app.id)
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
        applications.get_for_provider(runtime, PROVIDER, other.app.id, GetApplication(to_default.apply_id))
    seen = applications.get_for_provider(runtime, PROVIDER, default.app.id, GetApplication(to_default.apply_id))
    assert seen.user_id == alice.user_id


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


def test_a_client_token_older_than_its_reservation_still_answers_its_application(runtime: Runtime) -> None:
    factories.provider_app(runtime)
    who = factories.customer(runtime)
    title = factories.approved_title(runtime, who)
    billed = factories.item(runtime, who, original_fen=500_00)
    request = FileApplication(title.id, (billed.id,), amount_fen=100_00, client_token="tok-old")
    first = applications.file_application(runtime, OPERATOR, who.user_id, request)
    assert runtime.db.idempotency.purge(utcnow() + timedelta(days=1)) == 1  # the token's reservation is gone
    again = applications.file_application(runtime, OPERATOR, who.user_id, request)
    assert again.apply_id == first.apply_id
    assert items.get_item(runtime, OPERATOR, billed.id).reserved_fen == 100_00
    with pytest.raises(Conflict) as caught:
        applications.file_application(runtime, OPERATOR, who.user_id, dataclasses.replace(request, amount_fen=1))
    assert caught.value.reason is Reason.IDEMPOTENCY_MISMATCH


def test_a_refused_filing_leaves_its_client_token_free(runtime: Runtime) -> None:
    factories.provider_app(runtime)
    who = factories.customer(runtime)
    title = factories.approved_title(runtime, who)
    billed = factories.item(runtime, who, original_fen=100_00)
    too_much = FileApplication(title.id, (billed.id,), amount_fen=200_00, client_token="tok-fix")
    with pytest.raises(ValidationFailed):
        applications.file_application(runtime, OPERATOR, who.user_id, too_much)
    fixed = applications.file_application(runtime, OPERATOR, who.user_id, dataclasses.replace(too_much, amount_fen=1))
    assert fixed.amount_fen == 1


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


def test_lines_carry_the_business_type_of_their_items(runtime: Runtime) -> None:
    app = factories.provider_app(runtime)
    who = factories.customer(runtime)
    filed = factories.filed_application(runtime, who)
    billed = items.get_item(runtime, OPERATOR, filed.lines[0].item_id or 0)
    assert filed.lines[0].biz_type == billed.biz_type != ""
    read = applications.get_for_provider(runtime, PROVIDER, app.app.id, GetApplication(filed.apply_id))
    assert read.lines == filed.lines
    assert applications.get_for_customer(runtime, OPERATOR, filed.apply_id).lines == filed.lines


def test_an_operator_moves_an_application_for_its_app_in_one_call(runtime: Runtime) -> None:
    factories.provider_app(runtime)
    who = factories.customer(runtime)
    filed = factories.filed_application(runtime, who)
    command = UpdateApplicationStatus(filed.apply_id, ApplicationStatus.INVOICING, ExInfo(message="ok"))
    moved = applications.update_status(runtime, OPERATOR, command)
    assert moved.status is ApplicationStatus.INVOICING and moved.provider_message == "ok"
    assert [(h.actor, h.to_status) for h in moved.history][-1] == ("operator:cli", ApplicationStatus.INVOICING)
    assert applications.get_for_customer(runtime, OPERATOR, filed.apply_id) == moved


def test_customers_and_appless_providers_may_not_move_applications(runtime: Runtime) -> None:
    factories.provider_app(runtime)
    who = factories.customer(runtime)
    filed = factories.filed_application(runtime, who)
    command = UpdateApplicationStatus(filed.apply_id, ApplicationStatus.INVOICING)
    customer = Actor(ActorKind.ACCOUNT, "c", who.account_id)
    for actor, app_id in ((customer, None), (customer, 1), (PROVIDER, None)):
        with pytest.raises(PermissionDenied) as refused:
            applications.update_status(runtime, actor, command, app_id=app_id)
        assert refused.value.reason is Reason.FORBIDDEN
    with pytest.raises(PermissionDenied):
        applications.get_for_provider(runtime, customer, 1, GetApplication(filed.apply_id))
    with pytest.raises(ValidationFailed) as too_long:
        applications.update_status(runtime, OPERATOR, UpdateApplicationStatus("9" * 65, ApplicationStatus.INVOICING))
    assert too_long.value.field == "apply_id"


def test_a_disabled_app_is_not_acted_for(runtime: Runtime) -> None:
    app = factories.provider_app(runtime)
    who = factories.customer(runtime)
    filed = factories.filed_application(runtime, who)
    from fapiao.store.tables import ProviderApp

    with runtime.db.transaction() as session:
        session.get_one(ProviderApp, app.app.id).enabled = False
    with pytest.raises(Conflict) as refused:
        applications.update_status(
            runtime, OPERATOR, UpdateApplicationStatus(filed.apply_id, ApplicationStatus.INVOICING)
        )
    assert refused.value.field == "app_key"


def test_lists_are_newest_first_filtered_and_paged(runtime: Runtime) -> None:
    app = factories.provider_app(runtime)
    alice, bob = factories.customer(runtime), factories.customer(runtime)
    first = factories.filed_application(runtime, alice)
    second = factories.filed_application(runtime, alice)
    theirs = factories.filed_application(runtime, bob)
    command = UpdateApplicationStatus(first.apply_id, ApplicationStatus.INVOICING)
    applications.update_status(runtime, PROVIDER, command, app_id=app.app.id)
    everything = applications.list_applications(runtime, OPERATOR, PageRequest())
    assert [v.apply_id for v in everything.items] == [theirs.apply_id, second.apply_id, first.apply_id]
    assert everything.total == 3 and everything.items[2].lines == first.lines
    assert len(everything.items[2].history) == 2
    alices = applications.list_applications(runtime, OPERATOR, PageRequest(), user_id=alice.user_id)
    assert [v.apply_id for v in alices.items] == [second.apply_id, first.apply_id]
    pending = applications.list_applications(runtime, OPERATOR, PageRequest(), status=ApplicationStatus.PENDING)
    assert [v.apply_id for v in pending.items] == [theirs.apply_id, second.apply_id]
    paged = applications.list_applications(runtime, OPERATOR, PageRequest(1, 2))
    assert (len(paged.items), paged.total) == (2, 3)
    as_bob = Actor(ActorKind.ACCOUNT, "b", bob.account_id)
    assert [v.apply_id for v in applications.list_applications(runtime, as_bob, PageRequest()).items] == [
        theirs.apply_id
    ]


def test_imported_applications_keep_their_apply_id(runtime: Runtime) -> None:
    app = factories.provider_app(runtime)
    who = factories.customer(runtime)
    record = ImportApplication(
        user_id=who.user_id,
        apply_id="123456ABC",
        amount_fen=250_00,
        company_name="阿里巴巴",
        payee_register_no="91009182039X",
        bank="招商银行",
        bank_account="6226",
        receiver_name="张三",
        receiver_phone="18588888888",
        receiver_address="杭州",
        invoice_kind=InvoiceKind.PLAIN,
        invoice_payee_register_no="87987203945ABC",
        invoice_address="杭州",
        invoice_phone="0756-8862222",
        lines=(ImportedLine("税控服务", ItemType.TAX_CONTROL_UNIT, 4500_00, "2016-11-11"),),
    )
    imported = applications.import_application(runtime, SYSTEM, record)
    assert (imported.apply_id, imported.app_key, imported.status) == ("123456ABC", app.app.app_key, "pending")
    assert imported.lines[0].item_id is None and imported.lines[0].biz_type == ""
    with pytest.raises(Conflict):
        applications.import_application(runtime, SYSTEM, record)
    with pytest.raises(PermissionDenied):
        applications.import_application(runtime, Actor(ActorKind.ACCOUNT, "c", who.account_id), record)
    filed = factories.filed_application(runtime, who)
    assert filed.apply_id == str(filed.id)  # numeric ids continue past an imported record
