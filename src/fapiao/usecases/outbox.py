"""The transactional outbox: every state change publishes its event inside the change's own transaction,
so an event exists exactly when its change committed. Workers deliver from here (webhooks), and events
that TOP announces become TMC messages on the routed provider app's queue in the same transaction.

Event types and payloads (``payload`` always carries what a receiver needs without calling back):

| type | when | payload |
|---|---|---|
| ``title.submitted`` | a title is filed, resubmitted or a change is proposed | ``title`` |
| ``title.reviewed`` | approved, rejected, withdrawn or invalidated | ``title``, ``action`` |
| ``application.filed`` | a customer files an application | ``application`` |
| ``application.status_changed`` | the provider moves it | ``application``, ``from_status``, ``to_status`` |

The payloads field by field, and how webhooks carry them: docs/webhooks.md.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, insert
from sqlalchemy.orm import Session

from fapiao.domain.webhooks import EVENT_TYPES
from fapiao.store.tables import OutboxEvent, TmcMessage, table_of, utcnow

__all__ = ["EVENT_TYPES", "publish"]
TMC_TOPIC_INVOICE_APPLY = "alibaba_invoice_InvoiceApply"
TMC_RETENTION = timedelta(hours=24)


def publish(
    session: Session | Connection,
    event_type: str,
    payload: dict[str, Any],
    *,
    account_id: int | None,
    provider_app_id: int | None = None,
) -> str:
    """Write the event (and, for a filing, its TMC message) in the caller's transaction; returns its id.

    Core inserts: nothing reads these rows back in the transaction, and filings are a hot path."""
    assert event_type in EVENT_TYPES, event_type
    event_id = f"evt_{uuid.uuid4().hex}"
    row = {
        "event_id": event_id,
        "type": event_type,
        "account_id": account_id,
        "provider_app_id": provider_app_id,
        "payload": payload,
    }
    session.execute(_INSERT_EVENT, row)
    if event_type == "application.filed" and provider_app_id is not None and account_id is not None:
        _enqueue_invoice_apply(session, event_id, provider_app_id, payload["application"])
    return event_id


def _enqueue_invoice_apply(
    session: Session | Connection, event_id: str, app_id: int, application: dict[str, Any]
) -> None:
    # The application's own payload names its app and account: no lookups inside the filing transaction.
    content = {
        "apply_id": application["apply_id"],
        "company_name": application["company_name"],
        "payee_register_no": application["payee_register_no"],
    }
    now = utcnow()
    session.execute(
        _INSERT_MESSAGE,
        {
            "app_id": app_id,
            "group_name": "default",
            "topic": TMC_TOPIC_INVOICE_APPLY,
            "content": json.dumps(content, ensure_ascii=False, separators=(",", ":")),
            "pub_time": now,
            "pub_app_key": application["app_key"],
            "user_id": application["user_id"],
            "user_nick": application["user_nick"],
            "outbox_event_id": event_id,
            "visible_after": now,
            "expires_at": now + TMC_RETENTION,
        },
    )


_INSERT_EVENT = insert(table_of(OutboxEvent))
_INSERT_MESSAGE = insert(table_of(TmcMessage))
