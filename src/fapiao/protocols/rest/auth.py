"""REST authentication: HTTP Basic with an access key id as the user name and its secret as the password;
the operator routes take the bearer token ``FAPIAO_OPERATOR_TOKEN`` instead.

Deliberately simple for integrators and curl (``curl -u KEY_ID:SECRET``); the signed Alibaba Cloud and TOP
schemes live in their own gateways. Use HTTPS in front of it in production.

Throttling (``fapiao.throttling``) happens here too, since this is where a REST caller becomes known: an
address over its budget of failed authentications is refused before its credentials are looked at, a failed
authentication counts against it, and an authenticated caller spends one request of its budget for the
route (``rest:<METHOD> <path template>``), all answered 429 with ``Retry-After``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPBasic, HTTPBearer

from fapiao import metrics
from fapiao.auth.credentials import lookup_access_key
from fapiao.domain.errors import Unauthenticated
from fapiao.domain.policies import RequestContext
from fapiao.protocols import access
from fapiao.runtime import Runtime
from fapiao.throttling import OPERATOR_CALLER, Scope, Throttled, TooManyRequests, key_caller
from fapiao.usecases.actor import Actor, ActorKind

# Declared for the OpenAPI document; the header is parsed below so failures use our error envelope.
basic_scheme = HTTPBasic(auto_error=False, description="Access key id as user name, access key secret as password.")
bearer_scheme = HTTPBearer(auto_error=False, description="The operator token (FAPIAO_OPERATOR_TOKEN).")


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def authenticate(request: Request, _: Annotated[object, Depends(basic_scheme)] = None) -> Actor:
    throttle = get_runtime(request).throttle
    address = request.client.host if request.client else None
    _refuse_if_throttled(throttle.blocked(address))
    try:
        actor = _basic_actor(request)
    except Unauthenticated as refused:
        throttle.failed(address)
        metrics.auth_failed(metrics.Protocol.REST, getattr(refused, "why", metrics.AuthFailure.OTHER))
        raise
    _refuse_if_throttled(throttle.admit(key_caller(actor.key_id), action_of(request)))
    return actor


def action_of(request: Request) -> str:
    """The route's name in ``FAPIAO_RATE_LIMITS``: ``rest:POST /api/v1/applications``."""
    route = request.scope.get("route")
    path = getattr(route, "path", None) or request.url.path
    return f"rest:{request.method} {path}"


_THROTTLED_MESSAGES = {
    Scope.CALLER: "too many requests from this caller",
    Scope.ACTION: "too many requests to this operation from this caller",
    Scope.ADDRESS: "too many failed authentications from this address",
}


def _refuse_if_throttled(refusal: Throttled | None) -> None:
    if refusal is not None:
        metrics.throttled(metrics.Protocol.REST, refusal.scope.value)
        message = f"{_THROTTLED_MESSAGES[refusal.scope]}; retry after {refusal.retry_after} s"
        raise TooManyRequests(message, refusal)


class _Refused(Unauthenticated):
    """An authentication failure, with its reason for the metrics (answered like any ``Unauthenticated``)."""

    def __init__(self, why: metrics.AuthFailure, message: str, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.why = why


_NO_SUCH_KEY = "the access key does not exist or is disabled"


def _basic_actor(request: Request) -> Actor:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise _Refused(
            metrics.AuthFailure.MISSING_CREDENTIALS, "send Authorization: Basic base64(access_key_id:access_key_secret)"
        )
    try:
        key_id, sep, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        sep = ""
    if not sep:
        raise _Refused(metrics.AuthFailure.MALFORMED, "the Basic credentials are not valid base64 of id:secret")
    access.note_caller(request.scope, key_id)  # the id it claims, never the secret
    credential = lookup_access_key(get_runtime(request), key_id)
    if credential is None:
        raise _Refused(metrics.AuthFailure.UNKNOWN_KEY, _NO_SUCH_KEY, field="key_id")
    if not hmac.compare_digest(credential.secret.encode(), secret.encode()):
        raise _Refused(metrics.AuthFailure.BAD_SIGNATURE, _NO_SUCH_KEY, field="key_id")
    return credential.within(request_context(request)).actor


def request_context(request: Request) -> RequestContext:
    """What RAM policy conditions read of this request: the client as the server saw it (the socket peer, or
    what a trusted proxy said), whether it came over HTTPS, and now."""
    client = request.client
    secure = request.scope.get("scheme") == "https"
    return RequestContext.of(client.host if client else None, secure, datetime.now(UTC))


CurrentActor = Annotated[Actor, Depends(authenticate)]


def allowed(permission: str) -> Any:
    """A dependency: the authenticated actor, if its keys may perform ``permission`` (RAM policies)."""

    def dependency(actor: CurrentActor) -> Actor:
        actor.require(permission)
        return actor

    dependency.__name__ = f"allowed_{permission.replace(':', '_')}"
    return Depends(dependency)


CurrentRuntime = Annotated[Runtime, Depends(get_runtime)]


def user_id_of(actor: Actor) -> int:
    """The caller's own account (the access keys REST accepts all belong to one)."""
    if actor.user_id is None:
        raise Unauthenticated("this credential does not belong to an account")
    return actor.user_id


def account_id_of(actor: Actor) -> int:
    if actor.account_id is None:
        raise Unauthenticated("this credential does not belong to an account")
    return actor.account_id


def operator(request: Request, _: Annotated[object, Depends(bearer_scheme)] = None) -> Actor:
    """The operator, if the request carries ``Authorization: Bearer <FAPIAO_OPERATOR_TOKEN>``."""
    rt = get_runtime(request)
    token = rt.settings.operator_token
    if not token:
        raise Unauthenticated("the operator API is disabled: set FAPIAO_OPERATOR_TOKEN on the server")
    address = request.client.host if request.client else None
    _refuse_if_throttled(rt.throttle.blocked(address))
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.encode()):
        rt.throttle.failed(address)
        metrics.auth_failed(metrics.Protocol.REST, metrics.AuthFailure.BAD_TOKEN)
        raise Unauthenticated("send Authorization: Bearer <operator token>")
    access.note_caller(request.scope, OPERATOR_CALLER)
    _refuse_if_throttled(rt.throttle.admit(OPERATOR_CALLER, action_of(request)))
    return Actor(ActorKind.OPERATOR, "api")


Operator = Annotated[Actor, Depends(operator)]
