"""Happy Eyeballs: staggered attempts, the first to connect wins, the losers are closed."""

from __future__ import annotations

import asyncio
import time

import pytest

from autoconf.net.eyeballs import CONNECTION_ATTEMPT_DELAY, AllAttemptsFailed, race


class Attempts:
    """Fake connection attempts: each address hangs, fails or connects as told."""

    def __init__(self, plan: dict[str, str]) -> None:
        self.plan = plan
        self.started: dict[str, float] = {}
        self.cancelled: list[str] = []
        self.discarded: list[str] = []
        self.t0 = time.monotonic()

    async def attempt(self, address: str) -> str:
        self.started[address] = time.monotonic() - self.t0
        what = self.plan[address]
        try:
            if what == "fail":
                raise ConnectionRefusedError(111, "refused")
            if what == "hang":
                await asyncio.sleep(3600)
            if what == "stubborn":  # connects even though it is cancelled meanwhile
                try:
                    await asyncio.sleep(3600)
                except asyncio.CancelledError:
                    return address
            return address
        except asyncio.CancelledError:
            self.cancelled.append(address)
            raise

    async def discard(self, connection: str) -> None:
        self.discarded.append(connection)


async def test_a_hanging_first_address_lets_the_second_win_after_the_delay():
    """The second address starts after the attempt delay, wins, and the first is cancelled."""
    a = Attempts({"192.0.2.1": "hang", "2001:db8::1": "ok"})
    started = time.monotonic()
    winner = await race(list(a.plan), a.attempt, a.discard, limit=10.0)
    elapsed = time.monotonic() - started
    assert winner == ("2001:db8::1", "2001:db8::1")
    assert a.started["2001:db8::1"] >= CONNECTION_ATTEMPT_DELAY * 0.9
    assert elapsed < 5.0  # far below the 10 s limit: the first address did not hold it
    assert a.cancelled == ["192.0.2.1"]


async def test_a_failure_starts_the_next_address_at_once():
    """A refused first attempt does not wait out the delay: the next one starts at once."""
    a = Attempts({"192.0.2.1": "fail", "192.0.2.2": "ok"})
    winner = await race(list(a.plan), a.attempt, a.discard, limit=30.0, delay=10.0)
    assert winner[0] == "192.0.2.2"
    assert a.started["192.0.2.2"] < 5.0  # the 10 s delay was not waited for


async def test_every_failure_is_reported_and_a_hang_is_a_timeout():
    """When nothing connects within the limit, each attempt's error is listed."""
    a = Attempts({"192.0.2.1": "fail", "192.0.2.2": "hang"})
    with pytest.raises(AllAttemptsFailed) as caught:
        await race(list(a.plan), a.attempt, a.discard, limit=0.3, delay=0.01)
    errors = dict(caught.value.failures)
    assert isinstance(errors["192.0.2.1"], ConnectionRefusedError)
    assert isinstance(errors["192.0.2.2"], TimeoutError)
    assert a.cancelled == ["192.0.2.2"]


async def test_a_loser_that_connected_anyway_is_discarded():
    """An attempt that connects while the race is being decided is closed, not leaked."""
    a = Attempts({"192.0.2.1": "stubborn", "192.0.2.2": "ok"})
    winner = await race(list(a.plan), a.attempt, a.discard, limit=10.0, delay=0.01)
    assert winner[0] == "192.0.2.2"
    assert a.discarded == ["192.0.2.1"]


async def test_no_address_is_no_attempt():
    """An empty address list fails at once, with no failure to report."""
    a = Attempts({})
    with pytest.raises(AllAttemptsFailed) as caught:
        await race([], a.attempt, a.discard, limit=1.0)
    assert caught.value.failures == []


async def test_a_single_address_has_the_whole_limit_and_its_error_is_kept():
    """One address: it connects, or its own error (a hang: a timeout at the limit) is raised."""
    ok = Attempts({"192.0.2.1": "ok"})
    assert await race(["192.0.2.1"], ok.attempt, ok.discard, limit=5.0) == ("192.0.2.1",) * 2
    for what, kind in (("fail", ConnectionRefusedError), ("hang", TimeoutError)):
        a = Attempts({"192.0.2.1": what})
        with pytest.raises(AllAttemptsFailed) as caught:
            await race(["192.0.2.1"], a.attempt, a.discard, limit=0.2)
        assert [type(e) for _, e in caught.value.failures] == [kind]
