"""The guess source looks its host names up first and probes only hosts that exist."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest

from autoconf import Options, parse_address
from autoconf._data import default_ispdb
from autoconf.models import AttemptStatus, FailureKind, Verification
from autoconf.net.cache import TTLCache
from autoconf.net.session import HostSlots
from autoconf.options import Deadline
from autoconf.probe import driver
from autoconf.sources import guess
from autoconf.sources.base import SourceContext
from autoconf.sources.guess import GuessSource, guess_tries
from tests.timing import halfway

from ..fakes import FakeDns

DOMAIN = "nohosts.example"


def _context(dns: FakeDns) -> SourceContext:
    network = SimpleNamespace(
        dns=dns, ssl_context=None, block_private=False, probes=TTLCache(), hosts=HostSlots(None)
    )
    return SourceContext(
        address=parse_address(f"jane@{DOMAIN}"),
        options=Options(),
        deadline=Deadline(10.0),
        ispdb=default_ispdb(),
        network=lambda: network,  # type: ignore[arg-type,return-value]
    )


@pytest.fixture
def probed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Replace the probe: record (host, port) and answer "connection refused"."""
    seen: list[tuple[str, int]] = []

    async def fake_probe(server: Any, **kwargs: Any) -> Verification:
        seen.append((server.host, server.port))
        return Verification(reachable=False, error="refused", failure=FailureKind.REFUSED)

    monkeypatch.setattr(driver, "probe_server", fake_probe)
    return seen


async def test_no_existing_host_is_done_within_one_dns_round_trip(probed, monkeypatch):
    """With no candidate host in DNS, nothing is probed and guessing ends after one look-up."""
    stagger = 2.5  # seconds: a second try held back by the clock would start after 2 * 2.5 s
    monkeypatch.setattr(guess, "GUESS_STAGGER", stagger)
    dns = FakeDns(set(), delay=0.02)
    started = time.perf_counter()
    outcome = await GuessSource().run(_context(dns))
    elapsed = time.perf_counter() - started
    assert probed == []
    assert elapsed < halfway(0.02, 2 * stagger), elapsed  # 27 staggered tries took 1.3 s before
    incoming, outgoing = guess_tries(DOMAIN)
    assert len(outcome.attempts) == len(incoming) + len(outgoing)
    assert {a.status for a in outcome.attempts} == {AttemptStatus.EMPTY}
    assert sorted(dns.asked) == sorted({t.host for t in incoming + outgoing})  # each name once


async def test_only_hosts_that_exist_are_probed(probed):
    """When imap. and smtp. exist, every try of theirs is probed and no other host is."""
    existing = {f"imap.{DOMAIN}", f"smtp.{DOMAIN}"}
    outcome = await GuessSource().run(_context(FakeDns(existing, delay=0.02)))
    incoming, outgoing = guess_tries(DOMAIN)
    expected = {(t.host, t.port) for t in incoming + outgoing if t.host in existing}
    assert set(probed) == expected
    assert len(probed) == len(expected)  # each once
    for attempt in outcome.attempts:
        host = attempt.target.split()[1].rsplit(":", 1)[0]
        if host not in existing:
            assert attempt.status is AttemptStatus.EMPTY
            assert attempt.detail is not None
            assert "not probed" in attempt.detail


async def test_a_name_whose_lookup_failed_is_still_probed(probed):
    """A DNS time-out is not "no such host": the probe of that name still runs."""
    slow = {f"mail.{DOMAIN}"}
    await GuessSource().run(_context(FakeDns(set(), slow=slow, delay=0.02)))
    assert probed
    assert {host for host, _ in probed} == slow


async def test_a_refused_try_does_not_hold_the_next_one_back(monkeypatch):
    """Tries of one host that refuses every port follow each other at once, not a stagger
    apart."""
    stagger = 2.0  # seconds; each incoming try held back by the clock would start 2 * 2 s later
    monkeypatch.setattr(guess, "GUESS_STAGGER", stagger)
    started = time.perf_counter()
    began: dict[tuple[str, int], float] = {}

    async def fake_probe(server: Any, **kwargs: Any) -> Verification:
        began[server.host, server.port] = time.perf_counter() - started
        return Verification(reachable=False, error="refused", failure=FailureKind.REFUSED)

    monkeypatch.setattr(driver, "probe_server", fake_probe)
    existing = {f"imap.{DOMAIN}", f"smtp.{DOMAIN}"}
    await GuessSource().run(_context(FakeDns(existing, delay=0.02)))
    incoming, outgoing = guess_tries(DOMAIN)
    assert set(began) == {(t.host, t.port) for t in incoming + outgoing if t.host in existing}
    live = [t for t in incoming if t.host in existing]
    assert len(live) > 1
    # The first incoming try starts at once; the last would start 2 staggers per try later.
    last = began[live[-1].host, live[-1].port]
    assert last < halfway(0.0, 2 * stagger * (len(live) - 1)), (began, len(live))


def test_guess_tries_are_the_callers_own_lists():
    """The tries of a domain are built once, but each caller gets lists of its own."""
    incoming, outgoing = guess_tries(DOMAIN)
    expected = (list(incoming), list(outgoing))
    incoming.clear()
    outgoing.append(outgoing[0])
    assert guess_tries(DOMAIN) == expected
    assert guess_tries(f"other.{DOMAIN}")[0][0].host == f"imap.other.{DOMAIN}"
