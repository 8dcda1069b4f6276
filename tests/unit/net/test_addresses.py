"""The one address policy: every IANA special-purpose block refused, global addresses kept."""

from __future__ import annotations

import ipaddress

import pytest

from autoconf.net.addresses import (
    MAX_ADDRESSES_PER_HOST,
    SPECIAL_PURPOSE,
    AddressPolicy,
    is_blocked,
    permitted,
    pick_addresses,
)

# One address from every block of the IANA IPv4 Special-Purpose Address Registry.
IPV4_SPECIAL = {
    "0.0.0.0/8 this network": "0.1.2.3",
    "0.0.0.0/32 this host": "0.0.0.0",
    "10.0.0.0/8 private": "10.0.0.1",
    "100.64.0.0/10 shared (CGN)": "100.64.0.1",
    "100.64.0.0/10 cloud metadata": "100.100.100.200",
    "100.64.0.0/10 last": "100.127.255.254",
    "127.0.0.0/8 loopback": "127.0.0.1",
    "169.254.0.0/16 link-local": "169.254.169.254",
    "172.16.0.0/12 private": "172.31.255.255",
    "192.0.0.0/24 IETF protocol assignments": "192.0.0.1",
    "192.0.0.0/29 DS-Lite": "192.0.0.2",
    "192.0.0.8/32 IPv4 dummy": "192.0.0.8",
    "192.0.0.9/32 PCP anycast": "192.0.0.9",
    "192.0.0.10/32 TURN anycast": "192.0.0.10",
    "192.0.0.170/32 NAT64 discovery": "192.0.0.170",
    "192.0.0.171/32 DNS64 discovery": "192.0.0.171",
    "192.0.2.0/24 TEST-NET-1": "192.0.2.1",
    "192.31.196.0/24 AS112-v4": "192.31.196.1",
    "192.52.193.0/24 AMT": "192.52.193.1",
    "192.88.99.0/24 6to4 relay anycast": "192.88.99.1",
    "192.168.0.0/16 private": "192.168.1.1",
    "192.175.48.0/24 AS112 direct delegation": "192.175.48.1",
    "198.18.0.0/15 benchmarking": "198.19.255.1",
    "198.51.100.0/24 TEST-NET-2": "198.51.100.1",
    "203.0.113.0/24 TEST-NET-3": "203.0.113.1",
    "224.0.0.0/4 multicast": "224.0.0.251",
    "239.0.0.0/8 admin-scoped multicast": "239.255.255.250",
    "240.0.0.0/4 reserved": "240.0.0.1",
    "255.255.255.255/32 limited broadcast": "255.255.255.255",
}

# One address from every block of the IANA IPv6 Special-Purpose Address Registry, and the
# forms that carry a non-global IPv4 address inside.
IPV6_SPECIAL = {
    "::1/128 loopback": "::1",
    "::/128 unspecified": "::",
    "::ffff:0:0/96 IPv4-mapped private": "::ffff:10.0.0.1",
    "::ffff:0:0/96 IPv4-mapped CGN": "::ffff:100.64.0.1",
    "::/96 IPv4-compatible (deprecated)": "::10.0.0.1",
    "64:ff9b::/96 NAT64 of private": "64:ff9b::a00:1",
    "64:ff9b::/96 NAT64 of loopback": "64:ff9b::7f00:1",
    "64:ff9b:1::/48 local-use translation": "64:ff9b:1::808:808",
    "100::/64 discard-only": "100::1",
    "100:0:0:1::/64 dummy prefix": "100:0:0:1::1",
    "2001::/23 IETF protocol assignments": "2001:1ff::1",
    "2001::/32 Teredo": "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "2001:1::1/128 PCP anycast": "2001:1::1",
    "2001:1::2/128 TURN anycast": "2001:1::2",
    "2001:1::3/128 DNS-SD SRP anycast": "2001:1::3",
    "2001:2::/48 benchmarking": "2001:2::1",
    "2001:3::/32 AMT": "2001:3::1",
    "2001:4:112::/48 AS112-v6": "2001:4:112::1",
    "2001:10::/28 ORCHID (deprecated)": "2001:10::1",
    "2001:20::/28 ORCHIDv2": "2001:20::1",
    "2001:30::/28 drone remote ID": "2001:30::1",
    "2001:db8::/32 documentation": "2001:db8::1",
    "2002::/16 6to4 of private": "2002:0a00:0001::1",
    "2002::/16 6to4 of CGN": "2002:6440:0001::1",
    "2620:4f:8000::/48 AS112 direct delegation": "2620:4f:8000::1",
    "3fff::/20 documentation": "3fff::1",
    "5f00::/16 SRv6 SIDs": "5f00::1",
    "fc00::/7 unique local": "fd00::1",
    "fe80::/10 link-local": "fe80::1",
    "fe80::/10 link-local with zone": "fe80::1%eth0",
    "fec0::/10 site-local (deprecated)": "fec0::1",
    "ff00::/8 multicast": "ff02::1",
    "ff0e::/16 global-scope multicast": "ff0e::1",
}

