"""REST routes for a customer's webhook endpoints and their delivery log (``/api/v1/webhook-endpoints``).

Creating an endpoint and rotating its secret answer with the secret, once. With an ``Idempotency-Key`` the
answer is replayed — so the stored copy of it carries the secret sealed, never in clear. (Every stored answer
is encrypted as a whole now; the secret's own seal stays because answers recorded before that, which replay
as they were stored, carry it sealed.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from fapiao.accounts import service as accounts
from fapiao.protocols.rest.auth import CurrentRuntime, allowed
from fapiao.protocols.rest.bodies import as_command, body_of
from fapiao.protocols.rest.common import IdempotencyKey, answer, decode, encode, remember, write
from fapiao.protocols.rest.routes import PageNumber
from fapiao.protocols.rest.schemas import PageOut, PathId, Timestamp, errors
from fapiao.runtime import Runtime
from fapiao.usecases.actor import Actor
from fapiao.usecases.pagination import MAX_PAGE_SIZE, Page, PageRequest
from fapiao.webhooks import service as webhooks
from fapiao.webhooks.commands import CreateEndpoint, RotateSecret, UpdateEndpoint
from fapiao.webhooks.views import DeliveryView, EndpointView, NewSecret

router = APIRouter(prefix="/api/v1", responses=errors(401, 403, 429), tags=["webhooks"])
READ_ONE = errors(400, 404)
WRITE = errors(400, 404, 409)


# Request bodies are the use cases' commands less what the URL or the caller's key gives (an account's
# endpoint is its own: ``user_id`` comes from the key, ``app_key`` is the operators').
_EXAMPLES = {"url": "https://example.com/fapiao/webhooks", "event_types": ("application.status_changed",)}
if TYPE_CHECKING:  # to mypy, a body is what it parses into; ``as_command`` makes the command of it
    EndpointBody = object
    EndpointChangesBody = object
    RotationBody = object
else:
    EndpointBody = body_of(CreateEndpoint, without=("user_id", "app_key"), examples=_EXAMPLES)
    EndpointChangesBody = body_of(UpdateEndpoint, without=("endpoint_id",), examples=_EXAMPLES)
    RotationBody = body_of(RotateSecret, without=("endpoint_id",))


class SecretInfoOut(BaseModel):
    created_at: Timestamp
    expires_at: Timestamp | None


class EndpointOut(BaseModel):
    id: int
    url: str
    event_types: list[str]
    enabled: bool
    user_id: int | None
    app_key: str | None
    secrets: list[SecretInfoOut]
    created_at: Timestamp
    updated_at: Timestamp


class EndpointWithSecretOut(EndpointOut):
    secret: str = Field(description="The signing secret: shown in this answer only.")


class AttemptOut(BaseModel):
    number: int
    status: str
    manual: bool
    worker: str
    started_at: Timestamp
    finished_at: Timestamp | None
    response_code: int | None
    latency_ms: int | None
    error: str
    response_excerpt: str
    retry_at: Timestamp | None


class DeliveryOut(BaseModel):
    id: int
    endpoint_id: int
    event_id: str
    event_type: str
    status: str
    attempt_count: int
    next_attempt_at: Timestamp | None
    last_response_code: int | None
    last_error: str
    created_at: Timestamp
    attempts: list[AttemptOut]


@router.get("/webhook-endpoints", response_model=list[EndpointOut])
def list_endpoints(
    rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:ListWebhookEndpoints")]
) -> list[EndpointView]:
    """The caller's webhook endpoints (secrets are never listed)."""
    return webhooks.list_endpoints(rt, actor)


