"""The Core statements of the TMC queue."""

from __future__ import annotations

from sqlalchemy import bindparam, case, delete, select, update

from fapiao.store.tables import TmcMessage, table_of

_MESSAGES = table_of(TmcMessage)
# Bind names differ from the column names: UPDATE reserves those for its SET clause.
_OWN = (TmcMessage.app_id == bindparam("app"), TmcMessage.group_name == bindparam("group"))

PURGE_APP = delete(_MESSAGES).where(TmcMessage.app_id == bindparam("app"), TmcMessage.expires_at <= bindparam("now"))
PURGE_ALL = delete(_MESSAGES).where(TmcMessage.expires_at <= bindparam("now"))
# On PostgreSQL ``SKIP LOCKED``: two consumers pulling at the same moment never receive the same message.
VISIBLE = (
    select(_MESSAGES)
    .where(
        *_OWN,
        ~TmcMessage.confirmed,
        TmcMessage.visible_after <= bindparam("now"),
        TmcMessage.expires_at > bindparam("now"),
    )
    .order_by(TmcMessage.id)
    .limit(bindparam("quantity"))
    .with_for_update(skip_locked=True)
)
# A message was handed out before exactly when its lease moved ``visible_after`` past ``pub_time``.
LEASE = (
    update(_MESSAGES)
    .where(TmcMessage.id.in_(bindparam("ids", expanding=True)))
    .values(
        retried=TmcMessage.retried + case((TmcMessage.visible_after > TmcMessage.pub_time, 1), else_=0),
        visible_after=bindparam("lease_end"),
    )
)
CONFIRM = (
    update(_MESSAGES)
    .where(*_OWN, TmcMessage.id.in_(bindparam("ids", expanding=True)), ~TmcMessage.confirmed)
    .values(confirmed=True)
)
RELEASE = (
    update(_MESSAGES)
    .where(
        *_OWN,
        TmcMessage.id.in_(bindparam("ids", expanding=True)),
        ~TmcMessage.confirmed,
        TmcMessage.visible_after > bindparam("now"),
    )
    .values(visible_after=bindparam("now"))
)
