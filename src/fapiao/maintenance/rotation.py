"""``fapiao secrets rotate``: re-seal every stored secret under the current key and recompute every lookup
digest with it, so the keys in ``FAPIAO_OLD_SECRET_KEYS`` can then be dropped (docs/operations.md).

What is sealed: access key secrets, provider app secrets, webhook signing secrets, TOP session keys (with their
digest) and stored REST answers (idempotency records: the answer, and a webhook secret sealed inside it).
Rows are read and rewritten in batches of ids, each batch its own transaction, and a token already under the
current key is left alone: the rotation can run while the servers serve (every process must already hold the
new key, as current or as an old one) and can be run again after an interruption.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, bindparam, select, update

from fapiao.crypto import SecretBox
from fapiao.runtime import Runtime
from fapiao.store.tables import AccessKey, IdempotencyRecord, ProviderApp, ProviderSession, WebhookSecret, table_of

BATCH = 500
# A Fernet token: version byte 0x80 and a 64-bit timestamp whose high bytes are zero for millennia.
_EMBEDDED_TOKEN = re.compile(rb"gAAAAA[A-Za-z0-9_\-]+={0,2}")


@dataclass(frozen=True)
class Rotated:
    """Rows rewritten per kind (rows already sealed under the current key are not counted)."""

    access_keys: int
    provider_apps: int
    provider_sessions: int
    webhook_secrets: int
    idempotency_records: int


def rotate(rt: Runtime, *, batch: int = BATCH) -> Rotated:
    box = rt.box

    def text(value: str) -> dict[str, Any] | None:
        resealed = box.reseal(value)
        return None if resealed is None else {"value": resealed.decode()}

    def session(value: str, digest: str) -> dict[str, Any] | None:
        resealed = box.reseal(value)
        current = box.digest(box.open(value))
        if resealed is None and digest == current:
            return None
        return {"value": value if resealed is None else resealed.decode(), "digest": current}

    return Rotated(
        access_keys=_rewrite(rt, table_of(AccessKey), "secret_sealed", text, batch),
        provider_apps=_rewrite(rt, table_of(ProviderApp), "secret_sealed", text, batch),
        provider_sessions=_rewrite(rt, table_of(ProviderSession), "session_sealed", session, batch, "session_digest"),
        webhook_secrets=_rewrite(rt, table_of(WebhookSecret), "secret_sealed", text, batch),
        idempotency_records=_rewrite(
            rt, table_of(IdempotencyRecord), "body", lambda body: _stored_answer(box, body), batch
        ),
    )


def _stored_answer(box: SecretBox, body: bytes) -> dict[str, Any] | None:
    """A stored answer re-sealed, with any secret sealed inside it (a webhook secret) re-sealed too. Answers
    stored before answers were sealed are plaintext and stay so."""
    if not body.startswith(b"gAAAAA"):
        return None
    inner = box.open_bytes(body)
    rewritten = _EMBEDDED_TOKEN.sub(lambda match: _resealed_or_same(box, match.group()), inner)
    if rewritten == inner and box.reseal(body) is None:
        return None
    return {"value": box.seal_bytes(rewritten)}


def _resealed_or_same(box: SecretBox, token: bytes) -> bytes:
    try:
        return box.reseal(token) or token
    except RuntimeError:  # text that only looks like a token: not ours, kept as it is
        return token


def _rewrite(
    rt: Runtime,
    table: Table,
    column: str,
    change: Callable[..., dict[str, Any] | None],
    batch: int,
    digest_column: str | None = None,
) -> int:
    """Walk ``table`` by id, ``batch`` rows per transaction, writing what ``change`` returns for each row's
    sealed value (and digest): ``{"value": …}`` (and ``"digest"``), or ``None`` to leave it."""
    sealed: Column[Any] = table.c[column]
    columns = [table.c.id, sealed] + ([table.c[digest_column]] if digest_column else [])
    page = select(*columns).where(table.c.id > bindparam("after"), sealed.is_not(None)).order_by(table.c.id)
    values: dict[str, Any] = {column: bindparam("value")} | (
        {digest_column: bindparam("digest")} if digest_column else {}
    )
    write = update(table).where(table.c.id == bindparam("row_id")).values(values)
    after, count = 0, 0
    while True:
        with rt.db.begin() as connection:
            rows = connection.execute(page.limit(batch), {"after": after}).all()
            changes = []
            for row in rows:
                changed = change(*row[1:])
                if changed is not None:
                    changes.append({"row_id": row[0], **changed})
            if changes:
                connection.execute(write, changes)
        count += len(changes)
        if len(rows) < batch:
            return count
        after = rows[-1][0]
