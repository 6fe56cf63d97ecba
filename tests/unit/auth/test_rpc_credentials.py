"""Signed RPC requests read keys and title lists from a per-process cache, yet a change made by another process
(a second ``Runtime`` on the same store, the CLI, or a raw UPDATE) counts from the very next request.

``warm`` is one server process that has already served the caller; ``other`` is a second process."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import update

from fapiao.accounts import service as accounts
from fapiao.accounts.commands import AttachPolicy, CreateAccessKey, CreateRamUser, DetachPolicy, SetAccessKeyEnabled
from fapiao.protocols.access import detached
from fapiao.protocols.aliyun import gateway, routes
from fapiao.runtime import Runtime
from fapiao.store.tables import AccessKey, Account
from fapiao.titles import service as titles
from fapiao.titles.commands import ChangeTitle, Decision, ReviewTitle
from fapiao.usecases.actor import OPERATOR
from tests import factories
from tests.support.cli import Cli
from tests.support.rpc import v1_query
from tests.support.statements import statements_matching

V2017, V2023 = "2017-12-14", "2023-09-30"
LIST_2017, LIST_2023 = "QueryInvoicingCustomerList", "ListInvoiceTitle"
READ_TITLES = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["bss:Query*"], "Resource": "*"}]}


def signed_query(key: tuple[str, str], action: str, version: str) -> str:
    return urlencode(v1_query(*key, action, method="POST", Version=version))


def send(rt: Runtime, query: str) -> tuple[int, dict[str, Any]]:
    answer = gateway.handle(rt, "POST", query, {}, exchange=detached(routes.PROTOCOL))
    body: dict[str, Any] = json.loads(answer.body)
    return answer.status, body


def call(
    rt: Runtime, key: tuple[str, str], action: str = LIST_2017, version: str = V2017
) -> tuple[int, dict[str, Any]]:
    return send(rt, signed_query(key, action, version))


def listed(rt: Runtime, key: tuple[str, str]) -> list[tuple[int, str]]:
    """The (Id, InvoiceTitle) pairs of a successful 2017 QueryInvoicingCustomerList."""
    status, body = call(rt, key)
    assert status == 200, body
    return [(t["Id"], t["InvoiceTitle"]) for t in body["Data"]["CustomerInvoiceList"]["CustomerInvoice"]]


def listed_2023(rt: Runtime, key: tuple[str, str]) -> list[tuple[str, str]]:
    status, body = call(rt, key, LIST_2023, V2023)
    assert status == 200, body
    return [(t["Id"], t["InvoiceTitle"]) for t in body["Data"]]


def refusal(rt: Runtime, key: tuple[str, str], action: str = LIST_2017, version: str = V2017) -> tuple[int, str]:
    status, body = call(rt, key, action, version)
    return status, body["Code"]


def credential_and_title_reads(rt: Runtime) -> AbstractContextManager[list[str]]:
    """The SQL statements of ``rt`` that read access keys, RAM policies or titles while the block runs."""
    return statements_matching(rt.db.engine, r"\bFROM (access_keys|ram_policies|titles)\b")


def ram_key(rt: Runtime, who: factories.Customer, *, policy: dict[str, Any] | None = READ_TITLES) -> tuple[str, str]:
    accounts.create_ram_user(rt, OPERATOR, CreateRamUser(who.user_id, "bot"))
    if policy is not None:
        accounts.attach_policy(rt, OPERATOR, AttachPolicy(who.user_id, "bot", "read", json.dumps(policy)))
    key = accounts.create_access_key(rt, OPERATOR, CreateAccessKey(who.user_id, "bot"))
    return key.key.key_id, key.secret


# --- the cache is used --------------------------------------------------------------------------------------------


def test_a_repeated_list_reads_neither_the_key_nor_the_titles_again(warm: Runtime) -> None:
    who = factories.customer(warm)
    title = factories.approved_title(warm, who)
    with credential_and_title_reads(warm) as cold:
        first = listed(warm, who.basic)
    with credential_and_title_reads(warm) as hot:
        assert listed(warm, who.basic) == first == [(title.id, title.data.invoice_title)]
        assert listed_2023(warm, who.basic) == [(str(title.id), title.data.invoice_title)]
    assert cold  # the key and the titles were read ...
    assert hot == []  # ... and then served from this process's cache


def test_a_write_to_another_account_keeps_this_accounts_cache(warm: Runtime, other: Runtime) -> None:
    alice, bob = factories.customer(warm), factories.customer(warm)
    listed(warm, alice.basic)
    factories.approved_title(other, bob)
    accounts.set_access_key_enabled(other, OPERATOR, SetAccessKeyEnabled(bob.key_id, False))
    with credential_and_title_reads(warm) as reads:
        assert listed(warm, alice.basic) == []
    assert reads == []


# --- credentials changed elsewhere count from the next request ------------------------------------------------------


def test_a_key_disabled_in_another_process_is_unknown_from_the_next_request(warm: Runtime, other: Runtime) -> None:
    who = factories.customer(warm)
    assert listed(warm, who.basic) == []
    accounts.set_access_key_enabled(other, OPERATOR, SetAccessKeyEnabled(who.key_id, False))
    assert refusal(warm, who.basic) == (404, "InvalidAccessKeyId.NotFound")
    assert refusal(warm, who.basic) == (404, "InvalidAccessKeyId.NotFound")
    accounts.set_access_key_enabled(other, OPERATOR, SetAccessKeyEnabled(who.key_id, True))
    assert listed(warm, who.basic) == []


@pytest.mark.slow
def test_a_key_disabled_with_the_cli_is_refused_by_a_warm_process(warm: Runtime, cli: Cli) -> None:
    who = factories.customer(warm)
    assert listed(warm, who.basic) == []
    cli.json("keys", "disable", who.key_id)
    assert refusal(warm, who.basic) == (404, "InvalidAccessKeyId.NotFound")


def test_an_account_disabled_by_a_raw_update_is_refused(warm: Runtime, other: Runtime) -> None:
    who = factories.customer(warm)
    assert listed(warm, who.basic) == []
    with other.db.engine.begin() as connection:
        connection.execute(update(Account).where(Account.id == who.account_id).values(enabled=False))
    assert refusal(warm, who.basic) == (404, "InvalidAccessKeyId.NotFound")


def test_a_ram_policy_detached_in_another_process_is_refused_from_the_next_request(
    warm: Runtime, other: Runtime
) -> None:
    who = factories.customer(warm)
    key = ram_key(warm, who)
    assert listed(warm, key) == []
    accounts.detach_policy(other, OPERATOR, DetachPolicy(who.user_id, "bot", "read"))
    assert refusal(warm, key) == (403, "Forbidden.RAM")


def test_a_ram_policy_attached_in_another_process_allows_from_the_next_request(warm: Runtime, other: Runtime) -> None:
    who = factories.customer(warm)
    key = ram_key(warm, who, policy=None)
    assert refusal(warm, key) == (403, "Forbidden.RAM")
    accounts.attach_policy(other, OPERATOR, AttachPolicy(who.user_id, "bot", "read", json.dumps(READ_TITLES)))
    assert listed(warm, key) == []


def test_a_ram_policy_narrowed_in_another_process_denies_what_it_no_longer_allows(
    warm: Runtime, other: Runtime
) -> None:
    who = factories.customer(warm)
    everything = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["bss:*"], "Resource": "*"}]}
    key = ram_key(warm, who, policy=everything)
    assert listed_2023(warm, key) == []
    replace = AttachPolicy(who.user_id, "bot", "read", json.dumps(READ_TITLES))
    accounts.attach_policy(other, OPERATOR, replace)  # replaces "read"
    assert refusal(warm, key, LIST_2023, V2023) == (403, "Forbidden.RAM")
    assert listed(warm, key) == []


# --- title lists changed elsewhere are listed on the next request ---------------------------------------------------


def test_a_title_created_in_another_process_is_listed_on_the_next_request(warm: Runtime, other: Runtime) -> None:
    who = factories.customer(warm)
    assert listed(warm, who.basic) == []
    created = titles.create_title(other, OPERATOR, who.user_id, factories.title_data())
    assert listed(warm, who.basic) == [(created.id, "示例科技有限公司")]
    assert listed_2023(warm, who.basic) == []  # 2023 lists approved titles only
    titles.review_title(other, OPERATOR, ReviewTitle(created.id, Decision.APPROVE))
    assert listed_2023(warm, who.basic) == [(str(created.id), "示例科技有限公司")]


def test_a_title_edited_in_another_process_shows_the_edit_on_the_next_request(warm: Runtime, other: Runtime) -> None:
    who = factories.customer(warm)
    created = titles.create_title(warm, OPERATOR, who.user_id, factories.title_data())
    assert listed(warm, who.basic) == [(created.id, "示例科技有限公司")]
    titles.update_title(other, OPERATOR, ChangeTitle(created.id, invoice_title="改名科技有限公司"))
    assert listed(warm, who.basic) == [(created.id, "改名科技有限公司")]


def test_an_account_renamed_by_a_raw_update_shows_in_the_next_list(warm: Runtime, other: Runtime) -> None:
    who = factories.customer(warm, nick="before")
    factories.approved_title(warm, who)
    status, body = call(warm, who.basic)
    assert [t["UserNick"] for t in body["Data"]["CustomerInvoiceList"]["CustomerInvoice"]] == ["before"]
    with other.db.engine.begin() as connection:
        connection.execute(update(Account).where(Account.id == who.account_id).values(user_nick="after"))
    status, body = call(warm, who.basic)
    assert status == 200
    assert [t["UserNick"] for t in body["Data"]["CustomerInvoiceList"]["CustomerInvoice"]] == ["after"]


# --- the other checks still hold with a warm cache ----------------------------------------------------------------


def test_a_replayed_request_is_refused_by_the_warm_process_and_by_another(warm: Runtime, other: Runtime) -> None:
    who = factories.customer(warm)
    listed(warm, who.basic)
    query = signed_query(who.basic, LIST_2017, V2017)
    assert send(warm, query)[0] == 200
    for rt in (warm, other):
        status, body = send(rt, query)
        assert (status, body["Code"]) == (400, "SignatureNonceUsed")


def test_a_wrong_secret_is_refused_by_a_warm_process(warm: Runtime) -> None:
    who = factories.customer(warm)
    listed(warm, who.basic)
    status, body = call(warm, (who.key_id, "not-the-secret"))
    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")
    assert listed(warm, who.basic) == []


def test_a_secret_replaced_by_a_raw_update_counts_from_the_next_request(warm: Runtime, other: Runtime) -> None:
    who = factories.customer(warm)
    listed(warm, who.basic)
    replaced = (who.key_id, "a-new-secret-0123456789abcdefgh")
    with other.db.engine.begin() as connection:
        sealed = other.box.seal(replaced[1])
        connection.execute(update(AccessKey).where(AccessKey.key_id == who.key_id).values(secret_sealed=sealed))
    assert listed(warm, replaced) == []
    status, body = call(warm, who.basic)
    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")


def test_an_unknown_key_is_looked_up_once_and_refused(warm: Runtime) -> None:
    with statements_matching(warm.db.engine, r"\bFROM access_keys\b") as lookups:
        status, body = call(warm, ("LTAI5tNoSuchKey000000000", "whatever"))
    assert (status, body["Code"]) == (404, "InvalidAccessKeyId.NotFound")
    assert len(lookups) == 1  # nothing was cached, so the refusal is the database's already
