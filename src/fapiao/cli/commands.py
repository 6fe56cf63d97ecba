"""Imports every command module so their commands register on the root group."""

from fapiao.cli import accounts, applications, docs, records, server, titles, webhooks, worker  # noqa: F401
