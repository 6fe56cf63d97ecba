"""The statements title use cases run."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, or_, select

from fapiao.store.tables import Account, Title
from fapiao.titles.commands import ListTitles

Joined = Select[Title, Account]


def joined() -> Joined:
    return select(Title, Account).join(Account, Account.id == Title.account_id)


def by_id(title_id: int) -> Joined:
    return joined().where(Title.id == title_id)


def listing(command: ListTitles, account_id: int | None) -> Joined:
    """``account_id``: a customer's own account, which bounds every other condition."""
    conditions: list[ColumnElement[bool]] = []
    if account_id is not None:
        conditions.append(Title.account_id == account_id)
    if command.user_id is not None:
        conditions.append(Account.user_id == command.user_id)
    if command.status:
        conditions.append(Title.status == command.status.value)
    if command.invoice_kind:
        conditions.append(Title.invoice_kind == command.invoice_kind.value)
    if command.holder_kind:
        conditions.append(Title.holder_kind == command.holder_kind.value)
    if command.search and command.search.strip():
        pattern = f"%{command.search.strip()}%"
        conditions.append(or_(Title.invoice_title.like(pattern), Title.register_no.like(pattern)))
    return joined().where(*conditions)
