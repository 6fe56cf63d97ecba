"""Which URLs an endpoint may be saved with, once DNS has answered: without private targets, every address
its host resolves to must be public."""

from __future__ import annotations

import pytest

from fapiao.domain.errors import ValidationFailed
from fapiao.domain.webhooks import TargetRefused
from fapiao.webhooks.targets import check_url, public_address


def test_public_literals_pass_without_dns() -> None:
    assert check_url(" https://93.184.215.14/hooks ", allow_private=False) == "https://93.184.215.14/hooks"
    assert public_address("93.184.215.14", 443) == "93.184.215.14"


@pytest.mark.parametrize("url", ["http://localhost/x", "http://127.0.0.1:8080/x", "http://[::1]/x"])
def test_loopback_is_refused_unless_private_targets_are_allowed(url: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_url(url, allow_private=False)
    assert refused.value.field == "url" and "private, loopback or reserved" in refused.value.message
    assert check_url(url, allow_private=True) == url


def test_unresolvable_hosts_are_refused() -> None:
    with pytest.raises(TargetRefused, match="cannot be resolved"):
        public_address("no-such-host.invalid", 443)
    with pytest.raises(ValidationFailed, match="cannot be resolved"):
        check_url("https://no-such-host.invalid/x", allow_private=False)
    assert check_url("https://no-such-host.invalid/x", allow_private=True) == "https://no-such-host.invalid/x"


def test_malformed_urls_are_refused_before_any_lookup() -> None:
    with pytest.raises(ValidationFailed, match="http or https"):
        check_url("gopher://93.184.215.14/", allow_private=True)
