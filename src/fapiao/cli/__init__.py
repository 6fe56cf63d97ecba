"""The ``fapiao`` command: run the server, migrate, seed the demo, and administer every entity.

Every command takes ``--json`` and then prints exactly one JSON document on stdout (errors included,
as ``{"error": {...}}`` with a non-zero exit status).
"""

from __future__ import annotations

from fapiao.cli.base import main as main

__all__ = ["main"]
