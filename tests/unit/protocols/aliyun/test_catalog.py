"""The operation catalog: parameter validation from declarations, routing, wire mappings, the docs page."""

from __future__ import annotations

from datetime import datetime

import pytest

from fapiao.domain.titles import AdjustType, CustomerType, InvoiceKind, TaxpayerType, TitleStatus
from fapiao.protocols.aliyun import mapping, reference
from fapiao.protocols.aliyun.catalog import Kind, Param
from fapiao.protocols.aliyun.errors import Code, RpcError
from fapiao.protocols.aliyun.operations import CATALOG
from tests.support.paths import REPOSITORY

ROOT = REPOSITORY


def _fails(param: Param, params: dict[str, str]) -> RpcError:
    with pytest.raises(RpcError) as caught:
        param.parse(params)
    assert f'"{param.name}"' in caught.value.message
    return caught.value


def test_integer_limits_and_choices() -> None:
    size = Param("PageSize", Kind.INTEGER, "", minimum=1, maximum=300)
    assert size.parse({"PageSize": "300"}) == 300
    assert size.parse({}) is None and size.parse({"PageSize": ""}) is None
    for bad in ("301", "0", "1.5", "abc", "99999999999999999999"):
        assert _fails(size, {"PageSize": bad}).code == Code.INVALID_PARAMETER
    kind = Param("Type", Kind.INTEGER, "", choices=(1, 2))
    assert _fails(kind, {"Type": "3"}).status == 400


def test_required_parameter_missing() -> None:
    required = Param("CustomerId", Kind.INTEGER, "", required=True)
    assert _fails(required, {}).code == Code.MISSING_PARAMETER
    flat = Param("SelectedIds", Kind.FLAT_INTEGERS, "", required=True)
    assert _fails(flat, {}).code == Code.MISSING_PARAMETER
    assert flat.parse({"SelectedIds.2": "7", "SelectedIds.1": "5"}) == [5, 7]
    assert _fails(flat, {"SelectedIds.1": "x"}).code == Code.INVALID_PARAMETER


def test_booleans_times_amounts_and_json() -> None:
    flag = Param("InvoiceByAmount", Kind.BOOLEAN, "")
    assert [flag.parse({"InvoiceByAmount": v}) for v in ("True", "false", "TRUE")] == [True, False, True]
    assert _fails(flag, {"InvoiceByAmount": "yes"}).code == Code.INVALID_PARAMETER
    when = Param("StartBizTime", Kind.TIME, "")
    assert when.parse({"StartBizTime": "2024-01-05 10:20:30"}) == datetime(2024, 1, 5, 2, 20, 30)  # China → UTC
    assert _fails(when, {"StartBizTime": "2024-01-05"}).code == Code.INVALID_PARAMETER
    amount = Param("Amount", Kind.AMOUNT, "")
    assert amount.parse({"Amount": "12.50"}) == 1250
    assert _fails(amount, {"Amount": "12.505"}).code == Code.INVALID_PARAMETER
    emails = Param("RecipientEmails", Kind.JSON_STRINGS, "", max_items=3)
    assert emails.parse({"RecipientEmails": '["a@b.com"]'}) == ["a@b.com"]
    assert _fails(emails, {"RecipientEmails": '["a","b","c","d"]'}).code == Code.INVALID_PARAMETER
    objects = Param("EcIdAccountIds", Kind.JSON_OBJECTS, "")
    assert _fails(objects, {"EcIdAccountIds": "[1]"}).code == Code.INVALID_PARAMETER


def test_routing_table() -> None:
    assert CATALOG.resolve("2017-12-14", "ApplyInvoice").permission == "bss:ApplyInvoice"
    assert CATALOG.resolve("2017-12-14", "QueryInvoicingCustomerList").permission == "bss:QueryCustomerInvoiceInfo"
    with pytest.raises(RpcError) as caught:
        CATALOG.resolve("2017-12-14", "QueryCustomerInvoiceInfo")
    assert (caught.value.code, caught.value.status) == ("InvalidAction.NotFound", 404)
    with pytest.raises(RpcError) as caught:
        CATALOG.resolve("2018-01-01", "ApplyInvoice")
    assert (caught.value.code, caught.value.status) == ("InvalidVersion", 400)
    assert len(CATALOG.operations) == 7
    assert all(op.permission.startswith("bss:") for op in CATALOG.ordered())


