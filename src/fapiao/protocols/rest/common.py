"""What every REST route shares: answering through its declared response model, and idempotent writes.

Reads return the service view and FastAPI validates it into the route's ``response_model`` and serialises it
in one pass (pydantic's ``dump_json``). Writes do the same themselves, through the same declared model, because
an ``Idempotency-Key`` keeps the serialised answer to replay it byte for byte.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.responses import Response
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool

from fapiao.runtime import Runtime
from fapiao.usecases import idempotency
from fapiao.usecases.actor import Actor

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=128,
        description="Makes retries safe: the same key with the same request answers the first answer again.",
    ),
]


@functools.cache
def _adapter(model: Any) -> TypeAdapter[Any]:
    return TypeAdapter(model)


def encode(request: Request, value: Any) -> bytes:
    """``value`` validated into the answering route's declared ``response_model``, as JSON."""
    adapter = _adapter(request.scope["route"].response_model)
    return adapter.dump_json(adapter.validate_python(value, from_attributes=True))


def decode(request: Request, body: bytes) -> Any:
    """An answer ``encode`` wrote, as the route's response model again."""
    return _adapter(request.scope["route"].response_model).validate_json(body)


def answer(body: bytes, status: int, *, replayed: bool = False) -> Response:
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return Response(body, status_code=status, media_type="application/json", headers=headers)


async def write(
    request: Request,
    rt: Runtime,
    actor: Actor,
    key: str | None,
    action: Callable[[], Any],
    status: int = 200,
    *,
    payload: bytes | None = None,
) -> Response:
    """Run a write and answer its view; with an idempotency ``key``, at most once per key, replaying the answer.

    ``payload`` stands for the request body in the key's fingerprint when the route has read the body as a
    form already (it cannot be read twice)."""
    if key is None:
        return answer(await run_in_threadpool(lambda: encode(request, action())), status)
    stored = await remember(request, rt, actor, key, lambda: encode(request, action()), status, payload=payload)
    return answer(stored.body, stored.status_code, replayed=stored.replayed)


async def remember(
    request: Request,
    rt: Runtime,
    actor: Actor,
    key: str,
    produce: Callable[[], bytes],
    status: int,
    *,
    payload: bytes | None = None,
) -> idempotency.StoredResponse:
    """The answer recorded for ``key``, or ``produce``'s, recorded (a refusal propagates, recording nothing).

    The key's reservation, ``produce`` (the use case and the encoding of its answer) and the record run in one
    unit of work on one worker thread (``idempotency.run_once``), so a concurrent duplicate replays or waits."""
    scope = f"{actor.account_id}:{actor.ram_user_id or ''}"
    body = await request.body() if payload is None else payload
    fingerprint = idempotency.fingerprint(request.method, request.url.path, request.url.query, body)
    return await run_in_threadpool(
        lambda: idempotency.run_once(rt, scope, key, fingerprint, lambda: (status, produce()))
    )
