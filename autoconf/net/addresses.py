"""The one address policy: which IP addresses a connection may go to, and in what order.

Both HTTP fetches and mail probes ask this module, so a blocked address is blocked for every
kind of connection alike.

- :func:`is_blocked` — with ``block_private_addresses``, every address that is not globally
  routable is refused: the IANA special-purpose blocks (private, loopback, link-local,
  carrier-grade NAT 100.64.0.0/10, documentation, benchmarking, multicast, reserved, ...), and
  IPv6 forms that carry such an IPv4 address inside (IPv4-mapped ``::ffff:0:0/96``, NAT64
  ``64:ff9b::/96`` and ``64:ff9b:1::/48``, 6to4 ``2002::/16``, Teredo ``2001::/32``).
  ``ipaddress.is_global`` is the base; the embedded forms are unpacked first because
  ``is_global`` judges only the outer address.
- :func:`pick_addresses` — at most :data:`MAX_ADDRESSES_PER_HOST` addresses of one host,
  IPv6 and IPv4 interleaved (RFC 8305, "Happy Eyeballs", §4), so a name with a thousand
  addresses costs a few connection attempts, not a thousand.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

__all__ = ["MAX_ADDRESSES_PER_HOST", "embedded_ipv4", "is_blocked", "pick_addresses"]

# Addresses of one host name tried at most (two of each family when both exist).
MAX_ADDRESSES_PER_HOST = 4

_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
_TEREDO = ipaddress.IPv6Network("2001::/32")


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4, Teredo), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64_WELL_KNOWN or address in _NAT64_LOCAL:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None and address in _SIX_TO_FOUR:
        return address.sixtofour
    if address.teredo is not None and address in _TEREDO:
        return address.teredo[1]  # the client's address (obfuscated in the packet, not here)
    return None


def is_blocked(ip: str) -> bool:
    """True when ``ip`` is not a globally routable unicast address (or cannot be read)."""
    try:
        address = ipaddress.ip_address(ip.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return True
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None:
            return not _global_unicast(inner)
    return not _global_unicast(address)


def _global_unicast(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_global and not address.is_multicast


def pick_addresses(ips: Iterable[str], *, limit: int = MAX_ADDRESSES_PER_HOST) -> list[str]:
    """At most ``limit`` distinct addresses, families interleaved, the first one's family first."""
    unique = list(dict.fromkeys(ips))
    if not unique:
        return []
    first_is_v6 = ":" in unique[0]
    first = [ip for ip in unique if (":" in ip) == first_is_v6]
    second = [ip for ip in unique if (":" in ip) != first_is_v6]
    chosen: list[str] = []
    for index in range(max(len(first), len(second))):
        chosen.extend(bucket[index] for bucket in (first, second) if index < len(bucket))
    return chosen[:limit]
