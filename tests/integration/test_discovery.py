"""Discovery through every network source, against the real servers of the test world."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import time

import pytest

from autoconf import (
    AttemptStatus,
    DiscoveryResult,
    Mode,
    Options,
    Session,
    SourceName,
    WarningCode,
    discover,
)
from autoconf.cli import main
from tests.timing import halfway, soon_after
from tests.world import WorldInfo
from tests.world.library import WITHOUT_GUESS, library_options
from tests.world.library import cli_args as world_cli_args

pytestmark = pytest.mark.world

# scenario → (sources of the first incoming server, warning codes that must be present)
EXPECTED: dict[str, tuple[set[SourceName], set[WarningCode]]] = {
    "autoconfig": ({SourceName.AUTOCONFIG}, set()),
    "well-known": ({SourceName.AUTOCONFIG}, set()),
    "srv": ({SourceName.SRV}, set()),
    "mx-hosting": ({SourceName.MX}, set()),
    "ispdb": ({SourceName.ISPDB}, set()),
    "autodiscover": ({SourceName.AUTODISCOVER}, {WarningCode.REDIRECTED}),
    "http-only": ({SourceName.AUTOCONFIG_HTTP}, {WarningCode.INSECURE_SOURCE}),
    "disagree": ({SourceName.AUTOCONFIG}, {WarningCode.SOURCES_DISAGREE}),
    "idn": ({SourceName.AUTOCONFIG}, set()),
    "http-redirect": ({SourceName.AUTOCONFIG}, set()),
    "automx2": ({SourceName.AUTOCONFIG, SourceName.AUTODISCOVER}, set()),
    "wrong-name": ({SourceName.AUTOCONFIG}, set()),
    "expired": ({SourceName.AUTOCONFIG}, set()),
    "silent": ({SourceName.SRV}, set()),
    "endless-line": ({SourceName.SRV}, set()),
}
NOTHING_PUBLISHED = ("html-page", "redirect-loop")


def world_options(world: WorldInfo, **extra: object) -> Options:
    """Discovery only: no probes, no guessing (those are tested in test_probe.py)."""
    settings: dict[str, object] = {"verify": False, "sources": WITHOUT_GUESS}
    settings.update(extra)
    return library_options(world, **settings)


def cli_args(world: WorldInfo, address: str) -> list[str]:
    return [*world_cli_args(world, address), "--json", "--no-verify"]


def _first(servers: list[dict[str, object]]) -> tuple[object, object, object]:
    return servers[0]["host"], servers[0]["port"], servers[0]["security"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_api_finds_each_scenarios_first_servers(world: WorldInfo, name: str):
    """Each scenario yields its expected first servers, sources and warnings via the API."""
    scenario = world.scenarios[name]
    options = world_options(world, deadline=20.0)
    result = await discover(scenario.address, options=options)
    assert scenario.incoming is not None
    assert scenario.outgoing is not None
    first_in, first_out = result.incoming[0], result.outgoing[0]
    assert (first_in.host, first_in.port, first_in.security.value) == (
        scenario.incoming.host,
        scenario.incoming.port,
        scenario.incoming.security,
    ), result.attempts
    assert (first_out.host, first_out.port, first_out.security.value) == (
        scenario.outgoing.host,
        scenario.outgoing.port,
        scenario.outgoing.security,
    )
    sources, warnings = EXPECTED[name]
    assert set(first_in.sources) >= sources
    assert warnings <= {w.code for w in result.warnings}
    # Found before the deadline: the silent hosts of some scenarios cost their phase limits.
    longest_limit = max(options.connect_timeout, options.tls_timeout, options.first_byte_timeout)
    assert result.elapsed_ms < 1000 * halfway(longest_limit, options.deadline)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_cli_finds_each_scenarios_first_servers(world: WorldInfo, name: str):
    """The CLI with --json --no-verify --nameserver --ca-file --ispdb-url gives the same."""
    scenario = world.scenarios[name]
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [*cli_args(world, scenario.address), "--sources", ",".join(s.value for s in WITHOUT_GUESS)],
        stdout=out,
        stderr=err,
    )
    assert code == 0, err.getvalue()
    data = json.loads(out.getvalue())
    assert scenario.incoming is not None
    assert scenario.outgoing is not None
    assert _first(data["incoming"]) == (
        scenario.incoming.host,
        scenario.incoming.port,
        scenario.incoming.security,
    )
    assert _first(data["outgoing"]) == (
        scenario.outgoing.host,
        scenario.outgoing.port,
        scenario.outgoing.security,
    )


@pytest.mark.parametrize("name", NOTHING_PUBLISHED)
async def test_hostile_publications_find_nothing_and_say_why(world: WorldInfo, name: str):
    """An HTML page and redirect loops yield no servers, with the reason in the attempts."""
    result = await discover(world.scenarios[name].address, options=world_options(world))
    assert not result.incoming
    assert not result.outgoing
    details = " ".join(a.detail or "" for a in result.attempts if a.status is AttemptStatus.ERROR)
    assert ("HTML page" in details) if name == "html-page" else ("redirect loop" in details)


async def test_silent_source_is_a_timeout_and_the_rest_stands(world: WorldInfo):
    """A host that accepts and never speaks costs its phase limits, not the whole deadline."""
    # Phase limits of 1 s against a 20 s deadline: the silent host costs a few limits, at most
    # (connect, handshake, first byte), which a loaded machine stretches by a second or two.
    limits = {"connect_timeout": 1.0, "tls_timeout": 1.0, "first_byte_timeout": 1.0}
    options = world_options(world, deadline=20.0, **limits)
    started = time.perf_counter()
    result = await discover(world.scenarios["silent"].address, options=options)
    elapsed = time.perf_counter() - started
    assert elapsed < halfway(sum(limits.values()), options.deadline)
    statuses = {(a.source, a.status) for a in result.attempts}
    assert (SourceName.AUTOCONFIG, AttemptStatus.TIMEOUT) in statuses
    assert (SourceName.SRV, AttemptStatus.OK) in statuses
    assert result.incoming[0].host == "imap.silent.test"


async def test_thorough_run_returns_at_the_deadline(world: WorldInfo):
    """With a deadline shorter than the silent host's limits, the run ends at the deadline."""
    # Phase limits far longer than the deadline, so only the deadline can end the silent wait.
    options = world_options(world, deadline=3.0, tls_timeout=12.0, first_byte_timeout=12.0)
    started = time.perf_counter()
    result = await discover(world.scenarios["silent"].address, options=options)
    elapsed = time.perf_counter() - started
    assert options.deadline - 0.1 < elapsed < halfway(options.deadline, 12.0)
    by_source = {a.source: a.status for a in result.attempts}
    assert by_source[SourceName.AUTOCONFIG] is AttemptStatus.TIMEOUT
    assert result.incoming[0].host == "imap.silent.test"  # SRV answered in time


