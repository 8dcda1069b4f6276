"""Options.max_per_host: a bound on the work in flight to one host across a Session."""

from __future__ import annotations

import asyncio

import pytest

from autoconf.errors import DeadlineExceeded
from autoconf.net.session import HostSlots
from autoconf.options import Deadline, Options


async def test_at_most_the_limit_run_at_one_host_and_other_hosts_are_free():
    """With a limit of 2, five holders at one host never overlap by more than two."""
    slots = HostSlots(2)
    inside = {"a.example": 0, "b.example": 0}
    most = {"a.example": 0, "b.example": 0}

    async def hold(host: str) -> None:
        async with slots.admitted(host, Deadline(30)):
            inside[host] += 1
            most[host] = max(most[host], inside[host])
            await asyncio.sleep(0.01)
            inside[host] -= 1

    await asyncio.gather(*(hold("a.example") for _ in range(5)), hold("b.example"))
    assert most == {"a.example": 2, "b.example": 1}
    assert not slots._held  # the bookkeeping of an idle host is dropped


async def test_a_wait_past_the_deadline_is_a_deadline_exceeded():
    """A caller whose deadline passes while the host is full gets DeadlineExceeded."""
    slots = HostSlots(1)
    release = asyncio.Event()

    async def hold() -> None:
        async with slots.admitted("a.example", Deadline(30)):
            await release.wait()

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    with pytest.raises(DeadlineExceeded, match=r"a\.example"):
        async with slots.admitted("a.example", Deadline(0.05)):
            pass
    release.set()
    await holder


def test_max_per_host_must_be_at_least_one():
    """max_per_host is None (no bound) or a whole number of at least 1."""
    assert Options().max_per_host is None
    assert Options(max_per_host=3).max_per_host == 3
    with pytest.raises(Exception, match="max_per_host"):
        Options(max_per_host=0)
