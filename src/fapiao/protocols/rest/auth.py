"""REST authentication: HTTP Basic with an access key id as the user name and its secret as the password;
the operator routes take the bearer token ``FAPIAO_OPERATOR_TOKEN`` instead.

Deliberately simple for integrators and curl (``curl -u KEY_ID:SECRET``); the signed Alibaba Cloud and TOP
schemes live in their own gateways. Use HTTPS in front of it in production.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPBasic, HTTPBearer

from fapiao.auth.credentials import resolve_access_key
from fapiao.domain.errors import Unauthenticated
from fapiao.domain.policies import RequestContext
from fapiao.runtime import Runtime
from fapiao.usecases.actor import Actor, ActorKind

# Declared for the OpenAPI document; the header is parsed below so failures use our error envelope.
basic_scheme = HTTPBasic(auto_error=False, description="Access key id as user name, access key secret as password.")
bearer_scheme = HTTPBearer(auto_error=False, description="The operator token (FAPIAO_OPERATOR_TOKEN).")


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def authenticate(request: Request, _: Annotated[object, Depends(basic_scheme)] = None) -> Actor:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise Unauthenticated("send Authorization: Basic base64(access_key_id:access_key_secret)")
    try:
        key_id, sep, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthenticated("the Basic credentials are not valid base64 of id:secret") from None
    if not sep:
        raise Unauthenticated("the Basic credentials are not valid base64 of id:secret")
    credential = resolve_access_key(get_runtime(request), key_id)
    if not hmac.compare_digest(credential.secret.encode(), secret.encode()):
        raise Unauthenticated("the access key does not exist or is disabled", field="key_id")
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
    token = get_runtime(request).settings.operator_token
    if not token:
        raise Unauthenticated("the operator API is disabled: set FAPIAO_OPERATOR_TOKEN on the server")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.encode()):
        raise Unauthenticated("send Authorization: Bearer <operator token>")
    return Actor(ActorKind.OPERATOR, "api")


Operator = Annotated[Actor, Depends(operator)]
