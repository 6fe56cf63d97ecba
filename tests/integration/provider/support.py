"""Builders for the provider-side tests: apps, merchants with sessions, applications, and TOP calls
(hand-built and through the two real clients)."""

from __future__ import annotations

import gc
import itertools
import json
import time
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import taobao_open
from taobao_open.api.base import RestApi, TopException
from taobaopy.taobao import TaoBaoAPIClient

from fapiao.applications import service as applications
from fapiao.auth import credentials
from fapiao.domain.clock import CHINA
from fapiao.protocols.top.signing import SignMethod, compute_sign
from fapiao.providers import service as providers
from fapiao.runtime import Runtime
from fapiao.usecases.actor import OPERATOR
from tests import factories
from tests.support.top_requests import GET as GET
from tests.support.top_requests import UPDATE as UPDATE
from tests.support.top_requests import InvoiceApplyGet, InvoiceApplyUpdate

CONSUME = "taobao.tmc.messages.consume"
CONFIRM = "taobao.tmc.messages.confirm"
_names = itertools.count(1)


@dataclass(frozen=True)
class App:
    app_key: str
    secret: str
    app_id: int


@dataclass(frozen=True)
class Merchant:
    customer: factories.Customer
    session: str  # the merchant's authorisation of ``app``
    app: App


def new_app(rt: Runtime) -> App:
    created = providers.create_app(rt, OPERATOR, f"服务商 {next(_names)}")
    credential = credentials.resolve_app(rt, created.app.app_key)
    assert credential is not None
    return App(created.app.app_key, created.app_secret, credential.app_id)


def new_merchant(rt: Runtime, app: App) -> Merchant:
    """A customer whose applications are routed to ``app`` and who authorised it."""
    who = factories.customer(rt)
    providers.route(rt, OPERATOR, who.user_id, app.app_key)
    return Merchant(who, providers.authorize(rt, OPERATOR, app.app_key, who.user_id).session, app)


def new_application(rt: Runtime, merchant: Merchant, *, paper: bool = True) -> applications.ApplicationView:
    extra: dict[str, Any] = {}
    if paper:
        extra["address_id"] = factories.address(rt, merchant.customer).id
    return factories.filed_application(rt, merchant.customer, **extra)


def gmt8_now(offset: timedelta = timedelta()) -> str:
    return (datetime.now(UTC) + offset).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def signed(
    app: App, method: str, *, sign_method: str = "md5", fmt: str = "json", **params: str | None
) -> dict[str, str]:
    """A complete, correctly signed parameter set; ``params`` may override any common parameter."""
    base = {
        "method": method,
        "app_key": app.app_key,
        "timestamp": gmt8_now(),
        "format": fmt,
        "v": "2.0",
        "sign_method": sign_method,
    }
    merged = {k: v for k, v in {**base, **params}.items() if v is not None}  # None drops a parameter
    merged["sign"] = compute_sign(merged, app.secret, SignMethod(sign_method))
    return merged


def compute_sign_for(app: App, params: dict[str, str]) -> dict[str, str]:
    """Sign ``params`` exactly as given (no defaults added)."""
    return {**params, "sign": compute_sign(params, app.secret, SignMethod(params["sign_method"]))}


def call(url: str, params: dict[str, str], *, get: bool = False) -> httpx.Response:
    if get:
        return httpx.get(url + "/router/rest", params=params, timeout=10)
    return httpx.post(url + "/router/rest", data=params, timeout=10)


def call_json(url: str, params: dict[str, str]) -> dict[str, Any]:
    response = call(url, params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def error_of(url: str, params: dict[str, str]) -> dict[str, Any]:
    """The ``error_response`` of a call that must fail (HTTP 200, with a request_id)."""
    response = call(url, params)
    assert response.status_code == 200, response.text
    if response.headers["content-type"].startswith("text/xml"):  # e.g. when ``format`` itself is refused
        root = ET.fromstring(response.content)  # noqa: S314 - our own server's output
        assert root.tag == "error_response", response.text
        error: dict[str, Any] = {child.tag: child.text for child in root}
        error["code"] = int(error["code"])
    else:
        body = response.json()
        assert set(body) == {"error_response"}, body
        error = body["error_response"]
    assert error["request_id"]
    return error


# --- py-taobao-open: the official SDK shape (md5, epoch-ms timestamp, common parameters in the query) ----


def sdk_request(request_class: type[RestApi], port: int, app: App, **values: Any) -> Any:
    request = request_class("127.0.0.1", port)
    request.set_app_info(taobao_open.appinfo(app.app_key, app.secret))
    for name, value in values.items():
        setattr(request, name, value)
    return request


def sdk_response(request: RestApi, session: str | None) -> dict[str, Any]:
    """``getResponse``, plus closing the keep-alive socket the SDK never closes (else a ResourceWarning)."""
    error: TopException | None = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            response: dict[str, Any] = request.getResponse(session)
        except TopException as exc:
            exc.__traceback__ = None  # the traceback's frames hold the SDK's connection
            error = exc
        gc.collect()
    if error is not None:
        raise error
    return response


def sdk_get(port: int, app: App, apply_id: str, session: str | None = None) -> dict[str, Any]:
    return sdk_response(sdk_request(InvoiceApplyGet, port, app, apply_id=apply_id), session)


def sdk_update(
    port: int, app: App, apply_id: str, status: int, ex_info: dict[str, Any] | None = None, session: str | None = None
) -> dict[str, Any]:
    request = sdk_request(
        InvoiceApplyUpdate,
        port,
        app,
        apply_id=apply_id,
        status=status,
        ex_info=json.dumps(ex_info, ensure_ascii=False) if ex_info is not None else None,
    )
    return sdk_response(request, session)


# --- taobaopy: hmac, everything in the body, local-time timestamp --------------------------------------------


def taobaopy_client(url: str, app: App, session: str | None = None) -> Any:
    client = TaoBaoAPIClient(app.app_key, app.secret, domain=url, retry_count=1)
    if session is not None:
        client.set_access_token(session)
    return client


def wait_until(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)
