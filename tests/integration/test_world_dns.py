"""The world's nameserver answers what each scenario claims, and nothing outside the world."""

from __future__ import annotations

import dns.resolver
import pytest

from tests.world import WorldInfo
from tests.world.client import resolver

pytestmark = pytest.mark.world


def _rrs(world: WorldInfo, name: str, rtype: str) -> list[str]:
    return sorted(rr.to_text() for rr in resolver(world).resolve(name, rtype))


def test_every_zone_has_soa_and_ns(world: WorldInfo) -> None:
    """Each zone is authoritative: one SOA, an NS whose name has an A record."""
    for zone in world.zones:
        assert len(_rrs(world, zone, "SOA")) == 1
        (ns,) = _rrs(world, zone, "NS")
        assert _rrs(world, ns, "A") == [world.nameserver[0]]


def test_every_host_resolves_to_its_address(world: WorldInfo) -> None:
    """Every host name in the world's host map has exactly that A record."""
    assert len(world.hosts) > 40
    for host, ip in world.hosts.items():
        assert _rrs(world, host, "A") == [ip], host


def test_every_expected_server_host_resolves(world: WorldInfo) -> None:
    """The hosts each scenario expects a client to find are in the DNS."""
    for s in world.scenarios.values():
        for expect in (s.incoming, s.outgoing):
            if expect is not None:
                assert world.hosts[expect.host] == _rrs(world, expect.host, "A")[0]


def test_srv_scenario_publishes_rfc6186_and_rfc8314_records(world: WorldInfo) -> None:
    """srv-only.test has submissions/submission/imaps/imap/pop3s SRV and a '.' target for pop3."""
    d = world.domains["srv"]
    assert _rrs(world, f"_submissions._tcp.{d}", "SRV") == [f"0 1 465 smtp.{d}."]
    assert _rrs(world, f"_submission._tcp.{d}", "SRV") == [f"10 1 587 smtp.{d}."]
    assert _rrs(world, f"_imaps._tcp.{d}", "SRV") == [f"0 1 993 imap.{d}."]
    assert _rrs(world, f"_imap._tcp.{d}", "SRV") == [f"10 1 143 imap.{d}."]
    assert _rrs(world, f"_pop3s._tcp.{d}", "SRV") == [f"20 1 995 pop.{d}."]
    assert _rrs(world, f"_pop3._tcp.{d}", "SRV") == ["0 0 0 ."]
    with pytest.raises(dns.resolver.NXDOMAIN):
        resolver(world).resolve(f"autoconfig.{d}", "A")


def test_mx_scenario_points_at_the_hosting_company(world: WorldInfo) -> None:
    """mx-hosted.test's only clue is an MX at mx1.hostingco.test (no SRV, no autoconfig host)."""
    d = world.domains["mx-hosting"]
    assert _rrs(world, d, "MX") == ["10 mx1.hostingco.test."]
    assert _rrs(world, "mx1.hostingco.test", "A") == [world.hosts["smtp.hostingco.test"]]
    for name in (f"autoconfig.{d}", f"imap.{d}", f"smtp.{d}"):
        with pytest.raises(dns.resolver.NXDOMAIN):
            resolver(world).resolve(name, "A")


def test_disagree_scenario_srv_names_other_servers(world: WorldInfo) -> None:
    """srv-vs-autoconfig.test's SRV records point elsewhere than its autoconfig file."""
    d = world.domains["disagree"]
    assert _rrs(world, f"_imap._tcp.{d}", "SRV") == [f"0 1 143 imap2.{d}."]
    assert _rrs(world, f"_submission._tcp.{d}", "SRV") == [f"0 1 587 smtp2.{d}."]
    assert world.scenarios["disagree"].incoming is not None
    assert world.scenarios["disagree"].incoming.host == f"imap.{d}"


def test_guess_scenario_publishes_only_hosts(world: WorldInfo) -> None:
    """guess-only.test has imap./smtp. A records and no MX, SRV or autoconfig names."""
    d = world.domains["guess"]
    assert _rrs(world, f"imap.{d}", "A")
    assert _rrs(world, f"smtp.{d}", "A")
    r = resolver(world)
    with pytest.raises(dns.resolver.NoAnswer):
        r.resolve(d, "MX")
    for name, rtype in (
        (f"_imaps._tcp.{d}", "SRV"),
        (f"autoconfig.{d}", "A"),
        (f"autodiscover.{d}", "A"),
    ):
        with pytest.raises(dns.resolver.NXDOMAIN):
            r.resolve(name, rtype)


def test_idn_zone_is_served_in_punycode(world: WorldInfo) -> None:
    """The IDN scenario's zone is bücher.test in its IDNA (xn--) form."""
    d = world.domains["idn"]
    assert d == "bücher.test".encode("idna").decode()
    assert _rrs(world, f"autoconfig.{d}", "A") == [world.hosts[f"autoconfig.{d}"]]


def test_hostile_hosts_point_at_hostile_addresses(world: WorldInfo) -> None:
    """wrong-name, expired, silent and endless-line hosts sit on their own addresses."""
    ips = {
        name: world.hosts[f"imap.{world.domains[name]}"]
        for name in ("wrong-name", "expired", "silent", "endless-line")
    }
    assert len(set(ips.values())) == 4
    assert world.hosts["imap.guess-only.test"] not in ips.values()


def test_names_outside_the_world_do_not_exist(world: WorldInfo) -> None:
    """Outside the world's zones, its own root answers at once that nothing is there (no
    recursion, no timeout): NXDOMAIN, or no data for a name above a world zone."""
    with pytest.raises(dns.resolver.NXDOMAIN):
        resolver(world).resolve("example.com", "MX")
    with pytest.raises(dns.resolver.NoAnswer):
        resolver(world).resolve("gmail.com", "MX")  # above the world's imap.gmail.com zone
