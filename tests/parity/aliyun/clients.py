"""The real clients, pointed at a live Fapiao with any key (``sdk.py`` does the same for fixed test keys)."""

from __future__ import annotations

from typing import Any

from alibabacloud_bssopenapi20171214.client import Client as Bss20171214
from alibabacloud_bssopenapi20230930.client import Client as Bss20230930
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_openapi.utils import Utils
from alibabacloud_tea_openapi.utils_models import Config, OpenApiRequest, Params
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from darabonba.runtime import RuntimeOptions

from .live import Keys


def config(endpoint: str, keys: Keys, *, v1: bool = False) -> Any:
    kwargs: dict[str, Any] = {
        "access_key_id": keys.key_id,
        "access_key_secret": keys.secret,
        "endpoint": endpoint,
        "protocol": "http",
    }
    if v1:
        kwargs["signature_algorithm"] = "v2"
    return Config(**kwargs)


def bss2017(endpoint: str, keys: Keys, *, v1: bool = False) -> Any:
    return Bss20171214(config(endpoint, keys, v1=v1))


def bss2023(endpoint: str, keys: Keys, *, v1: bool = False) -> Any:
    return Bss20230930(config(endpoint, keys, v1=v1))


def call_api(
    endpoint: str,
    keys: Keys,
    action: str,
    *,
    query: dict[str, Any] | None = None,
    body: dict[str, Any] | None = None,
    method: str = "POST",
    version: str = "2017-12-14",
    v1: bool = False,
) -> dict[str, Any]:
    """The generic ``call_api``: the answer as ``{'body', 'headers', 'statusCode'}``."""
    params = Params(
        action=action,
        version=version,
        protocol="HTTPS",
        pathname="/",
        method=method,
        auth_type="AK",
        style="RPC",
        req_body_type="formData",
        body_type="json",
    )
    request = OpenApiRequest(query=Utils.query(query or {}), body=body)
    result: dict[str, Any] = OpenApiClient(config(endpoint, keys, v1=v1)).call_api(params, request, RuntimeOptions())
    return result


def core(
    endpoint: str,
    keys: Keys,
    action: str,
    *,
    method: str | None = None,
    query: dict[str, str] | None = None,
    body: dict[str, str] | None = None,
    version: str = "2017-12-14",
    xml: bool = False,
) -> bytes:
    """``aliyun-python-sdk-core`` ``CommonRequest`` (GET unless ``method``); raw response bytes."""
    request = CommonRequest()
    request.set_domain(endpoint)
    request.set_version(version)
    request.set_action_name(action)
    if method is not None:
        request.set_method(method)
    for key, value in (query or {}).items():
        request.add_query_param(key, value)
    for key, value in (body or {}).items():
        request.add_body_params(key, value)
    client = AcsClient(keys.key_id, keys.secret, "cn-hangzhou")
    if xml:
        request.set_accept_format("XML")
        answer: bytes = client.do_action(request)
        return answer
    result: bytes = client.do_action_with_exception(request)
    return result
