"""What operators and customers ask of accounts, access keys, RAM users and their policies, with the limits
every adapter enforces (Alibaba Cloud's RAM limits, where it has them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from annotated_types import Ge, Le, MaxLen, MinLen

from fapiao.usecases.spec import Doc, Pattern

MAX_USER_ID = 2**63 - 1  # the column is a signed 64-bit integer
MAX_NICK_LENGTH = 64
MAX_RAM_USER_NAME_LENGTH = 64
MAX_DISPLAY_NAME_LENGTH = 128
MAX_POLICY_NAME_LENGTH = 128
MAX_POLICY_DOCUMENT_LENGTH = 6144  # RAM's limit on a policy document, in characters
RAM_USER_NAME_PATTERN = r"[\w.@-]+"  # letters, digits, '.', '_', '-', '@'

UserId = Annotated[int, Ge(1), Le(MAX_USER_ID), Doc("The account's UserId.")]
RamUserName = Annotated[
    str,
    MinLen(1),
    MaxLen(MAX_RAM_USER_NAME_LENGTH),
    Pattern(RAM_USER_NAME_PATTERN),
    Doc("The RAM user's name: letters, digits, `.`, `_`, `-` or `@`."),
]
PolicyName = Annotated[str, MinLen(1), MaxLen(MAX_POLICY_NAME_LENGTH), Doc("The policy's name on that RAM user.")]
KeyId = Annotated[str, MinLen(1), MaxLen(64), Doc("The AccessKeyId.")]


@dataclass(frozen=True)
class CreateAccount:
    """Open a customer account (operators and the system only)."""

    user_nick: Annotated[str, MinLen(1), MaxLen(MAX_NICK_LENGTH), Doc("The account's UserNick, unique.")]
    user_id: Annotated[
        int | None, Ge(1), Le(MAX_USER_ID), Doc("A fixed UserId; absent: 16 random digits, like Alibaba Cloud's.")
    ] = None
    real_name_verified: Annotated[bool, Doc("The account passed real-name verification.")] = False


@dataclass(frozen=True)
class CreateAccessKey:
    """Create a key for the account's root or one of its RAM users; its secret is shown once."""

    user_id: UserId
    ram_user: Annotated[
        str | None, MinLen(1), MaxLen(MAX_RAM_USER_NAME_LENGTH), Doc("The RAM user's key; absent: the root's.")
    ] = None
    key_id: Annotated[str | None, MinLen(1), MaxLen(64), Doc("A fixed AccessKeyId, for demo keys only.")] = None


@dataclass(frozen=True)
class SetAccessKeyEnabled:
    """Disable a key (signed requests with it fail from then on) or enable it again."""

    key_id: KeyId
    enabled: Annotated[bool, Doc("Whether the key authenticates requests.")]


@dataclass(frozen=True)
class CreateRamUser:
    """Create a RAM user of an account; it may do nothing until a policy allows it."""

    user_id: UserId
    name: RamUserName
    display_name: Annotated[str, MaxLen(MAX_DISPLAY_NAME_LENGTH), Doc("A name for people.")] = ""


@dataclass(frozen=True)
class AttachPolicy:
    """Attach a named policy to a RAM user; attaching the same name again replaces the document."""

    user_id: UserId
    ram_user: RamUserName
    policy_name: PolicyName
    document: Annotated[
        str,
        MinLen(1),
        MaxLen(MAX_POLICY_DOCUMENT_LENGTH),
        Doc('The policy JSON: {"Version": "1", "Statement": [{"Effect", "Action", "Resource": "*"}]}.'),
    ]


@dataclass(frozen=True)
class DetachPolicy:
    """Detach a named policy from a RAM user."""

    user_id: UserId
    ram_user: RamUserName
    policy_name: PolicyName
