"""How each real SDK is pointed at a local ``127.0.0.1:PORT`` endpoint (reference aliyun-rpc.md §5)."""

from __future__ import annotations

from typing import Any

from alibabacloud_bssopenapi20171214 import models as m17
from alibabacloud_bssopenapi20171214.client import Client as Bss20171214
from alibabacloud_bssopenapi20230930 import models as m23
from alibabacloud_bssopenapi20230930.client import Client as Bss20230930
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_openapi.utils import Utils
from alibabacloud_tea_openapi.utils_models import Config, OpenApiRequest, Params
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from darabonba.runtime import RuntimeOptions

AK, SECRET = "testAKID", "testSecret"
REMARK = "备注 a/b:c&d=e"
NICK = "nick*~ +"


def config(endpoint: str, *, v1: bool = False, sts: str | None = None) -> Any:
    """``protocol='http'`` is required: generated methods hard-code HTTPS."""
    kwargs: dict[str, Any] = {
        "access_key_id": AK,
        "access_key_secret": SECRET,
        "endpoint": endpoint,
        "protocol": "http",
    }
    if v1:
        kwargs["signature_algorithm"] = "v2"  # the SDK's name for wire SignatureVersion=1.0
    if sts is not None:
        kwargs["security_token"] = sts
    return Config(**kwargs)


def bss2017(endpoint: str, *, v1: bool = False, sts: str | None = None) -> Any:
    return Bss20171214(config(endpoint, v1=v1, sts=sts))


def bss2023(endpoint: str, *, v1: bool = False) -> Any:
    return Bss20230930(config(endpoint, v1=v1))


def apply_invoice_request() -> Any:
    return m17.ApplyInvoiceRequest(
        customer_id=22,
        address_id=11,
        apply_user_nick=NICK,
        invoice_amount=1000,
        invoice_by_amount=True,
        invoicing_type=1,
        process_way=1,
        selected_ids=[101, 102],
        user_remark=REMARK,
        emails="a@b.com,c@d.com",
    )


def query_invoicing_customer_list_request() -> Any:
    return m17.QueryInvoicingCustomerListRequest()


def query_evaluate_list_request() -> Any:
    return m17.QueryEvaluateListRequest(biz_type_list=["ALIYUN", "MARKETPLACE"], page_size=20)


def create_invoice_request() -> Any:
    return m23.CreateInvoiceRequest(
        amount="12.50",
        invoice_candidate_ids=["c1", "c2"],
        invoice_mode=0,
        invoice_type=1,
        invoice_title_id="t1",
        invoice_remark="备注",
        recipient_emails=["a@b.com"],
        ec_id_account_ids=[m23.CreateInvoiceRequestEcIdAccountIds(ec_id="ec1", account_ids=[1, 2])],
    )


def list_invoice_candidate_request() -> Any:
    return m23.ListInvoiceCandidateRequest(billing_cycles=[202401, 202402], types=[1], status=[1])


def generic_call(
    endpoint: str,
    *,
    v1: bool = False,
    method: str = "POST",
    query: dict[str, Any] | None = None,
    body: dict[str, Any] | None = None,
    action: str = "ApplyInvoice",
) -> Any:
    """``call_api`` on the base client: any action name, optional form body."""
    client = OpenApiClient(config(endpoint, v1=v1))
    params = Params(
        action=action,
        version="2017-12-14",
        protocol="HTTPS",
        pathname="/",
        method=method,
        auth_type="AK",
        style="RPC",
        req_body_type="formData",
        body_type="json",
    )
    request = OpenApiRequest(query=Utils.query(query or {}), body=body)
    return client.call_api(params, request, RuntimeOptions())


def core_request(
    endpoint: str,
    action: str,
    *,
    method: str | None = None,
    query: dict[str, str] | None = None,
    body: dict[str, str] | None = None,
    accept_format: str | None = None,
) -> Any:
    """Classic core SDK: ``CommonRequest`` with ``set_domain('127.0.0.1:PORT')``; GET unless ``method``."""
    request = CommonRequest()
    request.set_domain(endpoint)
    request.set_version("2017-12-14")
    request.set_action_name(action)
    if method is not None:
        request.set_method(method)
    for key, value in (query or {}).items():
        request.add_query_param(key, value)
    for key, value in (body or {}).items():
        request.add_body_params(key, value)
    client = AcsClient(AK, SECRET, "cn-hangzhou")
    if accept_format is not None:
        request.set_accept_format(accept_format)
        return client.do_action(request)  # deprecated; the only path that honours Format=XML
    return client.do_action_with_exception(request)
