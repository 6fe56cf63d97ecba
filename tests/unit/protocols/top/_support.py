"""Shared builders for the TOP wire-layer tests."""

from __future__ import annotations

from collections.abc import Mapping

from fapiao.protocols.top.signing import SignMethod, compute_sign
from tests.support.top_requests import GET as GET
from tests.support.top_requests import UPDATE as UPDATE

APP_KEY = "12345678"
SECRET = "test-secret"
SESSION = "SESSION-XYZ"


def signed(params: Mapping[str, str], secret: str = SECRET) -> dict[str, str]:
    """Add ``sign`` computed with the ``sign_method`` the params name."""
    return {**params, "sign": compute_sign(params, secret, SignMethod(params["sign_method"]))}
