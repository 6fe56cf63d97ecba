from __future__ import annotations

import pytest

from fapiao.domain.errors import IllegalTransition, MissingValue, ValidationFailed
from fapiao.domain.titles import AdjustType, TitleStatus, adjust_type_for, check_title, require_transition
from tests.factories import special_title_data, title_data


def test_valid_title_passes_in_production_without_warnings() -> None:
    checked = check_title(title_data(), strict=True)
    assert checked.warnings == ()
    assert checked.data.register_no == "91350100M000100Y43"


def test_bad_checksum_is_refused_in_production_and_warned_in_sandbox() -> None:
    data = title_data(register_no="91350100M000100Y4Z")
    with pytest.raises(ValidationFailed) as refused:
        check_title(data, strict=True)
    assert refused.value.field == "register_no"
    sandbox = check_title(data, strict=False)
    assert any(w.startswith("register_no:") for w in sandbox.warnings)


def test_enterprise_title_needs_a_tax_id() -> None:
    with pytest.raises(MissingValue) as missing:
        check_title(title_data(register_no=""), strict=False)
    assert missing.value.field == "register_no"


def test_individual_plain_title_needs_no_tax_id() -> None:
    checked = check_title(title_data(holder_kind="individual", register_no=""), strict=True)
    assert checked.data.register_no == ""


@pytest.mark.parametrize("missing", ["address", "phone", "bank", "bank_no"])
def test_special_title_needs_every_bank_and_address_field(missing: str) -> None:
    with pytest.raises(MissingValue) as error:
        check_title(special_title_data(**{missing: ""}), strict=False)
    assert error.value.field == missing


def test_special_invoices_are_refused_to_individuals() -> None:
    with pytest.raises(ValidationFailed) as error:
        check_title(special_title_data(holder_kind="individual"), strict=False)
    assert error.value.field == "invoice_kind"


def test_small_scale_taxpayer_with_special_invoice_gets_a_warning() -> None:
    checked = check_title(special_title_data(taxpayer_type="small_scale"), strict=True)
    assert any("small-scale" in w for w in checked.warnings)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (202413, None, "start_cycle"),
        (None, 202400, "end_cycle"),
        (202403, 202402, "start_cycle"),
        (1899_01, None, "start_cycle"),
    ],
)
def test_validity_cycles_are_months_in_order(start: int | None, end: int | None, field: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        check_title(title_data(start_cycle=start, end_cycle=end), strict=False)
    assert error.value.field == field


def test_text_fields_are_trimmed() -> None:
    checked = check_title(title_data(invoice_title="  Test Company\n", bank="Test Bank\n"), strict=False)
    assert checked.data.invoice_title == "Test Company"
    assert checked.data.bank == "Test Bank"


def test_unknown_fields_and_enum_values_are_refused() -> None:
    with pytest.raises(ValidationFailed):
        title_data(colour="red")
    with pytest.raises(ValidationFailed) as error:
        title_data(invoice_kind="golden")
    assert error.value.field == "invoice_kind"


def test_adjust_type_follows_what_changed() -> None:
    old = title_data(title_change_instructions="a.doc")
    assert adjust_type_for(old, old.replace(bank="Other Bank"), real_name_verified=False) is AdjustType.DETAILS
    renamed = old.replace(invoice_title="新名称有限公司", title_change_instructions="b.doc")
    assert adjust_type_for(old, renamed, real_name_verified=False) is AdjustType.OTHER_TITLE
    assert adjust_type_for(old, renamed, real_name_verified=True) is AdjustType.VERIFIED_TITLE
    with pytest.raises(MissingValue):
        adjust_type_for(old, old.replace(invoice_title="新名称有限公司"), real_name_verified=False)


def test_review_transitions() -> None:
    require_transition("approve", TitleStatus.APPLYING)
    with pytest.raises(IllegalTransition):
        require_transition("approve", TitleStatus.REJECTED)
    with pytest.raises(IllegalTransition):
        require_transition("change", TitleStatus.APPLYING)
    with pytest.raises(IllegalTransition):
        require_transition("resubmit", TitleStatus.APPROVED)
