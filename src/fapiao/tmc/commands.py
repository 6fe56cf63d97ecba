"""What a provider app asks of its TMC queue, in domain names, with the limits TOP documents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from annotated_types import Ge, Le, MaxLen

from fapiao.usecases.spec import Doc

DEFAULT_GROUP = "default"
DEFAULT_QUANTITY = 100
MIN_QUANTITY = 10  # TOP's documented bounds of ``quantity``
MAX_QUANTITY = 200
MAX_CONFIRM = 200  # ids per ``confirm`` call
MAX_MESSAGE_ID = 2**63 - 1  # ids are int64: anything larger names no message and is refused as a parameter

GroupName = Annotated[str, MaxLen(64), Doc("The consumer group; each group has its own queue.")]
MessageIds = Annotated[tuple[int, ...], MaxLen(MAX_CONFIRM), Doc("Processed messages, by the ids consume handed out.")]


@dataclass(frozen=True)
class ConsumeMessages:
    """Hand out the oldest visible messages and lease them for the visibility timeout; a message not
    confirmed by then is handed out again (at-least-once)."""

    group_name: GroupName = DEFAULT_GROUP
    quantity: Annotated[int, Ge(MIN_QUANTITY), Le(MAX_QUANTITY), Doc("How many messages at most.")] = DEFAULT_QUANTITY


@dataclass(frozen=True)
class ConfirmMessages:
    """Settle processed messages for good and hand failed ones out again on the next ``consume``."""

    message_ids: MessageIds = ()
    failed_ids: Annotated[
        tuple[int, ...], MaxLen(MAX_CONFIRM), Doc("Messages the consumer failed to process: redelivered next.")
    ] = ()
    group_name: GroupName = DEFAULT_GROUP
