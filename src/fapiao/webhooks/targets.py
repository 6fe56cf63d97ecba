"""The DNS half of the target rules: resolve a host and judge every address it answers with
(``domain.webhooks.public_address``). Run when an endpoint is saved and again by the sender on the address it
actually connects to, since a DNS answer can change in between."""

from __future__ import annotations

import ipaddress
import socket

from fapiao.domain.errors import ValidationFailed
from fapiao.domain.webhooks import IPAddress, Target, TargetRefused, parse_url
from fapiao.domain.webhooks import public_address as judge


def check_url(url: str, *, allow_private: bool) -> str:
    """The URL to store, or ``ValidationFailed`` on field ``url``; unless private targets are allowed, every
    address its host resolves to must be public."""
    target: Target = parse_url(url)
    if not allow_private:
        try:
            public_address(target.host, target.port)
        except TargetRefused as exc:
            raise ValidationFailed(f"url is refused: {exc}", field="url") from None
    return target.url


def public_address(host: str, port: int) -> str:
    """The address to connect to, if every address ``host`` resolves to is public; else ``TargetRefused``."""
    return judge(host, resolve(host, port))


def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(f"{host} cannot be resolved ({exc})") from None
    return [ipaddress.ip_address(info[4][0]) for info in infos]
