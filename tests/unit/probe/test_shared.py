"""A Session probes an endpoint once: results shared by endpoint, never with a login or a cut."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from autoconf.models import FailureKind, Protocol, Security, ServerSettings, Verification
from autoconf.net.cache import TTLCache
from autoconf.net.session import HostSlots
from autoconf.options import Deadline
from autoconf.probe import driver
from autoconf.probe.conversation import Login
from autoconf.probe.driver import ProbeLimits
from autoconf.probe.shared import probe_shared

SERVER = ServerSettings(
    protocol=Protocol.IMAP, host="imap.example.com", port=993, security=Security.TLS
)
LIMITS = ProbeLimits(connect=3.0, tls=3.0, first_byte=4.0, budget=6.0)
WORKS = Verification(reachable=True)


class FakeProbe:
    """Stands in for the driver: counts probes, answers each after ``delay`` with ``answers``."""

    def __init__(self, *answers: Verification, delay: float = 0.01) -> None:
        self.answers = list(answers) or [WORKS]
        self.delay = delay
        self.calls: list[Any] = []

    async def __call__(self, server: ServerSettings, **kwargs: Any) -> Verification:
        self.calls.append(kwargs.get("login"))
        await asyncio.sleep(self.delay)
        return self.answers[min(len(self.calls), len(self.answers)) - 1]


def net() -> Any:
    return SimpleNamespace(
        dns=None, ssl_context=None, block_private=False, probes=TTLCache(), hosts=HostSlots(None)
    )


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeProbe:
    probe = FakeProbe()
    monkeypatch.setattr(driver, "probe_server", probe)
    return probe


async def test_concurrent_and_later_asks_share_one_probe(fake: FakeProbe) -> None:
    """Ten calls at once and one after them probe the endpoint once and get its result."""
    network = net()
    found = await asyncio.gather(
        *(probe_shared(SERVER, network, Deadline(5.0), LIMITS) for _ in range(10))
    )
    later = await probe_shared(SERVER, network, Deadline(5.0), LIMITS)
    assert len(fake.calls) == 1
    assert all(v is WORKS for v in [*found, later])


async def test_another_endpoint_or_other_limits_probe_again(fake: FakeProbe) -> None:
    """Another port, or other phase limits, is another probe."""
    network = net()
    await probe_shared(SERVER, network, Deadline(5.0), LIMITS)
    await probe_shared(SERVER.model_copy(update={"port": 143}), network, Deadline(5.0), LIMITS)
    await probe_shared(SERVER, network, Deadline(5.0), ProbeLimits(1.0, 1.0, 1.0, 3.0))
    assert len(fake.calls) == 3


async def test_a_login_is_never_shared(fake: FakeProbe) -> None:
    """A probe with credentials always runs, and its result is not kept for anyone."""
    network = net()
    login = Login("jane", "secret")
    await probe_shared(SERVER, network, Deadline(5.0), LIMITS, login=login)
    await probe_shared(SERVER, network, Deadline(5.0), LIMITS, login=login)
    await probe_shared(SERVER, network, Deadline(5.0), LIMITS)
    assert fake.calls == [login, login, None]


@pytest.mark.parametrize(
    ("failure", "seconds"), [(FailureKind.TIMEOUT, 5.0), (FailureKind.DEADLINE, 0.005)]
)
async def test_a_cut_short_probe_is_not_kept(
    monkeypatch: pytest.MonkeyPatch, failure: FailureKind, seconds: float
) -> None:
    """A probe a phase limit or the deadline cut short is asked again by the next call."""
    cut = Verification(reachable=False, failure=failure, error="cut")
    probe = FakeProbe(cut, WORKS)
    monkeypatch.setattr(driver, "probe_server", probe)
    network = net()
    first = await probe_shared(SERVER, network, Deadline(seconds), LIMITS)
    second = await probe_shared(SERVER, network, Deadline(5.0), LIMITS)
    assert first is cut
    assert second is WORKS
    assert len(probe.calls) == 2


async def test_a_waiter_with_time_left_probes_after_anothers_deadline_cut(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A call that waited for a probe another call's deadline cut short probes for itself."""
    cut = Verification(reachable=False, failure=FailureKind.DEADLINE, error="deadline")
    # The cut answer comes well after the short deadline (uvloop's timers, kept in whole
    # milliseconds, may fire a little before a deadline as long as the sleep).
    probe = FakeProbe(cut, WORKS, delay=0.1)
    monkeypatch.setattr(driver, "probe_server", probe)
    network = net()
    short, long = await asyncio.gather(
        probe_shared(SERVER, network, Deadline(0.01), LIMITS),
        probe_shared(SERVER, network, Deadline(5.0), LIMITS),
    )
    assert short is cut
    assert long is WORKS