def test_wire_mapping_tables() -> None:
    assert mapping.TITLE_TYPE.to_wire_table == {InvoiceKind.PLAIN: 0, InvoiceKind.SPECIAL: 1}
    assert mapping.INVOICING_TYPE.to_wire_table == {InvoiceKind.SPECIAL: 0, InvoiceKind.PLAIN: 1}
    assert mapping.CREATE_INVOICE_TYPE.to_wire_table == {InvoiceKind.PLAIN: 1, InvoiceKind.SPECIAL: 2}
    assert [mapping.TITLE_STATUS.to_wire(s) for s in TitleStatus] == [1, 2, 3, 4, 5]
    assert mapping.ADJUST_TYPE.to_wire_table == {
        AdjustType.DETAILS: 1,
        AdjustType.OTHER_TITLE: 4,
        AdjustType.VERIFIED_TITLE: 5,
    }
    assert mapping.TAXPAYER_TYPE.to_wire_table == {TaxpayerType.GENERAL: 1, TaxpayerType.SMALL_SCALE: 2}
    assert mapping.CUSTOMER_TYPE.to_wire_table == {CustomerType.INDIVIDUAL: 1, CustomerType.COMPANY: 2}
    assert mapping.INVOICING_TYPE.from_wire(2) is None
    with pytest.raises(ValueError, match="share"):
        mapping.WireTable("X", {InvoiceKind.PLAIN: 1, InvoiceKind.SPECIAL: 1})


def test_committed_reference_page_is_what_the_catalog_generates() -> None:
    committed = (ROOT / reference.DOCS_PATH).read_text(encoding="utf-8")
    assert committed == reference.render(), "run `fapiao docs aliyun` and commit docs/aliyun-api.md"
    for op in CATALOG.ordered():
        assert f"| `{op.version}` | `{op.action}` | `{op.permission}` |" in committed


def test_limits_come_from_the_command_and_errors_name_the_wire_parameter() -> None:
    from fapiao.applications.commands import MAX_REMARK_LENGTH, FileApplication
    from fapiao.usecases import spec

    apply = CATALOG.resolve("2017-12-14", "ApplyInvoice")
    create = CATALOG.resolve("2023-09-30", "CreateInvoice")
    remarks = {p.name: p.max_length for p in (*apply.params, *create.params) if p.field == "user_remark"}
    assert remarks == {"UserRemark": MAX_REMARK_LENGTH, "InvoiceRemark": MAX_REMARK_LENGTH}
    assert spec.field_of(FileApplication, "user_remark").max_length == MAX_REMARK_LENGTH
    assert (apply.wire_field("item_ids"), create.wire_field("item_ids")) == ("SelectedIds", "InvoiceCandidateIds")
    assert apply.wire_field("medium") is None  # not a parameter of this action: no domain name on the wire
    wire = {"InvoiceTitleId": "5", "InvoiceCandidateIds": '["7","8"]', "InvoiceType": "2", "InvoiceMode": "0"}
    args = create.parse_args(wire | {"RecipientEmails": '["a@b.com"]'})
    command = args.command(FileApplication)
    assert (command.title_id, command.item_ids, command.invoice_kind) == (5, (7, 8), InvoiceKind.SPECIAL)


def test_a_param_may_not_redeclare_a_command_limit() -> None:
    from fapiao.applications.commands import FileApplication
    from fapiao.usecases import spec

    with pytest.raises(ValueError, match="command's limit"):
        Param("UserRemark", Kind.STRING, field="user_remark", max_length=10).bind(
            spec.field_of(FileApplication, "user_remark")
        )


@pytest.mark.parametrize("raw", ["0001-01-01 00:00:00", "0001-01-01 07:59:59"])
def test_a_china_time_with_no_utc_equivalent_is_invalid(raw: str) -> None:
    start = Param("StartBizTime", Kind.TIME)
    assert _fails(start, {"StartBizTime": raw}).code == Code.INVALID_PARAMETER
    assert start.parse({"StartBizTime": "0001-01-01 08:00:00"}) == datetime(1, 1, 1)
    assert start.parse({"StartBizTime": "9999-12-31 23:59:59"}) == datetime(9999, 12, 31, 15, 59, 59)


@pytest.mark.parametrize(("kind", "raw"), [(Kind.STRING, "a\x00b"), (Kind.JSON_STRINGS, '["a\\u0000b"]')])
def test_text_with_nul_is_invalid(kind: Kind, raw: str) -> None:
    assert _fails(Param("UserRemark", kind), {"UserRemark": raw}).code == Code.INVALID_PARAMETER
