"""The statements account use cases run (ORM selects; the cache revisions they guard are bumped by the
store's triggers in the writing transaction)."""

from __future__ import annotations

from sqlalchemy import Select, bindparam, select

from fapiao.store.tables import AccessKey, Account, RamUser

ACCOUNT_BY_USER_ID: Select[Account] = select(Account).where(Account.user_id == bindparam("user_id"))
ALL_ACCOUNTS: Select[Account] = select(Account).order_by(Account.id)
KEY_BY_ID: Select[AccessKey] = select(AccessKey).where(AccessKey.key_id == bindparam("key_id"))
# An account's keys with the name of the RAM user each belongs to (None: the root's).
KEYS_OF_ACCOUNT: Select[AccessKey, str] = (
    select(AccessKey, RamUser.name)
    .outerjoin(RamUser, RamUser.id == AccessKey.ram_user_id)
    .where(AccessKey.account_id == bindparam("account_id"))
    .order_by(AccessKey.id)
)
RAM_USER_BY_NAME: Select[RamUser] = select(RamUser).where(
    RamUser.account_id == bindparam("account_id"), RamUser.name == bindparam("name")
)
RAM_USERS_OF_ACCOUNT: Select[RamUser] = (
    select(RamUser).where(RamUser.account_id == bindparam("account_id")).order_by(RamUser.id)
)
