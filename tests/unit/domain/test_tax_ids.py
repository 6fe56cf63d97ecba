from __future__ import annotations

import pytest

from fapiao.domain.tax_ids import (
    HolderKind,
    check_tax_id,
    is_valid_resident_id,
    normalise,
    organisation_code_ok,
    uscc_check_char,
)

VALID = [
    "91350100M000100Y43",
    "9144030071526726XG",
    "914403001922038216",
    "91330100716105852F",
    "91110108551385082Q",
    "91100000100003962T",
    "911000001000013428",
    "91110000600037341L",
    "91310115MA1K3BTP2B",
    "121200004013590816",
    "N2440111MF0000005E",
    "Y1440111MA00000075",
    "A14401110000000001",
    "91110000101623741K",
    "911101066976941872",
    "124511234993295177",
]
INVALID = ["91350100M000100Y4Z", "91350211M0000XUF46", "91310115MA1H8R7C6D", "111111111111111111", "9111000060003IOZSV"]


@pytest.mark.parametrize("code", VALID)
def test_published_codes_pass_the_check_character(code: str) -> None:
    assert check_tax_id(code, HolderKind.ORGANISATION).ok


@pytest.mark.parametrize("code", INVALID)
def test_bad_codes_fail(code: str) -> None:
    result = check_tax_id(code, HolderKind.ENTERPRISE)
    assert not result.ok
    assert result.problem


def test_standard_worked_example_computes_check_character_3() -> None:
    assert uscc_check_char("91350100M000100Y4") == "3"


def test_failing_real_code_names_the_expected_check_character() -> None:
    result = check_tax_id("91350211M0000XUF46", HolderKind.ENTERPRISE)
    assert result.problem is not None and result.problem.endswith("should be R")


def test_inner_organisation_code_check_is_a_warning_only() -> None:
    assert organisation_code_ok("M000100Y4")
    assert not organisation_code_ok("MA1H8R7C6")


def test_letter_prefixed_codes_are_accepted_without_enterprise_warning_for_organisations() -> None:
    result = check_tax_id("N2440111MF0000005E", HolderKind.ORGANISATION)
    assert result.ok and result.warnings == ()


def test_enterprise_title_with_government_code_warns() -> None:
    result = check_tax_id("121200004013590816", HolderKind.ENTERPRISE)
    assert result.ok
    assert any("market regulation" in w for w in result.warnings)


@pytest.mark.parametrize("legacy", ["339901999999142", "12345678901234567", "11010119900307123300"])
def test_legacy_lengths_are_accepted_with_a_warning(legacy: str) -> None:
    result = check_tax_id(legacy, HolderKind.ENTERPRISE)
    assert result.ok
    assert result.warnings and "legacy" in result.warnings[0]


def test_check_follows_the_title_type_not_the_value() -> None:
    # passes both the USCC and the resident-id checksum: the holder kind decides which rule applies
    ambiguous = "362322198709086409"
    assert check_tax_id(ambiguous, HolderKind.ENTERPRISE).ok
    assert check_tax_id(ambiguous, HolderKind.INDIVIDUAL).ok
    assert is_valid_resident_id("110101199003071233")
    assert not check_tax_id("110101199003071234", HolderKind.INDIVIDUAL).ok


def test_normalise_folds_full_width_and_separators() -> None:
    assert normalise("９１３５ ０１００-m000100y43") == "91350100M000100Y43"
    assert check_tax_id("９１３５０１００Ｍ０００１００Ｙ４３", HolderKind.ENTERPRISE).value == "91350100M000100Y43"


def test_seed_placeholder_id_is_neither_uscc_nor_legacy() -> None:
    assert not check_tax_id("21343245342534", HolderKind.ENTERPRISE).ok
