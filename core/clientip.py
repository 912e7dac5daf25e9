"""The client's address, and which proxies may tell us what it is.

Behind a proxy every request comes from the proxy's address, so the client's one has to be
read from a header the proxy sets (CLIENT_IP_HEADER, e.g. HTTP_X_REAL_IP or
HTTP_X_FORWARDED_FOR). Anybody can send that header, so it is believed only when the request
comes straight from a proxy listed in TRUSTED_PROXIES (addresses or CIDR networks; by default
loopback, where the shipped nginx runs). From any other peer the header is ignored and the
peer's own address is the client's: per-IP rate limits and IP bans cannot be dodged by
writing a header. The same rule decides whether X-Forwarded-Proto is believed
(`ProxyHeadersMiddleware`).

In a chain such as `X-Forwarded-For: <forged>, <client>, <proxy 1>` each proxy appends the
address it saw, so the client is the right-most address that is not one of our proxies;
everything left of it was written by the client and is ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Headers only a trusted proxy may set; from anyone else they are removed before any view
# or middleware (Django's is_secure() reads the first one) can believe them.
PROXY_ONLY_HEADERS = ("HTTP_X_FORWARDED_PROTO",)


@lru_cache(maxsize=8)
def _trusted(values: tuple[str, ...]) -> tuple[Network, ...]:
    # Settings checked the values at start-up (core.env.envnetworks).
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def address_parse(value: str) -> Address | None:
    """An address as proxies write it: `203.0.113.7`, `203.0.113.7:5123`, `[2001:db8::1]:443`
    or `2001:db8::1`. IPv4-mapped IPv6 becomes IPv4. None if it is not an address."""
    value = value.strip().strip('"')
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted_proxy(address: Address | None) -> bool:
    """Whether `address` is one of TRUSTED_PROXIES."""
    if address is None:
        return False
    return any(address in network for network in _trusted(tuple(settings.TRUSTED_PROXIES)))


def peer_is_trusted(request: HttpRequest) -> bool:
    """Whether the request came straight from a trusted proxy (REMOTE_ADDR)."""
    return is_trusted_proxy(address_parse(request.META.get("REMOTE_ADDR") or ""))


def client_ip(request: HttpRequest) -> str:
    """The client's IP address as text ("203.0.113.7", "2001:db8::1").

    CLIENT_IP_HEADER is read only when the peer is a trusted proxy; its right-most address
    that is not itself a trusted proxy is the client's. Without a usable header the peer's
    address is the client's. Never raises; "" only when the server gave no address at all.
    """
    remote = request.META.get("REMOTE_ADDR") or ""
    peer = address_parse(remote)
    header = settings.CLIENT_IP_HEADER
    if header == "REMOTE_ADDR" or not is_trusted_proxy(peer):
        return str(peer) if peer is not None else remote
    raw = request.META.get(header) or ""
    client = peer
    for part in reversed(raw.split(",")):
        address = address_parse(part)
        if address is None:
            # Not an address: whoever wrote it is not a proxy of ours; stop at the last hop
            # we could read.
            break
        client = address
        if not is_trusted_proxy(address):
            break
    return str(client) if client is not None else remote


class ProxyHeadersMiddleware:
    """Drop the headers only our proxies may set (X-Forwarded-Proto) from other peers.

    Django's `request.is_secure()` believes SECURE_PROXY_SSL_HEADER from anyone; with this
    first in the chain, a client talking to the app directly cannot make it think the
    request came over HTTPS.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not peer_is_trusted(request):
            for name in PROXY_ONLY_HEADERS:
                request.META.pop(name, None)
        return self.get_response(request)


def ip_anonymise(ip: str | None) -> str | None:
    """Keep the network, drop the host: 203.0.113.7 -> 203.0.113.0, IPv6 to its /48
    (an IPv4-mapped IPv6 address as the IPv4 address it is)."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # ::ffff:203.0.113.7 is an IPv4 reader
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)