@router.post("/webhook-endpoints", status_code=201, response_model=EndpointWithSecretOut, responses=WRITE)
async def create_endpoint(
    request: Request,
    body: EndpointBody,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:CreateWebhookEndpoint")],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Register an endpoint for the caller's account. The answer carries its signing secret, once."""
    user_id = next(a.user_id for a in accounts.list_accounts(rt, actor))
    command = as_command(CreateEndpoint, body, user_id=user_id)
    return await _with_secret(
        request, rt, actor, idempotency_key, lambda: webhooks.create_endpoint(rt, actor, command), 201
    )


@router.get("/webhook-endpoints/{endpoint_id}", response_model=EndpointOut, responses=READ_ONE)
def get_endpoint(
    endpoint_id: PathId, rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:GetWebhookEndpoint")]
) -> EndpointView:
    return webhooks.get_endpoint(rt, actor, endpoint_id)


@router.patch("/webhook-endpoints/{endpoint_id}", response_model=EndpointOut, responses=WRITE)
async def update_endpoint(
    request: Request,
    endpoint_id: PathId,
    body: EndpointChangesBody,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:UpdateWebhookEndpoint")],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Change the URL, the event types, or ``enabled``; absent fields keep their value."""
    command = as_command(UpdateEndpoint, body, endpoint_id=endpoint_id)
    return await write(request, rt, actor, idempotency_key, lambda: webhooks.update_endpoint(rt, actor, command))


@router.delete("/webhook-endpoints/{endpoint_id}", status_code=204, responses=READ_ONE)
def delete_endpoint(
    endpoint_id: PathId, rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:DeleteWebhookEndpoint")]
) -> Response:
    webhooks.delete_endpoint(rt, actor, endpoint_id)
    return Response(status_code=204)


@router.post("/webhook-endpoints/{endpoint_id}/rotate-secret", response_model=EndpointWithSecretOut, responses=WRITE)
async def rotate_secret(
    request: Request,
    endpoint_id: PathId,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:RotateWebhookSecret")],
    body: RotationBody | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A new signing secret, shown once; the current ones keep signing for ``overlap_seconds``."""
    rotation = RotateSecret(endpoint_id) if body is None else as_command(RotateSecret, body, endpoint_id=endpoint_id)
    return await _with_secret(request, rt, actor, idempotency_key, lambda: webhooks.rotate_secret(rt, actor, rotation))


@router.get("/webhook-endpoints/{endpoint_id}/deliveries", response_model=PageOut[DeliveryOut], responses=READ_ONE)
def list_deliveries(
    endpoint_id: PathId,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:ListWebhookDeliveries")],
    page: PageNumber = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    status: Annotated[str | None, Query(pattern="^(pending|succeeded|failed)$")] = None,
) -> Page[DeliveryView]:
    """The endpoint's deliveries, newest first, each with every attempt (status, response code, latency, error)."""
    return webhooks.list_deliveries(rt, actor, endpoint_id, PageRequest(page, page_size), status=status)


@router.post("/webhook-deliveries/{delivery_id}/redeliver", response_model=DeliveryOut, responses=WRITE)
def redeliver(
    delivery_id: PathId,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:RedeliverWebhook")],
) -> DeliveryView:
    """Queue an attempt of the delivery now; a worker sends it."""
    return webhooks.redeliver(rt, actor, delivery_id)


def _flat(created: NewSecret, secret: str) -> dict[str, Any]:
    """The endpoint's fields and ``secret`` side by side, as ``EndpointWithSecretOut`` has them."""
    endpoint = created.endpoint
    return {**{f.name: getattr(endpoint, f.name) for f in dataclasses.fields(endpoint)}, "secret": secret}


async def _with_secret(
    request: Request,
    rt: Runtime,
    actor: Actor,
    key: str | None,
    action: Callable[[], NewSecret],
    status: int = 200,
) -> Response:
    """``write`` for answers carrying a secret: the idempotency record keeps it sealed, never in clear."""
    if key is None:
        return answer(await run_in_threadpool(lambda: _encode_created(request, action())), status)

    def produce() -> bytes:
        created = action()  # a DomainError propagates and nothing is recorded, as in ``write``
        return encode(request, _flat(created, rt.box.seal(created.secret)))

    stored = await remember(request, rt, actor, key, produce, status)
    sealed: EndpointWithSecretOut = decode(request, stored.body)
    opened = sealed.model_copy(update={"secret": rt.box.open(sealed.secret)})
    return answer(encode(request, opened), stored.status_code, replayed=stored.replayed)


def _encode_created(request: Request, created: NewSecret) -> bytes:
    return encode(request, _flat(created, created.secret))