GLOBAL = [
    "8.8.8.8",
    "1.1.1.1",
    "193.0.0.1",
    "100.63.255.255",  # just below 100.64.0.0/10
    "100.128.0.1",  # just above it
    "172.32.0.1",  # just above 172.16.0.0/12
    "2606:4700:4700::1111",
    "2a00:1450:4001:80b::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:0808:0808::1",
]


@pytest.mark.parametrize(("block", "ip"), sorted({**IPV4_SPECIAL, **IPV6_SPECIAL}.items()))
def test_every_special_purpose_block_is_refused(block: str, ip: str):
    """An address from each IANA special-purpose block (and embedded forms) is blocked."""
    assert is_blocked(ip), block


@pytest.mark.parametrize("ip", GLOBAL)
def test_global_unicast_addresses_pass(ip: str):
    """Globally routable unicast addresses, also just beside a special block, are allowed."""
    assert not is_blocked(ip)


def test_the_table_covers_every_listed_block():
    """Every network of SPECIAL_PURPOSE has an address in the test tables (none untested)."""
    tested = [
        ipaddress.ip_address(ip.split("%")[0]) for ip in {**IPV4_SPECIAL, **IPV6_SPECIAL}.values()
    ]
    for block in SPECIAL_PURPOSE:
        assert any(a.version == block.version and a in block for a in tested), block


def test_unreadable_addresses_are_blocked():
    """Text that is not an IP address is refused, not let through."""
    assert is_blocked("not-an-ip")
    assert is_blocked("")


def test_pick_interleaves_families_and_caps_the_count():
    """A thousand addresses give at most four, IPv6 and IPv4 alternating, first family first."""
    v4 = [f"10.{i // 256}.{i % 256}.1" for i in range(1000)]
    v6 = [f"2001:db8::{i:x}" for i in range(49)]
    picked = pick_addresses(v4 + v6)
    assert len(picked) == MAX_ADDRESSES_PER_HOST
    assert [":" in ip for ip in picked] == [False, True, False, True]
    assert pick_addresses(["1.1.1.1", "1.1.1.1"]) == ["1.1.1.1"]
    assert pick_addresses([]) == []


def test_an_allowed_network_lets_its_private_addresses_through():
    """allowed_networks exempts its ranges from block_private, and nothing else."""
    policy = AddressPolicy(block_private=True, allowed=(ipaddress.ip_network("10.1.0.0/16"),))
    assert permitted(["10.1.2.3", "10.2.0.1", "127.0.0.1", "8.8.8.8"], policy) == [
        "10.1.2.3",
        "8.8.8.8",
    ]
    assert permitted(["127.0.0.1"], AddressPolicy()) == ["127.0.0.1"]
    assert permitted(["127.0.0.1", "not-an-ip"], True) == []
    assert not AddressPolicy()
    assert AddressPolicy(block_private=True)