async def test_fast_mode_for_a_bundled_domain_makes_no_network_attempt(
    world: WorldInfo, monkeypatch: pytest.MonkeyPatch
):
    """Fast mode answers gmail.com from the bundled ISPDB without opening any socket."""
    opened: list[object] = []
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: object) -> None:
        opened.append(address)
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    result = await discover("someone@gmail.com", options=world_options(world, mode=Mode.FAST))
    assert opened == []
    assert result.incoming[0].host == "imap.gmail.com"
    network = [a for a in result.attempts if a.source is not SourceName.ISPDB_BUNDLED]
    assert network
    assert all(a.status is AttemptStatus.SKIPPED for a in network)


async def test_fast_mode_returns_before_slower_sources(world: WorldInfo):
    """Fast mode returns with the autoconfig answer while the silent source is still pending."""
    options = world_options(world, mode=Mode.FAST, deadline=20.0)
    started = time.perf_counter()
    result = await discover(world.scenarios["autoconfig"].address, options=options)
    assert time.perf_counter() - started < halfway(0.0, options.deadline)
    assert SourceName.AUTOCONFIG in result.incoming[0].sources


async def test_a_session_reuses_dns_and_documents(world: WorldInfo):
    """A second address at the same domain is answered from the session's caches."""
    options = world_options(world)
    async with Session(options) as session:
        await session.discover(world.scenarios["mx-hosting"].address)
        network = session.network()
        misses = network.cache.misses
        second = await session.discover("bob@" + world.scenarios["mx-hosting"].domain)
        assert network.cache.misses == misses  # every DNS answer came from the cache
        assert network.documents.hits > 0
    assert second.incoming[0].host == "imap.hostingco.test"
    assert second.incoming[0].username == "bob@mx-hosted.test"


async def test_block_private_addresses_refuses_loopback(world: WorldInfo):
    """With block_private_addresses, hosts on 127.0.0.0/8 are refused and the reason shown."""
    result = await discover(
        world.scenarios["autoconfig"].address,
        options=world_options(
            world, block_private_addresses=True, sources=frozenset({SourceName.AUTOCONFIG})
        ),
    )
    assert not result.incoming
    blocked = [a for a in result.attempts if a.status is AttemptStatus.BLOCKED]
    assert blocked
    assert all("private or local" in (a.detail or "") for a in blocked)


async def test_an_allowed_network_opens_only_its_range(world: WorldInfo):
    """allowed_networks lets block_private_addresses reach the world's range, and only it."""
    address = world.scenarios["autoconfig"].address
    opened = world_options(
        world,
        block_private_addresses=True,
        allowed_networks=("127.0.0.0/8",),
        sources=frozenset({SourceName.AUTOCONFIG}),
    )
    elsewhere = world_options(
        world,
        block_private_addresses=True,
        allowed_networks=("10.0.0.0/8",),
        sources=frozenset({SourceName.AUTOCONFIG}),
    )
    found = await discover(address, options=opened)
    refused = await discover(address, options=elsewhere)
    assert found.incoming
    assert AttemptStatus.OK in {a.status for a in found.attempts}
    assert not refused.incoming
    assert AttemptStatus.BLOCKED in {a.status for a in refused.attempts}
    assert AttemptStatus.BLOCKED not in {a.status for a in found.attempts}


