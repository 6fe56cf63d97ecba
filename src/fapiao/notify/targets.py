"""Which URLs a webhook may target. Webhooks must not become a way to reach internal services (SSRF), so
unless the settings allow private targets (the sandbox default), every address a host resolves to must be
public — checked when an endpoint is saved and again, on the address actually connected to, at send time
(a DNS answer can change in between)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from fapiao.domain.errors import ValidationFailed

MAX_URL_LENGTH = 2048
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(Exception):
    """The target resolves to an address webhooks may not reach, or does not resolve."""


def check_url(url: str, *, allow_private: bool) -> str:
    """The URL to store, or ``ValidationFailed`` on field ``url`` saying what is wrong with it."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise ValidationFailed(f"url must have 1 to {MAX_URL_LENGTH} characters", field="url")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValidationFailed("url must use http or https", field="url")
    if "@" in parts.netloc:
        raise ValidationFailed("url must not carry credentials; the signature authenticates us", field="url")
    if not parts.hostname:
        raise ValidationFailed("url has no host", field="url")
    if parts.fragment:
        raise ValidationFailed("url must not have a fragment", field="url")
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        raise ValidationFailed("url has an invalid port", field="url") from None
    if not allow_private:
        try:
            public_address(parts.hostname, port)
        except TargetRefused as exc:
            raise ValidationFailed(f"url is refused: {exc}", field="url") from None
    return url


def public_address(host: str, port: int) -> str:
    """The first address of ``host``, if every address it resolves to is public."""
    addresses = resolve(host, port)
    for address in addresses:
        if not is_public(address):
            raise TargetRefused(f"{host} resolves to {address}, a private, loopback or reserved address")
    return str(addresses[0])


def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(f"{host} cannot be resolved ({exc})") from None
    found = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not found:
        raise TargetRefused(f"{host} cannot be resolved")
    return found


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast
