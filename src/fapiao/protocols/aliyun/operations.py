"""The catalog of every action Fapiao serves on the RPC endpoint, built once at import."""

from __future__ import annotations

from fapiao.protocols.aliyun import actions_2017, actions_2023
from fapiao.protocols.aliyun.catalog import Catalog

CATALOG = Catalog(actions_2017.OPERATIONS + actions_2023.OPERATIONS)
