"""Factories for test data: valid by default, overridable field by field."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from fapiao.accounts import service as accounts
from fapiao.accounts.commands import CreateAccessKey, CreateAccount
from fapiao.addresses import service as addresses
from fapiao.addresses.views import AddressView
from fapiao.applications import service as applications
from fapiao.applications.commands import FileApplication
from fapiao.domain.addresses import AddressData
from fapiao.domain.titles import InvoiceKind, TitleData
from fapiao.items import service as items
from fapiao.items.commands import CreateItem
from fapiao.items.views import ItemView
from fapiao.providers import service as providers
from fapiao.runtime import Runtime
from fapiao.titles import service as titles
from fapiao.titles.commands import Decision, ReviewTitle
from fapiao.usecases.actor import OPERATOR, Actor, ActorKind

_counter = itertools.count(1)
VALID_USCC = "91350100M000100Y43"


def title_data(**overrides: Any) -> TitleData:
    base: dict[str, Any] = {
        "invoice_title": "示例科技有限公司",
        "register_no": VALID_USCC,
        "invoice_kind": InvoiceKind.PLAIN,
    }
    return TitleData.from_json({**base, **overrides})


def special_title_data(**overrides: Any) -> TitleData:
    base = {
        "invoice_kind": "special",
        "address": "杭州市余杭区文一西路969号",
        "phone": "0571-85022088",
        "bank": "招商银行杭州分行",
        "bank_no": "571900000000000",
    }
    return title_data(**{**base, **overrides})


def address_data(**overrides: Any) -> AddressData:
    base = {
        "addressee": "张三",
        "phone": "18588888888",
        "province": "浙江省",
        "city": "杭州市",
        "county": "余杭区",
        "street": "文一西路969号",
        "postal_code": "311121",
    }
    return AddressData(**{**base, **overrides})


@dataclass(frozen=True)
class Customer:
    user_id: int
    account_id: int
    key_id: str
    secret: str

    @property
    def basic(self) -> tuple[str, str]:
        return (self.key_id, self.secret)

    def actor(self, kind: ActorKind = ActorKind.ACCOUNT) -> Actor:
        """This customer acting through its own keys (the root key, or a RAM user of the account)."""
        return Actor(kind, f"customer{self.user_id}", self.account_id, user_id=self.user_id)


def customer(rt: Runtime, nick: str | None = None, **kwargs: Any) -> Customer:
    account = accounts.create_account(rt, OPERATOR, CreateAccount(nick or f"customer{next(_counter)}", **kwargs))
    key = accounts.create_access_key(rt, OPERATOR, CreateAccessKey(account.user_id))
    return Customer(account.user_id, account.id, key.key.key_id, key.secret)


def approved_title(rt: Runtime, who: Customer, **overrides: Any) -> titles.TitleView:
    created = titles.create_title(rt, OPERATOR, who.user_id, title_data(**overrides))
    return titles.review_title(rt, OPERATOR, ReviewTitle(created.id, Decision.APPROVE))


def address(rt: Runtime, who: Customer, **overrides: Any) -> AddressView:
    return addresses.create_address(rt, OPERATOR, who.user_id, address_data(**overrides))


def item(rt: Runtime, who: Customer, **overrides: Any) -> ItemView:
    base: dict[str, Any] = {"name": f"云服务器 ECS {next(_counter)}", "bill_cycle": "2026-10", "original_fen": 250_00}
    return items.create_item(rt, OPERATOR, who.user_id, CreateItem(**{**base, **overrides}))


def provider_app(rt: Runtime, name: str = "税控服务商", *, default: bool = True) -> providers.NewProviderApp:
    return providers.create_app(rt, OPERATOR, name, default=default)


def filed_application(rt: Runtime, who: Customer, **overrides: Any) -> applications.ApplicationView:
    """An application on an approved title and a fresh item (a default provider must exist)."""
    title = approved_title(rt, who)
    billed = item(rt, who, original_fen=250_00)
    request = FileApplication(title_id=title.id, item_ids=(billed.id,), **overrides)
    return applications.file_application(rt, OPERATOR, who.user_id, request)
