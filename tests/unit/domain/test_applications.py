"""The application rules a provider meets through TOP's invoiceapply.update and a customer through filing:
the status machine, the ex_info a status change carries, and how an amount is spread over billed items."""

from __future__ import annotations

import pytest

from fapiao.domain.applications import ApplicationStatus, ExInfo, Medium, allocate, check_transition
from fapiao.domain.errors import IllegalTransition, MissingValue, Reason, ValidationFailed

PENDING, INVOICING, REJECTED, SENT, COMPLETED = (
    ApplicationStatus.PENDING,
    ApplicationStatus.INVOICING,
    ApplicationStatus.REJECTED,
    ApplicationStatus.SENT,
    ApplicationStatus.COMPLETED,
)
SENT_INFO = ExInfo(logistics_company="顺丰", logistics_no="SF123")


def test_ex_info_accepts_numbers_and_strings_and_ignores_unknown_keys() -> None:
    info = ExInfo.parse('{"invoice_no": 12345678, "message": " 同意 ", "unknown": [1]}')
    assert (info.invoice_no, info.message) == ("12345678", "同意")
    assert info.to_json() == {"message": "同意", "invoice_no": "12345678"}
    assert ExInfo.parse({"invoice_code": "0440"}).invoice_code == "0440"
    assert ExInfo.parse(None) == ExInfo.parse("") == ExInfo()


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("not json", "is not a JSON object"),
        ("[1, 2]", "is not a JSON object"),
        ('{"message": true}', "details.message must be a string or a number"),
        ('{"message": {"a": 1}}', "details.message must be a string or a number"),
        ('{"message": "' + "x" * 501 + '"}', "details.message is longer than 500 characters"),
    ],
)
def test_ex_info_refuses_what_is_not_a_flat_json_object(raw: str, words: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        ExInfo.parse(raw)
    assert words in str(caught.value) and caught.value.field == "details"


def test_ex_info_names_the_field_it_came_from() -> None:
    with pytest.raises(ValidationFailed) as caught:
        ExInfo.parse("nope", field="ex_info")
    assert caught.value.field == "ex_info"


@pytest.mark.parametrize(
    ("current", "target", "medium", "info"),
    [
        (PENDING, INVOICING, Medium.PAPER, ExInfo()),
        (PENDING, REJECTED, Medium.PAPER, ExInfo(message="抬头有误")),
        (INVOICING, SENT, Medium.PAPER, SENT_INFO),
        (SENT, COMPLETED, Medium.PAPER, ExInfo(invoice_no="1")),
        (INVOICING, COMPLETED, Medium.ELECTRONIC, ExInfo(invoice_no="1")),
    ],
)
def test_the_documented_transitions_are_allowed(
    current: ApplicationStatus, target: ApplicationStatus, medium: Medium, info: ExInfo
) -> None:
    assert check_transition(current, target, medium, info) is True


def test_repeating_the_current_status_is_a_no_op() -> None:
    assert check_transition(SENT, SENT, Medium.PAPER, ExInfo()) is False


@pytest.mark.parametrize(
    ("current", "target"), [(PENDING, SENT), (PENDING, COMPLETED), (REJECTED, INVOICING), (COMPLETED, PENDING)]
)
def test_transitions_off_the_machine_are_refused(current: ApplicationStatus, target: ApplicationStatus) -> None:
    with pytest.raises(IllegalTransition) as caught:
        check_transition(current, target, Medium.ELECTRONIC, ExInfo(message="m", invoice_no="1"))
    assert caught.value.reason is Reason.ILLEGAL_TRANSITION and caught.value.field == "status"


def test_a_paper_invoice_is_sent_before_it_is_completed() -> None:
    with pytest.raises(IllegalTransition, match="must be sent"):
        check_transition(INVOICING, COMPLETED, Medium.PAPER, ExInfo(invoice_no="1"))


@pytest.mark.parametrize(
    ("current", "target", "info", "words"),
    [
        (PENDING, REJECTED, ExInfo(), "reason"),
        (INVOICING, SENT, ExInfo(logistics_company="顺丰"), "logistics"),
        (SENT, COMPLETED, ExInfo(), "invoice_no"),
    ],
)
def test_a_status_change_needs_its_details(
    current: ApplicationStatus, target: ApplicationStatus, info: ExInfo, words: str
) -> None:
    with pytest.raises(MissingValue, match=words) as caught:
        check_transition(current, target, Medium.PAPER, info)
    assert caught.value.field == "details"


def test_an_amount_is_spread_over_the_items_in_order() -> None:
    assert allocate(300, [100, 0, -5, 250]) == [100, 0, 0, 200]
    assert allocate(50, [100, 100]) == [50, 0]


@pytest.mark.parametrize(("amount", "words"), [(0, "must be positive"), (-1, "must be positive"), (201, "exceeds")])
def test_an_amount_must_fit_what_the_items_still_allow(amount: int, words: str) -> None:
    with pytest.raises(ValidationFailed, match=words) as caught:
        allocate(amount, [100, 100, -50])
    assert caught.value.field == "amount_fen"
