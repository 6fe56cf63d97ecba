"""Flattened lists, shrink-JSON lists and booleans as the SDKs send them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fapiao.protocols.aliyun.errors import Code, RpcError
from fapiao.protocols.aliyun.params import (
    bool_param,
    flat_list,
    json_int_list,
    json_list,
    json_str_list,
    parse_bool,
)


def _error(exc: pytest.ExceptionInfo[RpcError]) -> tuple[str, str]:
    return exc.value.code, exc.value.message.split('"')[1]


def test_flat_list_orders_by_numeric_index() -> None:
    params = {f"SelectedIds.{i}": str(100 + i) for i in (10, 2, 1, 3, 4, 5, 6, 7, 8, 9, 11)}
    params["SelectedIdsOther.1"] = "x"
    assert flat_list(params, "SelectedIds") == [str(100 + i) for i in range(1, 12)]


def test_flat_list_absent_is_empty_unless_required() -> None:
    assert flat_list({"Other.1": "x"}, "BizTypeList") == []
    with pytest.raises(RpcError) as caught:
        flat_list({}, "SelectedIds", required=True)
    assert _error(caught) == (Code.MISSING_PARAMETER, "SelectedIds")


def test_flat_list_gap_names_first_missing_key() -> None:
    with pytest.raises(RpcError) as caught:
        flat_list({"SelectedIds.1": "a", "SelectedIds.3": "c"}, "SelectedIds")
    assert _error(caught) == (Code.MISSING_PARAMETER, "SelectedIds.2")
    with pytest.raises(RpcError) as caught:
        flat_list({"SelectedIds.2": "b"}, "SelectedIds")
    assert _error(caught) == (Code.MISSING_PARAMETER, "SelectedIds.1")


@pytest.mark.parametrize(
    "key",
    [
        "SelectedIds.0",
        "SelectedIds.01",
        "SelectedIds.x",
        "SelectedIds.",
        "SelectedIds.1.Key",
        "SelectedIds.-1",
        "SelectedIds.١",
    ],
)
def test_flat_list_garbage_index_names_the_key(key: str) -> None:
    with pytest.raises(RpcError) as caught:
        flat_list({"SelectedIds.1": "a", key: "b"}, "SelectedIds")
    assert _error(caught) == (Code.INVALID_PARAMETER, key)


def test_flat_list_rejects_unflattened_name() -> None:
    with pytest.raises(RpcError) as caught:
        flat_list({"SelectedIds": "[1,2]"}, "SelectedIds")
    assert _error(caught) == (Code.INVALID_PARAMETER, "SelectedIds")


def test_json_list_shapes() -> None:
    params = {
        "BillingCycles": "[202401,202402]",
        "EcIdAccountIds": '[{"AccountIds":[1,2],"EcId":"ec1"}]',
        "Amounts": "[1.5]",
        "Empty": "",
    }
    assert json_list(params, "BillingCycles") == [202401, 202402]
    assert json_list(params, "EcIdAccountIds") == [{"AccountIds": [1, 2], "EcId": "ec1"}]
    assert json_list(params, "Amounts") == [Decimal("1.5")]
    assert json_list(params, "Empty") == []
    assert json_list(params, "Absent") == []


@pytest.mark.parametrize("raw", ["202401", '{"a":1}', "[1,", "c1,c2", "[NaN]"])
def test_json_list_invalid(raw: str) -> None:
    with pytest.raises(RpcError) as caught:
        json_list({"BillingCycles": raw}, "BillingCycles")
    assert _error(caught) == (Code.INVALID_PARAMETER, "BillingCycles")


def test_json_list_required() -> None:
    with pytest.raises(RpcError) as caught:
        json_list({"InvoiceCandidateIds": " "}, "InvoiceCandidateIds", required=True)
    assert _error(caught) == (Code.MISSING_PARAMETER, "InvoiceCandidateIds")


def test_typed_json_lists() -> None:
    assert json_int_list({"Types": '[1,"2",-3]'}, "Types") == [1, 2, -3]
    assert json_str_list({"Ids": '["c1",2]'}, "Ids") == ["c1", "2"]
    for bad in ("[true]", "[1.5]", '["x"]', "[[1]]", "[null]"):
        with pytest.raises(RpcError):
            json_int_list({"Types": bad}, "Types")
    for bad in ("[true]", "[1.5]", '[{"a":1}]', "[null]"):
        with pytest.raises(RpcError):
            json_str_list({"Ids": bad}, "Ids")


@pytest.mark.parametrize(
    ("raw", "expected"), [("True", True), ("true", True), ("TRUE", True), ("False", False), ("false", False)]
)
def test_parse_bool(raw: str, expected: bool) -> None:
    assert parse_bool(raw, name="InvoiceByAmount") is expected


@pytest.mark.parametrize("raw", ["1", "0", "yes", "", "Truee"])
def test_parse_bool_invalid(raw: str) -> None:
    with pytest.raises(RpcError) as caught:
        parse_bool(raw, name="InvoiceByAmount")
    assert _error(caught) == (Code.INVALID_PARAMETER, "InvoiceByAmount")


def test_bool_param_absent_is_none() -> None:
    assert bool_param({}, "InvoiceByAmount") is None
    assert bool_param({"InvoiceByAmount": "True"}, "InvoiceByAmount") is True


@pytest.mark.parametrize("raw", ["[" * 5000 + "]" * 5000, "[" * 40 + "1" + "]" * 40, "[" + "9" * 5000 + "]"])
def test_json_list_too_deep_or_too_long_a_number_is_invalid_not_an_internal_error(raw: str) -> None:
    with pytest.raises(RpcError) as caught:
        json_list({"BillingCycles": raw}, "BillingCycles")
    assert (caught.value.code, caught.value.status) == (Code.INVALID_PARAMETER, 400)
    assert '"BillingCycles"' in caught.value.message
