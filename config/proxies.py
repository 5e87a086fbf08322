"""The client's address, for rate limits and logs: ``client_ip(request)``, the one place it is decided.

``X-Forwarded-For`` is written by whoever sends the request, so it is believed only from our own
reverse proxies, the networks in ``TRUSTED_PROXIES`` (settings; empty by default):

- ``REMOTE_ADDR`` not in a trusted network (no proxy in front, or a client that reached the
  server directly): the address is ``REMOTE_ADDR``, whatever the headers say.
- ``REMOTE_ADDR`` trusted: ``X-Forwarded-For`` is read from the right, skipping addresses that are
  themselves trusted proxies (several hops: CDN, load balancer, nginx); the first one that is not
  trusted is the client, as our outermost proxy saw it. What the client wrote further left is
  never read. An entry that is not an address stops the walk at the last trusted hop; if every
  entry is trusted, the left-most is the client (a request from inside our own network).

Used by the API's throttles (``api.throttling``), allauth's log-in limits (the account adapter,
``accounts.adapter``) and the request logs (``config.logs``). Imports nothing of the project's.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: list[str] | tuple[str, ...]) -> tuple[Network, ...]:
    """CIDRs or single addresses (``10.0.0.0/8``, ``192.0.2.7``, ``::1``); ValueError names a bad one."""
    networks = []
    for value in values:
        text = value.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError(f"{text!r} is not an IP address or network (CIDR)") from None
    return tuple(networks)


@lru_cache(maxsize=8)
def _trusted(values: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(values)


def trusted_networks() -> tuple[Network, ...]:
    return _trusted(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def parse_address(text: str | None) -> Address | None:
    """An address as proxies write it: ``192.0.2.1``, ``2001:db8::1``, also ``192.0.2.1:443`` and
    ``[2001:db8::1]:443``; IPv4-mapped IPv6 as IPv4. None when it is not an address."""
    text = (text or "").strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_ip(request) -> str | None:
    """The client's address (see the module's docstring); None only when ``REMOTE_ADDR`` is missing."""
    remote = request.META.get("REMOTE_ADDR")
    networks = trusted_networks()
    peer = parse_address(remote)
    if peer is None:
        return remote or None
    if not networks or not is_trusted(peer, networks):
        return str(peer)
    client = peer
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        if not hop.strip():
            continue
        address = parse_address(hop)
        if address is None:
            break
        client = address
        if not is_trusted(address, networks):
            break
    return str(client)
