"""The one address policy: which IP addresses a connection may go to, and in what order.

Both HTTP fetches and mail probes ask this module, so a blocked address is blocked for every
kind of connection alike.

- :func:`is_blocked` — with ``block_private_addresses``, every address that is not globally
  routable is refused: the IANA special-purpose blocks (private, loopback, link-local,
  carrier-grade NAT 100.64.0.0/10, documentation, benchmarking, multicast, reserved, ...), and
  IPv6 forms that carry such an IPv4 address inside (IPv4-mapped ``::ffff:0:0/96``, NAT64
  ``64:ff9b::/96`` and ``64:ff9b:1::/48``, 6to4 ``2002::/16``, Teredo ``2001::/32``).
  ``ipaddress.is_global`` is the base; the embedded forms are unpacked first because
  ``is_global`` judges only the outer address. On top, every block of the IANA IPv4 and IPv6
  Special-Purpose Address Registries is refused outright (:data:`SPECIAL_PURPOSE`), also the
  anycast service blocks IANA marks globally reachable (AS112, AMT, PCP/TURN anycast): no
  provider's mail or web server lives there, and the answer must not depend on which Python
  release's ``is_global`` table happens to be installed.
- :class:`AddressPolicy` and :func:`permitted` — the policy of a session
  (``block_private_addresses`` with the ``allowed_networks`` it still lets through) applied to a
  host's addresses; both the HTTP transport and the probe driver filter through it.
- :func:`pick_addresses` — at most :data:`MAX_ADDRESSES_PER_HOST` addresses of one host,
  IPv6 and IPv4 interleaved (RFC 8305, "Happy Eyeballs", §4), so a name with a thousand
  addresses costs a few connection attempts, not a thousand.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "MAX_ADDRESSES_PER_HOST",
    "SPECIAL_PURPOSE",
    "AddressPolicy",
    "embedded_ipv4",
    "is_blocked",
    "permitted",
    "pick_addresses",
]

# Addresses of one host name tried at most (two of each family when both exist).
MAX_ADDRESSES_PER_HOST = 4

_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
_TEREDO = ipaddress.IPv6Network("2001::/32")

# The IANA IPv4 and IPv6 Special-Purpose Address Registries (as of 2025), plus multicast,
# the deprecated site-local and IPv4-compatible IPv6 forms.
SPECIAL_PURPOSE: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = tuple(
    ipaddress.ip_network(block)
    for block in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # shared address space (carrier-grade NAT; cloud metadata)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments (incl. PCP/TURN anycast, NAT64 DNS64)
        "192.0.2.0/24",  # documentation TEST-NET-1
        "192.31.196.0/24",  # AS112-v4
        "192.52.193.0/24",  # AMT
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",  # private
        "192.175.48.0/24",  # direct delegation AS112 service
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation TEST-NET-2
        "203.0.113.0/24",  # documentation TEST-NET-3
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved (and 255.255.255.255, limited broadcast)
        "::/96",  # unspecified, IPv4-compatible (deprecated)
        "::1/128",  # loopback
        "64:ff9b:1::/48",  # local-use IPv4/IPv6 translation
        "100::/64",  # discard-only
        "100:0:0:1::/64",  # dummy IPv6 prefix
        "2001::/23",  # IETF protocol assignments (Teredo, benchmarking, ORCHID, AMT, ...)
        "2001:db8::/32",  # documentation
        "2620:4f:8000::/48",  # direct delegation AS112 service
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing (SRv6) SIDs
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)


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
        if inner is not None:  # the outer prefix may be special itself (Teredo, local NAT64)
            return _special(address) or not _global_unicast(inner)
    return not _global_unicast(address)


def _special(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(address in block for block in SPECIAL_PURPOSE if block.version == address.version)


def _global_unicast(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_global and not address.is_multicast and not _special(address)


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which addresses a session may connect to: with ``block_private``, only globally routable
    ones, apart from those inside one of ``allowed`` (the exceptions a deployment names)."""

    block_private: bool = False
    allowed: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    def __bool__(self) -> bool:
        return self.block_private

    def refuses(self, ip: str) -> bool:
        """True when a connection to ``ip`` is not allowed."""
        if not self.block_private or not is_blocked(ip):
            return False
        try:
            address = ipaddress.ip_address(ip.split("%", 1)[0])
        except ValueError:
            return True
        return not any(address in network for network in self.allowed)


def permitted(ips: Iterable[str], policy: AddressPolicy | bool) -> list[str]:
    """The addresses of ``ips`` that ``policy`` allows (``True``: block every private one)."""
    if isinstance(policy, bool):
        policy = AddressPolicy(block_private=policy)
    return [ip for ip in ips if not policy.refuses(ip)]


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
