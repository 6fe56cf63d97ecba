"""What the TMC use cases return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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


@dataclass(frozen=True)
class Confirmation:
    confirmed: int  # messages settled by this call (other apps' and unknown ids count nothing)
    released: int  # leases ended early, so the next consume hands those messages out again
