"""REST routes for a customer's webhook endpoints and their delivery log (``/api/v1/webhook-endpoints``).

Creating an endpoint and rotating its secret answer with the secret, once. With an ``Idempotency-Key`` the
answer is replayed — so the stored copy of it carries the secret sealed, never in clear.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from fapiao.accounts import service as accounts
from fapiao.protocols.rest.auth import CurrentRuntime, allowed
from fapiao.protocols.rest.common import PageOut, render, write
from fapiao.protocols.rest.schemas import ErrorOut, Strict
from fapiao.runtime import Runtime
from fapiao.usecases import idempotency
from fapiao.usecases.actor import Actor
from fapiao.usecases.pagination import MAX_PAGE_SIZE, PageRequest
from fapiao.usecases.serialize import to_jsonable
from fapiao.webhooks import service as webhooks
from fapiao.webhooks.commands import CreateEndpoint, RotateSecret, UpdateEndpoint
from fapiao.webhooks.views import NewSecret

_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409)}
router = APIRouter(prefix="/api/v1", responses=_ERRORS, tags=["webhooks"])


class EndpointFields(Strict):
    url: str = Field(max_length=2048, examples=["https://example.com/fapiao/webhooks"])
    event_types: list[str] = Field(
        default_factory=lambda: ["*"], examples=[["application.status_changed"]], description="Event types, or *."
    )


class EndpointChanges(Strict):
    url: str | None = Field(default=None, max_length=2048)
    event_types: list[str] | None = None
    enabled: bool | None = None


class Rotation(Strict):
    overlap_seconds: int = Field(
        default=86400, ge=0, le=7 * 86400, description="How long the current secrets keep signing too."
    )


class SecretInfoOut(BaseModel):
    created_at: datetime
    expires_at: datetime | None


class EndpointOut(BaseModel):
    id: int
    url: str
    event_types: list[str]
    enabled: bool
    user_id: int | None
    app_key: str | None
    secrets: list[SecretInfoOut]
    created_at: datetime
    updated_at: datetime


class EndpointWithSecretOut(EndpointOut):
    secret: str = Field(description="The signing secret: shown in this answer only.")


class AttemptOut(BaseModel):
    number: int
    status: str
    manual: bool
    worker: str
    started_at: datetime
    finished_at: datetime | None
    response_code: int | None
    latency_ms: int | None
    error: str
    response_excerpt: str
    retry_at: datetime | None


class DeliveryOut(BaseModel):
    id: int
    endpoint_id: int
    event_id: str
    event_type: str
    status: str
    attempt_count: int
    next_attempt_at: datetime | None
    last_response_code: int | None
    last_error: str
    created_at: datetime
    attempts: list[AttemptOut]


@router.get("/webhook-endpoints", response_model=list[EndpointOut])
def list_endpoints(rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:ListWebhookEndpoints")]) -> Response:
    """The caller's webhook endpoints (secrets are never listed)."""
    return render(webhooks.list_endpoints(rt, actor))


@router.post("/webhook-endpoints", status_code=201, response_model=EndpointWithSecretOut)
async def create_endpoint(
    request: Request,
    body: EndpointFields,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:CreateWebhookEndpoint")],
) -> Response:
    """Register an endpoint for the caller's account. The answer carries its signing secret, once."""
    user_id = next(a.user_id for a in accounts.list_accounts(rt, actor))
    return await _with_secret(
        request,
        rt,
        actor,
        lambda: webhooks.create_endpoint(
            rt, actor, CreateEndpoint(body.url, event_types=tuple(body.event_types), user_id=user_id)
        ),
        201,
    )


@router.get("/webhook-endpoints/{endpoint_id}", response_model=EndpointOut)
def get_endpoint(
    endpoint_id: int, rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:GetWebhookEndpoint")]
) -> Response:
    return render(webhooks.get_endpoint(rt, actor, endpoint_id))


@router.patch("/webhook-endpoints/{endpoint_id}", response_model=EndpointOut)
async def update_endpoint(
    request: Request,
    endpoint_id: int,
    body: EndpointChanges,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:UpdateWebhookEndpoint")],
) -> Response:
    """Change the URL, the event types, or ``enabled``; absent fields keep their value."""
    return await write(
        request,
        rt,
        actor,
        lambda: webhooks.update_endpoint(
            rt,
            actor,
            UpdateEndpoint(
                endpoint_id,
                url=body.url,
                event_types=None if body.event_types is None else tuple(body.event_types),
                enabled=body.enabled,
            ),
        ),
    )


@router.delete("/webhook-endpoints/{endpoint_id}", status_code=204)
def delete_endpoint(
    endpoint_id: int, rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:DeleteWebhookEndpoint")]
) -> Response:
    webhooks.delete_endpoint(rt, actor, endpoint_id)
    return Response(status_code=204)


@router.post("/webhook-endpoints/{endpoint_id}/rotate-secret", response_model=EndpointWithSecretOut)
async def rotate_secret(
    request: Request,
    endpoint_id: int,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:RotateWebhookSecret")],
    body: Rotation | None = None,
) -> Response:
    """A new signing secret, shown once; the current ones keep signing for ``overlap_seconds``."""
    rotation = RotateSecret(endpoint_id, overlap_seconds=(body or Rotation()).overlap_seconds)
    return await _with_secret(request, rt, actor, lambda: webhooks.rotate_secret(rt, actor, rotation))


@router.get("/webhook-endpoints/{endpoint_id}/deliveries", response_model=PageOut[DeliveryOut])
def list_deliveries(
    endpoint_id: int,
    rt: CurrentRuntime,
    actor: Annotated[Actor, allowed("fapiao:ListWebhookDeliveries")],
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    status: Annotated[str | None, Query(pattern="^(pending|succeeded|failed)$")] = None,
) -> Response:
    """The endpoint's deliveries, newest first, each with every attempt (status, response code, latency, error)."""
    return render(webhooks.list_deliveries(rt, actor, endpoint_id, PageRequest(page, page_size), status=status))


@router.post("/webhook-deliveries/{delivery_id}/redeliver", response_model=DeliveryOut)
def redeliver(
    delivery_id: int, rt: CurrentRuntime, actor: Annotated[Actor, allowed("fapiao:RedeliverWebhook")]
) -> Response:
    """Queue an attempt of the delivery now; a worker sends it."""
    return render(webhooks.redeliver(rt, actor, delivery_id))


async def _with_secret(
    request: Request, rt: Runtime, actor: Actor, action: Callable[[], NewSecret], status: int = 200
) -> Response:
    """``write`` for answers carrying a secret: the idempotency record keeps it sealed."""
    from starlette.concurrency import run_in_threadpool

    key = request.headers.get("idempotency-key")
    if key is None:
        created = await run_in_threadpool(action)
        return render({**to_jsonable(created.endpoint), "secret": created.secret}, status)
    fingerprint = idempotency.fingerprint(request.method, request.url.path, request.url.query, await request.body())

    def produce() -> tuple[int, bytes]:
        created = action()  # a DomainError propagates and nothing is recorded, as in ``write``
        sealed = {**to_jsonable(created.endpoint), "secret": rt.box.seal(created.secret)}
        return status, json.dumps(sealed, ensure_ascii=False).encode()

    scope = f"{actor.account_id}:{actor.ram_user_id or ''}"
    stored = await run_in_threadpool(lambda: idempotency.run_once(rt, scope, key, fingerprint, produce))
    document = json.loads(stored.body)
    document["secret"] = rt.box.open(document["secret"])
    response = render(document, stored.status_code)
    if stored.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response
