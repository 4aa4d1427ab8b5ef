"""The SSRF guard: webhook targets may not be private, loopback or link-local addresses,
nor IPv6 forms that carry one (6to4, NAT64, IPv4-mapped, -compatible, -translated,
Teredo) or reach a site's own network (site-local, local-use NAT64).

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
        """Why ``address`` is refused, or None when it may be reached.

        An IPv6 address that carries an IPv4 one (IPv4-mapped, -compatible and
        -translated, 6to4, NAT64) is judged by that IPv4 address too: the network
        delivers it there (``2002:7f00:1::1`` is 127.0.0.1 through 6to4). Site-local,
        local-use NAT64 and Teredo addresses are refused whatever they carry.
        """
        if self.allow_private:
            return None
        try:
            ip: IpAddress = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return f"{address!r} is not an IP address"
        if isinstance(ip, ipaddress.IPv6Address):
            for network, kind in _REFUSED_IPV6:
                if ip in network:
                    return kind
            embedded = _embedded_ipv4(ip)
            if embedded is not None:
                form, inner = embedded
                reason = self.refuses(str(inner))
                if reason is not None:
                    return f"{reason} ({inner}) inside {form}"
                if form in _TRANSLATED:  # reached at the IPv4 address alone
                    return None
        return _non_global(ip)


# IPv6 blocks refused whatever they carry: site-local (RFC 3879 deprecated it, some
# networks still route it), the local-use NAT64 prefix (RFC 8215: a site's own
# translators, towards any IPv4 address of the site), and Teredo (RFC 4380: a tunnel
# whose relay decides where the packet goes).
_REFUSED_IPV6 = (
    (ipaddress.IPv6Network("fec0::/10"), "a site-local address"),
    (ipaddress.IPv6Network("64:ff9b:1::/48"), "a local-use NAT64 address"),
    (ipaddress.IPv6Network("2001::/32"), "a Teredo address"),
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052's well-known prefix
_COMPATIBLE = ipaddress.IPv6Network("::/96")  # ::a.b.c.d, deprecated by RFC 4291
_TRANSLATED_BLOCK = ipaddress.IPv6Network("::ffff:0:0:0/96")  # SIIT, RFC 2765
# Forms whose packets reach the IPv4 address through a translator: judged by it alone
# (an IPv6-only host behind DNS64 sees every IPv4 site as 64:ff9b::a.b.c.d).
_TRANSLATED = ("an IPv4-mapped address", "a NAT64 address")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    """The IPv4 address ``ip`` carries, and the form that carries it, if any."""
    if ip.ipv4_mapped is not None:
        return "an IPv4-mapped address", ip.ipv4_mapped
    if ip.sixtofour is not None:
        return "a 6to4 address", ip.sixtofour
    last32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _NAT64:
        return "a NAT64 address", last32
    if ip in _TRANSLATED_BLOCK:
        return "an IPv4-translated address", last32
    if ip in _COMPATIBLE and int(ip) > 1:  # not :: nor ::1
        return "an IPv4-compatible address", last32
    return None


def _non_global(ip: IpAddress) -> str | None:
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
