"""Helpers every REST route uses: JSON rendering of service views, pages, and idempotent writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from fapiao.runtime import Runtime
from fapiao.usecases import idempotency
from fapiao.usecases.actor import Actor
from fapiao.usecases.serialize import to_jsonable

T = TypeVar("T")


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    page: int
    page_size: int
    total: int


def render(value: Any, status: int = 200) -> Response:
    return Response(_dumps(value), status_code=status, media_type="application/json")


def _dumps(value: Any) -> bytes:
    return json.dumps(to_jsonable(value), ensure_ascii=False, separators=(",", ":")).encode()


async def write(
    request: Request,
    rt: Runtime,
    actor: Actor,
    action: Callable[[], Any],
    status: int = 200,
) -> Response:
    """Run a write; with an ``Idempotency-Key`` header, run it at most once per key and replay the answer."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return render(await _in_thread(action), status)
    body = await request.body()
    scope = f"{actor.account_id}:{actor.ram_user_id or ''}"
    fingerprint = idempotency.fingerprint(request.method, request.url.path, request.url.query, body)

    def produce() -> tuple[int, bytes]:
        return status, _dumps(action())

    stored = await _in_thread(lambda: idempotency.run_once(rt, scope, key, fingerprint, produce))
    headers = {"Idempotent-Replayed": "true"} if stored.replayed else {}
    return Response(stored.body, status_code=stored.status_code, media_type="application/json", headers=headers)


async def _in_thread(func: Callable[[], T]) -> T:
    return await run_in_threadpool(func)
