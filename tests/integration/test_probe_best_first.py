"""Best-first probing recommends what probing everything recommends, on every world scenario."""

from __future__ import annotations

import asyncio

import pytest

from autoconf import DiscoveryResult, FailureKind, NotProbed, discover
from tests.world import WorldInfo
from tests.world.library import library_options

pytestmark = pytest.mark.world

# Scenarios run this many at a time (each twice: best first and probing everything).
AT_ONCE = 4
# Seconds for each discovery: a probe the deadline cuts short leaves its server unchecked
# (not seen in the result), so the deadline must not be what decides on a loaded machine.
DEADLINE_S = 30.0


def first_pair(result: DiscoveryResult) -> tuple[object, object]:
    """The endpoints of the first incoming and outgoing server (what is recommended)."""
    incoming = result.incoming[0].endpoint if result.incoming else None
    outgoing = result.outgoing[0].endpoint if result.outgoing else None
    return incoming, outgoing


def cut_short(result: DiscoveryResult) -> bool:
    """A probe ended at a phase limit or the deadline: on a loaded machine that says nothing
    about the server, so the two runs may not be compared on it."""
    cuts = {FailureKind.TIMEOUT, FailureKind.DEADLINE}
    return any(
        s.verification is not None and s.verification.failure in cuts
        for s in result.incoming + result.outgoing
    )


def tops_work(result: DiscoveryResult) -> bool:
    """Both first servers were probed and work."""
    firsts = [servers[0] for servers in (result.incoming, result.outgoing) if servers]
    return bool(firsts) and all(s.verification is not None and s.verification.ok for s in firsts)


async def test_every_scenario_recommends_the_same_first_servers(world: WorldInfo) -> None:
    """On every world scenario whose top candidates work, best first picks the same pair,
    also where best first had to start an alternate because its first choice was slow
    (scenarios where a probe of either run hit a phase limit are left out: load, not answer).
    The deadline is generous so that load does not cut a probe short unseen."""
    names = sorted(world.scenarios)
    compared: list[str] = []
    differ: dict[str, tuple[object, object]] = {}
    for start in range(0, len(names), AT_ONCE):
        group = names[start : start + AT_ONCE]
        runs = await asyncio.gather(
            *(
                discover(
                    world.scenarios[name].address,
                    options=library_options(world, deadline=DEADLINE_S, **mode),
                )
                for name in group
                for mode in ({"probe_all": False}, {"probe_all": True})
            )
        )
        for index, name in enumerate(group):
            best_first, everything = runs[2 * index], runs[2 * index + 1]
            if not tops_work(everything) or cut_short(everything) or cut_short(best_first):
                continue
            compared.append(name)
            if first_pair(best_first) != first_pair(everything):
                differ[name] = (first_pair(best_first), first_pair(everything))
    assert not differ, differ
    assert len(compared) >= len(names) // 2, compared


async def test_alternates_not_probed_say_so(world: WorldInfo) -> None:
    """When the best server works, the other top candidates carry NotProbed.BEST_WORKS."""
    scenario = world.scenarios["autoconfig"]
    result = await discover(scenario.address, options=library_options(world))
    assert tops_work(result)
    alternates = result.incoming[1:3] + result.outgoing[1:3]
    assert alternates, "the scenario publishes alternates"
    marked = [s for s in alternates if s.verification and s.verification.not_probed]
    assert marked
    assert {s.verification.not_probed for s in marked if s.verification} == {NotProbed.BEST_WORKS}
    everything = await discover(scenario.address, options=library_options(world, probe_all=True))
    assert all(
        s.verification is not None and s.verification.probed
        for s in everything.incoming[:3] + everything.outgoing[:3]
    )
