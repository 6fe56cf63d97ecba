"""Idempotency keys for writes: the same key with the same request replays the first answer; the same key
with a different request is refused. Keys are kept for 24 hours.

The key is reserved by the first write of the transaction that does the work (``Database.idempotency``), and
the answer is recorded in that transaction: exactly one request per key runs, and a concurrent repeat waits
for it (PostgreSQL) or runs after it (SQLite), then replays its answer. Answers may carry secrets (a webhook
secret, a provider session key), so they are stored encrypted with the runtime's secret box.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from fapiao.domain.errors import Conflict, Reason, ValidationFailed
from fapiao.runtime import Runtime
from fapiao.store.idempotency import Record
from fapiao.store.tables import utcnow

RETENTION = timedelta(hours=24)
# Every Fernet token starts with its version byte 0x80, "gAAAAA" in base64; a JSON answer never does.
_SEALED = b"gAAAAA"


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
    """Answer from the record of ``(scope, key)`` or run ``produce`` and record what it answered, in one unit
    of work with the key's reservation (``produce``'s use case joins it).

    Only successful answers are recorded: an exception rolls the reservation back with the work, and an
    answered status of 400 or more releases it, so a request that failed validation can be corrected and
    retried with the same key (as Stripe does for 4xx caused by the request itself).
    """
    if not key or len(key) > 128:
        raise ValidationFailed("an idempotency key must have 1 to 128 characters", field="idempotency_key")
    store = rt.db.idempotency
    now = utcnow()
    store.purge_now_and_then(now, RETENTION)
    with rt.db.begin() as connection:
        found = store.reserve(connection, scope, key, request_fingerprint, now, RETENTION)
        if found is not None:
            return _replay(rt, found, request_fingerprint)
        status, body = produce()
        if status >= 400:
            store.release(connection, scope, key)
        else:
            store.record(connection, scope, key, status, rt.box.seal_bytes(body))
    return StoredResponse(status, body, False)


def _replay(rt: Runtime, found: Record, request_fingerprint: str) -> StoredResponse:
    if found.fingerprint != request_fingerprint:
        raise Conflict(
            "this idempotency key was used with a different request",
            field="idempotency_key",
            reason=Reason.IDEMPOTENCY_MISMATCH,
        )
    # Records written before answers were encrypted are plaintext JSON: they replay as they are.
    body = rt.box.open_bytes(found.body) if found.body.startswith(_SEALED) else found.body
    return StoredResponse(found.status_code, body, True)
