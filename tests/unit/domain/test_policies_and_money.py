from __future__ import annotations

import json

import pytest

from fapiao.domain.errors import ValidationFailed
from fapiao.domain.money import fen_to_yuan_str, yuan_str_to_fen
from fapiao.domain.policies import is_allowed, parse_policy


def _policy(effect: str, *actions: str) -> str:
    return json.dumps({"Version": "1", "Statement": [{"Effect": effect, "Action": list(actions), "Resource": "*"}]})


def test_allow_deny_and_wildcards() -> None:
    allow_one = parse_policy(_policy("Allow", "bss:QueryCustomerInvoiceInfo"))
    assert is_allowed([allow_one], "bss:QueryCustomerInvoiceInfo")
    assert is_allowed([allow_one], "BSS:querycustomerinvoiceinfo")
    assert not is_allowed([allow_one], "bss:ApplyInvoice")
    prefix = parse_policy(_policy("Allow", "bss:Query*"))
    assert is_allowed([prefix], "bss:QueryEvaluateList") and not is_allowed([prefix], "bss:ApplyInvoice")
    everything = parse_policy(_policy("Allow", "*"))
    deny = parse_policy(_policy("Deny", "bss:ApplyInvoice"))
    assert is_allowed([everything, deny], "bss:QueryEvaluateList")
    assert not is_allowed([everything, deny], "bss:ApplyInvoice")
    assert not is_allowed([], "bss:QueryEvaluateList")


@pytest.mark.parametrize(
    "document",
    [
        "not json",
        '{"Version":"2","Statement":[]}',
        '{"Version":"1"}',
        _policy("Maybe", "bss:X"),
        _policy("Allow", "no colon"),
    ],
)
def test_malformed_policies_are_refused(document: str) -> None:
    with pytest.raises(ValidationFailed):
        parse_policy(document)


def test_money_round_trips_in_fen() -> None:
    assert fen_to_yuan_str(25000) == "250.00"
    assert fen_to_yuan_str(5) == "0.05"
    assert fen_to_yuan_str(-1250) == "-12.50"
    assert yuan_str_to_fen("4500.00", "amount") == 450000
    assert yuan_str_to_fen("0.1", "amount") == 10
    with pytest.raises(ValidationFailed):
        yuan_str_to_fen("1.005", "amount")
    with pytest.raises(ValidationFailed):
        yuan_str_to_fen("1e3", "amount")
