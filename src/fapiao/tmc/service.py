"""A provider app's TMC queue, pulled with ``taobao.tmc.messages.consume`` / ``confirm``.

Delivery is at-least-once: ``consume`` leases the messages it hands out for the visibility timeout
(``Settings.tmc_visibility_seconds``); an unconfirmed message becomes visible again when its lease ends and
is handed out once more with ``retried`` raised by one. ``confirm`` settles messages for good. Messages live
at most the retention period (24 h, set when ``outbox.publish`` writes them); expired ones are purged.

A message has been handed out before exactly when its ``visible_after`` lies past its ``pub_time``: both are
the publish instant when written, and every lease moves ``visible_after`` forward. That is how redeliveries
are counted without another column.

On PostgreSQL the candidates are selected ``FOR UPDATE SKIP LOCKED``, so two consumers pulling at the same
moment never receive the same message; SQLite serialises writers (``BEGIN IMMEDIATE``) to the same effect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from fapiao.domain.errors import ValidationFailed
from fapiao.runtime import Runtime
from fapiao.store.tables import TmcMessage, utcnow

DEFAULT_GROUP = "default"
DEFAULT_QUANTITY = 100
MIN_QUANTITY = 10  # TOP's documented bounds of ``quantity``
MAX_QUANTITY = 200
MAX_CONFIRM = 200  # ids per ``confirm`` call


@dataclass(frozen=True)
class Message:
    id: int
    topic: str
    content: str  # a JSON document, as a string
    pub_time: datetime  # naive UTC
    pub_app_key: str
    user_id: int
    user_nick: str
    retried: int


def consume(
    rt: Runtime,
    app_id: int,
    *,
    group_name: str = DEFAULT_GROUP,
    quantity: int = DEFAULT_QUANTITY,
    now: datetime | None = None,
) -> list[Message]:
    """Hand out up to ``quantity`` visible, unconfirmed, unexpired messages, oldest first, and lease them."""
    if not MIN_QUANTITY <= quantity <= MAX_QUANTITY:
        raise ValidationFailed(f"quantity must be between {MIN_QUANTITY} and {MAX_QUANTITY}", field="quantity")
    now = now or utcnow()
    lease_end = now + timedelta(seconds=rt.settings.tmc_visibility_seconds)
    with rt.db.transaction() as session:
        session.execute(delete(TmcMessage).where(TmcMessage.app_id == app_id, TmcMessage.expires_at <= now))
        rows = session.scalars(
            select(TmcMessage)
            .where(
                TmcMessage.app_id == app_id,
                TmcMessage.group_name == group_name,
                ~TmcMessage.confirmed,
                TmcMessage.visible_after <= now,
                TmcMessage.expires_at > now,
            )
            .order_by(TmcMessage.id)
            .limit(quantity)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            if row.visible_after > row.pub_time:  # leased before: this is a redelivery
                row.retried += 1
            row.visible_after = lease_end
        return [_message(row) for row in rows]


def confirm(rt: Runtime, app_id: int, message_ids: Sequence[int], *, group_name: str = DEFAULT_GROUP) -> int:
    """Settle the app's own messages (other apps' ids and unknown ids are ignored); returns how many."""
    if len(message_ids) > MAX_CONFIRM:
        raise ValidationFailed(f"at most {MAX_CONFIRM} message ids per call", field="message_ids")
    if not message_ids:
        return 0
    with rt.db.transaction() as session:
        result = session.execute(
            update(TmcMessage)
            .where(
                TmcMessage.app_id == app_id,
                TmcMessage.group_name == group_name,
                TmcMessage.id.in_(list(message_ids)),
                ~TmcMessage.confirmed,
            )
            .values(confirmed=True)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def release(rt: Runtime, app_id: int, message_ids: Sequence[int], *, group_name: str = DEFAULT_GROUP) -> None:
    """End the lease of messages a consumer failed to process, so the next ``consume`` redelivers them."""
    if not message_ids:
        return
    now = utcnow()
    with rt.db.transaction() as session:
        session.execute(
            update(TmcMessage)
            .where(
                TmcMessage.app_id == app_id,
                TmcMessage.group_name == group_name,
                TmcMessage.id.in_(list(message_ids)),
                ~TmcMessage.confirmed,
                TmcMessage.visible_after > now,
            )
            .values(visible_after=now)
        )


def purge_expired(rt: Runtime, now: datetime | None = None) -> int:
    """Delete every message past its retention, confirmed or not."""
    with rt.db.transaction() as session:
        result = session.execute(delete(TmcMessage).where(TmcMessage.expires_at <= (now or utcnow())))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _message(row: TmcMessage) -> Message:
    return Message(
        row.id, row.topic, row.content, row.pub_time, row.pub_app_key, row.user_id, row.user_nick, row.retried
    )
