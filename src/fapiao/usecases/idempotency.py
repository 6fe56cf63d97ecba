"""Idempotency keys for writes: the same key with the same request replays the first answer; the same key
with a different request is refused. Keys are kept for 24 hours."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from fapiao.domain.errors import Conflict, Reason, ValidationFailed
from fapiao.runtime import Runtime
from fapiao.store.tables import IdempotencyRecord, utcnow

RETENTION = timedelta(hours=24)


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: bytes
    replayed: bool


def fingerprint(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\x00")
    return digest.hexdigest()


def run_once(
    rt: Runtime, scope: str, key: str, request_fingerprint: str, produce: Callable[[], tuple[int, bytes]]
) -> StoredResponse:
    """Answer from the record of ``(scope, key)`` or run ``produce`` and record what it answered.

    Only successful answers are recorded, so a request that failed validation can be corrected and
    retried with the same key (as Stripe does for 4xx caused by the request itself).
    """
    if not key or len(key) > 128:
        raise ValidationFailed("an idempotency key must have 1 to 128 characters", field="idempotency_key")
    with rt.db.transaction() as session:
        session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - RETENTION))
        found = session.scalars(
            select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
        ).first()
        if found is not None:
            return _replay(found, request_fingerprint)
    status, body = produce()
    if status >= 400:
        return StoredResponse(status, body, False)
    try:
        with rt.db.transaction() as session:
            session.add(
                IdempotencyRecord(scope=scope, key=key, fingerprint=request_fingerprint, status_code=status, body=body)
            )
    except IntegrityError:
        pass  # a concurrent request with the same key recorded first; both did their work
    return StoredResponse(status, body, False)


def _replay(found: IdempotencyRecord, request_fingerprint: str) -> StoredResponse:
    if found.fingerprint != request_fingerprint:
        raise Conflict(
            "this idempotency key was used with a different request",
            field="idempotency_key",
            reason=Reason.IDEMPOTENCY_MISMATCH,
        )
    return StoredResponse(found.status_code, found.body, True)
