"""Accounts, access keys, RAM users and policies."""

from __future__ import annotations

from typing import Any

import click

from fapiao.accounts import service as accounts
from fapiao.accounts.commands import (
    AttachPolicy,
    CreateAccessKey,
    CreateAccount,
    CreateRamUser,
    DetachPolicy,
    SetAccessKeyEnabled,
)
from fapiao.cli.base import cli, json_option_text, output, runtime
from fapiao.cli.render import Column, table
from fapiao.usecases.actor import OPERATOR


@cli.group("accounts")
def accounts_group() -> None:
    """Customer accounts (UserId, UserNick)."""


@accounts_group.command("create")
@click.option("--nick", required=True, help="UserNick.")
@click.option("--user-id", type=int, help="UserId; generated when omitted.")
@click.option("--real-name-verified", is_flag=True, help="The account passed real-name verification.")
@output()
def create_account(nick: str, user_id: int | None, real_name_verified: bool) -> Any:
    """Create an account."""
    return accounts.create_account(runtime(), OPERATOR, CreateAccount(nick, user_id, real_name_verified))


@accounts_group.command("list")
@output(
    table(
        Column("USER ID", "user_id"),
        Column("NICK", "user_nick", wrap=True),
        Column("VERIFIED", "real_name_verified"),
        Column("ENABLED", "enabled"),
        Column("CREATED", "created_at"),
    )
)
def list_accounts() -> Any:
    """List accounts."""
    return accounts.list_accounts(runtime(), OPERATOR)


@accounts_group.command("show")
@click.argument("user_id", type=int)
@output()
def show_account(user_id: int) -> Any:
    """Show one account."""
    return accounts.get_account(runtime(), OPERATOR, user_id)


@cli.group("keys")
def keys_group() -> None:
    """Access keys of accounts and RAM users (secrets are shown once, at creation)."""


@keys_group.command("create")
@click.option("--account", "user_id", type=int, required=True, help="UserId of the account.")
@click.option("--ram-user", help="Create the key for this RAM user instead of the account root.")
@output()
def create_key(user_id: int, ram_user: str | None) -> Any:
    """Create an access key and print its secret (the only time it is shown)."""
    created = accounts.create_access_key(runtime(), OPERATOR, CreateAccessKey(user_id, ram_user))
    return {
        "access_key_id": created.key.key_id,
        "access_key_secret": created.secret,
        "user_id": user_id,
        "ram_user": ram_user,
    }


@keys_group.command("list")
@click.option("--account", "user_id", type=int, required=True, help="UserId of the account.")
@output(
    table(
        Column("KEY ID", "key_id"),
        Column("RAM USER", "ram_user", show=lambda name: name or "(account root)"),
        Column("ENABLED", "enabled"),
        Column("CREATED", "created_at"),
    )
)
def list_keys(user_id: int) -> Any:
    """List an account's keys (without secrets)."""
    return accounts.list_access_keys(runtime(), OPERATOR, user_id)


@keys_group.command("disable")
@click.argument("key_id")
@output()
def disable_key(key_id: str) -> Any:
    """Disable a key: signed requests with it fail from now on."""
    return accounts.set_access_key_enabled(runtime(), OPERATOR, SetAccessKeyEnabled(key_id, False))


@keys_group.command("enable")
@click.argument("key_id")
@output()
def enable_key(key_id: str) -> Any:
    """Enable a disabled key again."""
    return accounts.set_access_key_enabled(runtime(), OPERATOR, SetAccessKeyEnabled(key_id, True))


@cli.group("ram")
def ram_group() -> None:
    """RAM users of an account and their policies."""


@ram_group.command("create-user")
@click.option("--account", "user_id", type=int, required=True, help="UserId of the account.")
@click.option("--name", required=True, help="RAM user name.")
@click.option("--display-name", default="", help="Display name.")
@output()
def create_ram_user(user_id: int, name: str, display_name: str) -> Any:
    """Create a RAM user (it can do nothing until a policy allows it)."""
    return accounts.create_ram_user(runtime(), OPERATOR, CreateRamUser(user_id, name, display_name))


@ram_group.command("list-users")
@click.option("--account", "user_id", type=int, required=True, help="UserId of the account.")
@output(
    table(
        Column("NAME", "name"),
        Column("DISPLAY NAME", "display_name", wrap=True),
        Column("POLICIES", "policies", show=lambda policies: ", ".join(policies) or "-", wrap=True),
    )
)
def list_ram_users(user_id: int) -> Any:
    """List RAM users with their policies."""
    return accounts.list_ram_users(runtime(), OPERATOR, user_id)


@ram_group.command("attach-policy")
@click.option("--account", "user_id", type=int, required=True, help="UserId of the account.")
@click.option("--user", "ram_user", required=True, help="RAM user name.")
@click.option("--name", "policy_name", required=True, help="Policy name (attaching again replaces it).")
@click.option("--document", required=True, help="Policy JSON, inline or as @file.")
@output()
def attach_policy(user_id: int, ram_user: str, policy_name: str, document: str) -> Any:
    """Attach a policy such as {"Version":"1","Statement":[{"Effect":"Allow","Action":["bss:*"],"Resource":"*"}]}."""
    text = json_option_text(document, "--document")  # as given: the policy parser refuses repeated names
    return accounts.attach_policy(runtime(), OPERATOR, AttachPolicy(user_id, ram_user, policy_name, text))


@ram_group.command("detach-policy")
@click.option("--account", "user_id", type=int, required=True, help="UserId of the account.")
@click.option("--user", "ram_user", required=True, help="RAM user name.")
@click.option("--name", "policy_name", required=True, help="Policy name.")
@output()
def detach_policy(user_id: int, ram_user: str, policy_name: str) -> Any:
    """Detach a policy from a RAM user."""
    return accounts.detach_policy(runtime(), OPERATOR, DetachPolicy(user_id, ram_user, policy_name))
