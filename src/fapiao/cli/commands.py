"""Imports every command module so their commands register on the root group."""

from fapiao.cli import (  # noqa: F401
    accounts,
    applications,
    docs,
    maintenance,
    records,
    server,
    titles,
    webhooks,
    worker,
)