async def test_certificate_failures_are_named(world: WorldInfo):
    """A wrong-name and an expired certificate are reported with their kind."""
    wrong = await discover(world.scenarios["wrong-name"].address, options=world_options(world))
    expired = await discover(world.scenarios["expired"].address, options=world_options(world))
    assert any("hostname-mismatch" in (a.detail or "") for a in wrong.attempts)
    assert any((a.detail or "").startswith("expired") for a in expired.attempts)


def test_cli_subprocess_is_hermetic(world: WorldInfo):
    """`python -m autoconf` in a fresh process finds the SRV scenario through the world only."""
    proc = subprocess.run(
        [sys.executable, "-m", "autoconf", *cli_args(world, world.scenarios["srv"].address)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["incoming"][0]["sources"] == ["srv"]


async def test_many_concurrent_discoveries_in_one_session_end_on_time(world: WorldInfo):
    """150 discoveries at once in one Session with a small bound: each finds its settings or
    ends by its deadline as a timeout, none outlives it, no descriptor is left open."""
    import asyncio
    import os

    from tests.world.library import PUBLISHED

    def fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    before = fds()
    options = world_options(world, deadline=10.0, max_discoveries=16, max_http_requests=16)
    domains = [world.scenarios[name].domain for name in PUBLISHED]

    async def one(session: Session, i: int) -> tuple[float, DiscoveryResult]:
        started = time.perf_counter()
        result = await session.discover(f"user{i}@{domains[i % len(domains)]}")
        return time.perf_counter() - started, result

    async with Session(options) as session:
        done = await asyncio.gather(*(one(session, i) for i in range(150)))
    await asyncio.sleep(0.1)
    assert max(seconds for seconds, _ in done) < soon_after(10.0)
    # Unloaded, all 150 find theirs in a few seconds. On a loaded machine the last of the queue
    # may still wait for a place at its deadline: it then ends as a timeout, with the reason.
    results = [result for _, result in done]
    assert sum(1 for r in results if r.incoming) >= 16  # the first admitted have time enough
    for r in results:
        assert r.incoming or any(a.status is AttemptStatus.TIMEOUT for a in r.attempts)
    assert fds() <= before


def _missing_domain(world: WorldInfo) -> str:
    """An address whose domain is inside a zone the world serves, so the DNS says NXDOMAIN."""
    return f"{world.user}@no-such-name.{world.scenarios['autoconfig'].domain}"


async def test_a_domain_that_does_not_exist_is_said_and_not_guessed(world: WorldInfo):
    """NXDOMAIN for the domain: domain_status not-found, attempts no-domain, guessing skipped."""
    from autoconf.models import DomainStatus

    result = await discover(_missing_domain(world), options=library_options(world, verify=False))
    assert result.domain_status is DomainStatus.NOT_FOUND
    statuses = {(a.source, a.status) for a in result.attempts}
    assert (SourceName.MX, AttemptStatus.NO_DOMAIN) in statuses
    assert (SourceName.SRV, AttemptStatus.NO_DOMAIN) in statuses
    guess = [a for a in result.attempts if a.source is SourceName.GUESS]
    assert [a.status for a in guess] == [AttemptStatus.SKIPPED]
    assert all(
        a.status is not AttemptStatus.EMPTY
        for a in result.attempts
        if a.source is not SourceName.ISPDB_BUNDLED and a.source is not SourceName.ISPDB
    )
    out, err = io.StringIO(), io.StringIO()
    assert (
        main(world_cli_args(world, _missing_domain(world), "--no-verify"), stdout=out, stderr=err)
        == 1
    )
    assert "does not exist" in out.getvalue()
    assert "check the spelling of the domain, or ask" not in out.getvalue()


async def test_no_working_dns_is_said_with_the_offline_hint(world: WorldInfo):
    """The domain and even the ISPDB's host unresolvable: dns-down, attempts unresolved."""
    from autoconf.models import DomainStatus

    ispdb = f"https://no-such-ispdb.{world.scenarios['autoconfig'].domain}/v1.1/"
    options = library_options(world, verify=False, ispdb_url=ispdb)
    result = await discover(_missing_domain(world), options=options)
    assert result.domain_status is DomainStatus.DNS_DOWN
    network = [
        a for a in result.attempts if a.source not in (SourceName.LOCAL, SourceName.ISPDB_BUNDLED)
    ]
    assert AttemptStatus.UNRESOLVED in {a.status for a in network}
    assert all(a.status is not AttemptStatus.EMPTY for a in network)
    out, err = io.StringIO(), io.StringIO()
    args = [*world_cli_args(world, _missing_domain(world), "--no-verify")]
    args[args.index("--ispdb-url") + 1] = ispdb
    assert main(args, stdout=out, stderr=err) == 1
    assert "DNS or network looks down" in out.getvalue()
    assert "--offline" in out.getvalue()
