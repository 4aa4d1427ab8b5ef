"""The SSRF guard: webhook targets may not be private, loopback or link-local addresses.

A publisher gives a URL; the gateway's worker will POST to it from inside the
platform's network. Without this guard a URL could reach the metadata service
(169.254.169.254), the database or Redis on loopback, or any internal host. The
check runs twice: when the URL is registered (a clear 422 for the publisher), and
on every connection against the address actually connected to, so a DNS name that
first resolved to a public address and later to a private one (DNS rebinding)
is refused too.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from civic.connectors.webhooks.interfaces import WebhookError

Resolver = Callable[[str, int], Iterable[str]]
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(WebhookError):  # noqa: N818 - reads as what happened to the target
    """The URL is not an http(s) URL, or its host is or resolves to a refused address."""


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which addresses webhooks may reach.

    ``allow_private`` lets tests post to a receiver on loopback; it must stay off in
    production (the settings refuse nothing, but the default is off).
    """

    allow_private: bool = False

    def refuses(self, address: str) -> str | None:
        """Why ``address`` is refused, or None when it may be reached."""
        if self.allow_private:
            return None
        try:
            ip: IpAddress = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return f"{address!r} is not an IP address"
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
        for refused, kind in (
            (ip.is_loopback, "a loopback address"),
            (ip.is_link_local, "a link-local address"),
            (ip.is_private, "a private address"),
            (ip.is_multicast or ip.is_unspecified or ip.is_reserved, "a reserved address"),
            (not ip.is_global, "a non-global address"),
        ):
            if refused:
                return kind
        return None


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6). Raises ``OSError`` on failure."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def check_target(
    url: str, policy: AddressPolicy, *, resolver: Resolver = system_resolver
) -> list[str]:
    """Check that ``url`` is http(s) and that every address of its host may be reached.

    Returns the addresses. Raises :class:`TargetRefused` otherwise (including when
    the name does not resolve: a URL nobody can reach is refused at registration).
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise TargetRefused("a webhook URL must be an http or https URL with a host")
    if parts.username or parts.password:
        raise TargetRefused("a webhook URL may not carry credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise TargetRefused(f"invalid port: {error}") from None
    try:
        addresses = list(resolver(parts.hostname, port))
    except OSError as error:
        raise TargetRefused(f"the host {parts.hostname!r} does not resolve: {error}") from None
    if not addresses:
        raise TargetRefused(f"the host {parts.hostname!r} has no address")
    for address in addresses:
        reason = policy.refuses(address)
        if reason is not None:
            raise TargetRefused(f"the host {parts.hostname!r} is {reason} ({address})")
    return addresses
