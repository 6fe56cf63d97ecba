from __future__ import annotations

import pytest

from fapiao.audit import service as audit
from fapiao.audit.commands import ListAuditEvents
from fapiao.documents import service as documents
from fapiao.documents.commands import DocumentKind, UploadDocument
from fapiao.domain.errors import IllegalTransition, MissingValue, NotFound, ValidationFailed
from fapiao.domain.titles import TITLE_LIMITS, AdjustType, TitleStatus
from fapiao.runtime import Runtime
from fapiao.settings import Profile
from fapiao.titles import service as titles
from fapiao.titles.commands import ChangeTitle, CreateTitle, Decision, ListTitles, ReviewTitle
from fapiao.usecases import spec
from fapiao.usecases.actor import OPERATOR
from tests import factories

DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64


def test_review_cycle_of_a_new_title(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    created = titles.create_title(runtime, OPERATOR, who.user_id, factories.title_data())
    assert created.status is TitleStatus.APPLYING
    rejected = titles.review_title(runtime, OPERATOR, ReviewTitle(created.id, Decision.REJECT, "营业执照模糊"))
    assert rejected.status is TitleStatus.REJECTED and rejected.review_note == "营业执照模糊"
    resubmitted = titles.update_title(runtime, who.actor(), ChangeTitle(created.id, bank="招商银行"))
    assert resubmitted.status is TitleStatus.APPLYING and resubmitted.data.bank == "招商银行"
    approved = titles.review_title(runtime, OPERATOR, ReviewTitle(created.id, Decision.APPROVE))
    assert approved.status is TitleStatus.APPROVED
    with pytest.raises(IllegalTransition):
        titles.update_title(runtime, who.actor(), ChangeTitle(created.id, bank="x"))
    actions = [
        e.action
        for e in audit.list_events(
            runtime, OPERATOR, ListAuditEvents(entity_type="title", entity_id=str(created.id))
        ).items
    ]
    assert actions == ["title.approve", "title.resubmit", "title.reject", "title.create"]


def test_change_of_an_approved_title_keeps_it_in_force_until_approved(runtime: Runtime) -> None:
    who = factories.customer(runtime, real_name_verified=False)
    title = factories.approved_title(runtime, who)
    changed = titles.submit_change(runtime, who.actor(), ChangeTitle(title.id, bank="工商银行"))
    assert changed.status is TitleStatus.APPLYING and changed.adjust_type is AdjustType.DETAILS
    assert changed.data.bank == "" and changed.pending_change is not None
    assert changed.pending_change.bank == "工商银行"
    withdrawn = titles.review_title(runtime, who.actor(), ReviewTitle(title.id, Decision.WITHDRAW))
    assert withdrawn.status is TitleStatus.APPROVED and withdrawn.pending_change is None
    assert withdrawn.data.bank == ""

    with pytest.raises(MissingValue):
        titles.submit_change(runtime, who.actor(), ChangeTitle(title.id, invoice_title="新名称有限公司"))
    statement = UploadDocument(who.account_id, DocumentKind.TITLE_CHANGE_INSTRUCTIONS, "change.doc", DOC)
    documents.upload(runtime, who.actor(), statement)
    renamed = titles.submit_change(
        runtime,
        who.actor(),
        ChangeTitle(title.id, invoice_title="新名称有限公司", title_change_instructions="change.doc"),
    )
    assert renamed.adjust_type is AdjustType.OTHER_TITLE
    approved = titles.review_title(runtime, OPERATOR, ReviewTitle(title.id, Decision.APPROVE))
    assert approved.status is TitleStatus.APPROVED and approved.data.invoice_title == "新名称有限公司"


def test_titles_must_refer_to_uploaded_documents(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    with pytest.raises(ValidationFailed) as error:
        titles.create_title(runtime, who.actor(), who.user_id, factories.title_data(taxation_license="scan.jpg"))
    assert error.value.field == "taxation_license"


def test_customers_cannot_see_or_review_other_accounts_titles(runtime: Runtime) -> None:
    alice, bob = factories.customer(runtime), factories.customer(runtime)
    title = titles.create_title(runtime, alice.actor(), alice.user_id, factories.title_data())
    with pytest.raises(NotFound):
        titles.get_title(runtime, bob.actor(), title.id)
    with pytest.raises(NotFound):
        titles.review_title(runtime, alice.actor(), ReviewTitle(title.id, Decision.APPROVE))
    assert titles.list_titles(runtime, bob.actor(), ListTitles()).total == 0
    assert titles.list_titles(runtime, alice.actor(), ListTitles()).total == 1


def test_production_profile_refuses_a_bad_tax_id(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    runtime.settings.profile = Profile.PRODUCTION
    with pytest.raises(ValidationFailed):
        titles.create_title(runtime, OPERATOR, who.user_id, factories.title_data(register_no="21343245342534"))
    assert titles.list_titles(runtime, OPERATOR, ListTitles()).total == 0


def test_list_filters_and_pages(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    for n in range(5):
        titles.create_title(runtime, OPERATOR, who.user_id, factories.title_data(invoice_title=f"公司{n}"))
    factories.approved_title(runtime, who, invoice_title="已通过公司")
    page = titles.list_titles(runtime, OPERATOR, ListTitles(page=2, page_size=2, user_id=who.user_id))
    assert page.total == 6 and [t.data.invoice_title for t in page.items] == ["公司2", "公司3"]
    approved = titles.list_titles(runtime, OPERATOR, ListTitles(TitleStatus.APPROVED))
    assert [t.data.invoice_title for t in approved.items] == ["已通过公司"]
    found = titles.list_titles(runtime, OPERATOR, ListTitles(search="公司4"))
    assert found.total == 1


def test_create_title_declares_the_limits_check_title_enforces(runtime: Runtime) -> None:
    limit = spec.field_of(CreateTitle, "invoice_title").max_length
    assert limit == TITLE_LIMITS["invoice_title"]
    who = factories.customer(runtime)
    with pytest.raises(ValidationFailed) as error:
        titles.create_title(
            runtime, OPERATOR, who.user_id, CreateTitle.from_json({"invoice_title": "长" * (limit + 1)})
        )
    assert error.value.field == "invoice_title"
    with pytest.raises(ValidationFailed) as error:
        titles.list_titles(runtime, OPERATOR, ListTitles(page_size=10_000))
    assert error.value.field == "page_size"


def test_review_decisions_their_notes_and_who_may_take_them(runtime: Runtime) -> None:
    who = factories.customer(runtime)
    title = factories.approved_title(runtime, who)
    with pytest.raises(ValidationFailed) as error:
        titles.review_title(runtime, OPERATOR, ReviewTitle(title.id, Decision.REJECT, "  "))
    assert error.value.field == "note"
    titles.submit_change(runtime, who.actor(), ChangeTitle(title.id, bank="工商银行"))
    for decision in (Decision.APPROVE, Decision.REJECT, Decision.INVALIDATE):  # customers only withdraw
        with pytest.raises(NotFound):
            titles.review_title(runtime, who.actor(), ReviewTitle(title.id, decision, "自己审"))
    rejected = titles.review_title(runtime, OPERATOR, ReviewTitle(title.id, Decision.REJECT, " 银行不符 "))
    assert rejected.status is TitleStatus.APPROVED and rejected.pending_change is None  # the change is dropped
    assert rejected.review_note == "银行不符" and rejected.data.bank == ""
    invalid = titles.review_title(runtime, OPERATOR, ReviewTitle(title.id, Decision.INVALIDATE, "已注销"))
    assert invalid.status is TitleStatus.INVALID and invalid.review_note == "已注销"
    with pytest.raises(IllegalTransition):
        titles.review_title(runtime, OPERATOR, ReviewTitle(title.id, Decision.APPROVE))
    with pytest.raises(ValidationFailed) as error:
        titles.review_title(runtime, OPERATOR, ReviewTitle(0, Decision.APPROVE))
    assert error.value.field == "title_id"
