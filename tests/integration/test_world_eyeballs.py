"""Happy Eyeballs against the world: an IPv4 address that drops SYNs does not hold anyone up."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from autoconf import Options, ServerSettings, SourceName, TlsStatus, discover
from autoconf.net.dns import DnsClient
from autoconf.net.tls import make_ssl_context
from autoconf.options import Deadline
from autoconf.probe.driver import probe_server
from tests.world import WorldInfo
from tests.world.library import WITHOUT_GUESS, library_options

pytestmark = pytest.mark.world

# The rule: a dropped address costs about the attempt delay (0.25 s), not the connect limit.
# Asserted with a margin for a loaded machine, still well under the 3 s limit it replaces.
WELL_UNDER_THE_CONNECT_LIMIT = Options().connect_timeout / 2


def test_the_dropped_address_drops_syns_rather_than_refusing(world: WorldInfo) -> None:
    """The dual-stack scenario's IPv4 address gives no answer at all to a connection attempt."""
    ip, port = world.hostile["dropped-https"]
    with socket.socket() as sock:
        sock.settimeout(0.5)
        with pytest.raises(TimeoutError):
            sock.connect((ip, port))


async def test_autoconfig_behind_a_dropped_ipv4_address_is_found_over_ipv6(world: WorldInfo):
    """autoconfig.{d} (A: SYNs dropped, AAAA: nginx on ::1) answers in well under 3 s."""
    options = library_options(world, sources=frozenset({SourceName.AUTOCONFIG}), verify=False)
    started = time.perf_counter()
    result = await discover(world.address("dual-stack"), options=options)
    elapsed = time.perf_counter() - started
    d = world.domains["dual-stack"]
    found = [
        a
        for a in result.attempts
        if a.source is SourceName.AUTOCONFIG and a.target.startswith("https://autoconfig.")
    ]
    assert [a.status.value for a in found] == ["ok"]
    assert result.incoming[0].host == f"imap.{d}"
    # The fetch itself, then the whole call (which also builds its network first).
    assert found[0].elapsed_ms < WELL_UNDER_THE_CONNECT_LIMIT * 1000, found[0].elapsed_ms
    assert elapsed < Options().connect_timeout, f"{elapsed:.2f} s"


async def test_a_mail_server_behind_a_dropped_ipv4_address_is_probed_over_ipv6(world: WorldInfo):
    """imap6.{d} (A: SYNs dropped, AAAA: Dovecot on ::1) is verified over IPv6, quickly."""
    d = world.domains["dual-stack"]
    server = ServerSettings(protocol="imap", host=f"imap6.{d}", port=993, security="tls")
    started = time.perf_counter()
    v = await probe_server(
        server,
        dns=DnsClient(nameservers=(world.nameserver,)),
        ssl_context=make_ssl_context(ca_file=Path(world.ca_file)),
        deadline=Deadline(10),
    )
    elapsed = time.perf_counter() - started
    assert v.reachable
    assert v.tls is TlsStatus.OK
    assert v.address == "::1"
    assert v.elapsed_ms < WELL_UNDER_THE_CONNECT_LIMIT * 1000, v.elapsed_ms
    assert elapsed < Options().connect_timeout, f"{elapsed:.2f} s"


async def test_a_verified_discovery_of_the_dual_stack_domain_is_not_held_up(world: WorldInfo):
    """With every source but guessing and verification on, the dropped address holds no one."""
    options = library_options(world, sources=WITHOUT_GUESS)
    started = time.perf_counter()
    result = await discover(world.address("dual-stack"), options=options)
    elapsed = time.perf_counter() - started
    d = world.domains["dual-stack"]
    first = result.incoming[0]
    assert (first.host, first.port) == (f"imap.{d}", 993)
    assert first.verification is not None
    assert first.verification.tls is TlsStatus.OK
    assert elapsed < Options().connect_timeout, f"{elapsed:.2f} s"  # before: 3 s and more
