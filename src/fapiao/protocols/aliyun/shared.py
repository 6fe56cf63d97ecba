"""Helpers both API versions use: reading whole lists, account scoping, wire renderings of records."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fapiao.protocols.aliyun import errors
from fapiao.protocols.aliyun.params import JsonValue
from fapiao.usecases.pagination import MAX_PAGE_SIZE, Page, PageRequest

T = TypeVar("T")
HARD_LIMIT = 10_000  # a list action never reads more records than this in one request


def all_pages(fetch: Callable[[PageRequest], Page[T]]) -> list[T]:
    """Every record of a paged service list (titles and addresses are few per account)."""
    records: list[T] = []
    page = 1
    while True:
        result = fetch(PageRequest(page, MAX_PAGE_SIZE))
        records.extend(result.items)
        if not result.items or page * MAX_PAGE_SIZE >= min(result.total, HARD_LIMIT):
            return records
        page += 1


def drop_none(record: dict[str, object]) -> dict[str, object]:
    """Absent values are left out, as the real gateway does (and ``null`` would be ignored by the SDKs)."""
    return {k: v for k, v in record.items() if v is not None}


def check_ec_accounts(entries: list[dict[str, JsonValue]], user_id: int, name: str = "EcIdAccountIds") -> None:
    """``EcIdAccountIds`` may only name the caller: Fapiao has no enterprise groups spanning accounts.

    Each entry needs a string ``EcId`` and an ``AccountIds`` list of integers (empty = the entity's accounts,
    here the caller); any other account id is refused rather than silently ignored.
    """
    for entry in entries:
        ec_id, account_ids = entry.get("EcId"), entry.get("AccountIds", [])
        if not isinstance(ec_id, str) or not isinstance(account_ids, list):
            raise errors.invalid_parameter(name)
        for account_id in account_ids:
            if isinstance(account_id, bool) or not isinstance(account_id, int | str) or str(account_id) != str(user_id):
                raise errors.invalid_parameter(name)
