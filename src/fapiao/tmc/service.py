"""A provider app's TMC queue, pulled with ``taobao.tmc.messages.consume`` / ``confirm``.

Delivery is at-least-once: ``consume`` leases the messages it hands out for the visibility timeout
(``Settings.tmc_visibility_seconds``); an unconfirmed message becomes visible again when its lease ends and
is handed out once more with ``retried`` raised by one. ``confirm`` settles messages for good and, in the
same transaction, ends the lease of the ones the consumer failed on. Messages live at most the retention
period (24 h, set when ``outbox.publish`` writes them); expired ones are purged.

A message has been handed out before exactly when its ``visible_after`` lies past its ``pub_time``: both are
the publish instant when written, and every lease moves ``visible_after`` forward. That is how redeliveries
are counted without another column. SQLite serialises writers (``BEGIN IMMEDIATE``), PostgreSQL skips
locked rows, so parallel consumers never share a message.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fapiao.domain.errors import PermissionDenied, Reason, ValidationFailed
from fapiao.runtime import Runtime
from fapiao.store.tables import utcnow
from fapiao.tmc import queries
from fapiao.tmc.commands import MAX_MESSAGE_ID, ConfirmMessages, ConsumeMessages
from fapiao.tmc.views import Confirmation, Message
from fapiao.usecases import spec
from fapiao.usecases.actor import Actor, ActorKind

_MAY_PULL = (ActorKind.PROVIDER, ActorKind.OPERATOR, ActorKind.SYSTEM)


def consume(
    rt: Runtime, actor: Actor, app_id: int, command: ConsumeMessages, *, now: datetime | None = None
) -> list[Message]:
    """Hand out up to ``quantity`` visible, unconfirmed, unexpired messages, oldest first, and lease them."""
    _require_queue_owner(actor)
    spec.check(command)
    now = now or utcnow()
    lease_end = now + timedelta(seconds=rt.settings.tmc_visibility_seconds)
    own = {"app": app_id, "group": command.group_name, "now": now}
    with rt.db.begin() as connection:
        connection.execute(queries.PURGE_APP, {"app": app_id, "now": now})
        rows = connection.execute(queries.VISIBLE, {**own, "quantity": command.quantity}).all()
        if rows:
            connection.execute(queries.LEASE, {"ids": [row.id for row in rows], "lease_end": lease_end})
    return [
        Message(
            row.id,
            row.topic,
            row.content,
            row.pub_time,
            row.pub_app_key,
            row.user_id,
            row.user_nick,
            row.retried + (1 if row.visible_after > row.pub_time else 0),
        )
        for row in rows
    ]


def confirm(rt: Runtime, actor: Actor, app_id: int, command: ConfirmMessages) -> Confirmation:
    """Settle the app's own messages and release the failed ones, in one transaction (other apps' ids and
    unknown ids are ignored)."""
    _require_queue_owner(actor)
    spec.check(command)
    _check_ids(command.message_ids, "message_ids")
    _check_ids(command.failed_ids, "failed_ids")
    own = {"app": app_id, "group": command.group_name}
    confirmed = released = 0
    if not (command.message_ids or command.failed_ids):
        return Confirmation(0, 0)
    with rt.db.begin() as connection:
        if command.message_ids:
            confirmed = connection.execute(queries.CONFIRM, {**own, "ids": list(command.message_ids)}).rowcount
        if command.failed_ids:
            params = {**own, "ids": list(command.failed_ids), "now": utcnow()}
            released = connection.execute(queries.RELEASE, params).rowcount
    return Confirmation(confirmed, released)


def _check_ids(ids: tuple[int, ...], field: str) -> None:
    if any(not 0 < i <= MAX_MESSAGE_ID for i in ids):
        raise ValidationFailed(f"message ids are between 1 and {MAX_MESSAGE_ID}", field=field)


def _require_queue_owner(actor: Actor) -> None:
    if actor.kind not in _MAY_PULL:
        raise PermissionDenied("only provider apps pull their TMC queue", reason=Reason.FORBIDDEN)
