"""A Session admits only the work it can finish: bounded discoveries and HTTP requests, with
queueing that counts against each call's deadline."""

from __future__ import annotations

import asyncio
import time

import pytest

from autoconf import (
    AttemptStatus,
    Options,
    Protocol,
    Security,
    ServerSettings,
    Session,
    SourceName,
    Trust,
)
from autoconf.errors import DeadlineExceeded
from autoconf.models import SourceAttempt
from autoconf.net.http import FetchResult
from autoconf.net.session import AdmittedFetcher
from autoconf.options import Deadline
from autoconf.sources.base import SourceContext, SourceOutcome
from tests.timing import halfway, soon_after


class Counting:
    """A source that takes ``delay`` seconds and records how many runs overlap."""

    name = SourceName.AUTOCONFIG

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.running = 0
        self.peak = 0

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.running -= 1
        server = ServerSettings(
            protocol=Protocol.IMAP,
            host="imap.example.com",
            port=993,
            security=Security.TLS,
            sources=[self.name],
            trust=Trust.HIGH,
        )
        attempt = SourceAttempt(source=self.name, target="fake", status=AttemptStatus.OK)
        return SourceOutcome(source=self.name, attempts=[attempt], incoming=[server])


async def test_200_concurrent_calls_respect_the_bound_and_their_deadlines():
    """200 calls in one Session: at most max_discoveries run at once, none ends late, the
    queued-out ones end with a timeout outcome (no exception), the admitted ones find."""
    source = Counting(delay=0.5)
    options = Options(deadline=2.0, verify=False, max_discoveries=8)
    durations: list[float] = []

    async def one(session: Session, i: int) -> bool:
        started = time.perf_counter()
        result = await session.discover(f"user{i}@example.com", sources=[source])
        durations.append(time.perf_counter() - started)
        if result.incoming:
            return True
        ours = [a.status for a in result.attempts if a.source is SourceName.AUTOCONFIG]
        assert ours == [AttemptStatus.TIMEOUT]
        return False

    async with Session(options) as session:
        found = await asyncio.gather(*(one(session, i) for i in range(200)))
    assert source.peak <= 8
    # Each call ends at its own deadline, not when a place would free up for the last of the
    # queue (200 / 8 rounds of 0.5 s).
    assert max(durations) < halfway(2.0, 200 / 8 * 0.5)
    assert 8 <= sum(found) < 200  # some were admitted, the rest timed out in the queue


async def test_a_session_admits_again_after_calls_end():
    """Released places are reused: sequential calls in a one-place session all run."""
    source = Counting(delay=0.0)
    async with Session(Options(verify=False, max_discoveries=1)) as session:
        results = [await session.discover("a@example.com", sources=[source]) for _ in range(5)]
    assert all(r.incoming for r in results)


@pytest.mark.parametrize("name", ["max_discoveries", "max_http_requests"])
def test_bounds_must_be_positive_integers(name: str):
    """A bound of zero (or not a whole number) is refused when the options are made."""
    from autoconf import OptionsError

    with pytest.raises(OptionsError, match=name):
        Options(**{name: 0})


class HeldFetcher:
    """Stands in for HttpFetcher: each request holds its place until ``release`` is set."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.running = 0
        self.peak = 0

    async def get(
        self,
        url: str,
        deadline: Deadline,
        *,
        max_bytes: int = 0,
        follow_redirects: bool = True,
        accept: frozenset[int] = frozenset(),
    ) -> FetchResult:
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            await self.release.wait()
        finally:
            self.running -= 1
        return FetchResult(url=url, status=200, body=b"", content_type="text/xml")


async def test_http_requests_wait_for_a_slot_within_their_deadline():
    """At most N requests are in flight; one whose deadline passes while waiting fails as a
    DeadlineExceeded, on time."""
    inner = HeldFetcher()
    fetcher = AdmittedFetcher(inner, asyncio.Semaphore(2))  # type: ignore[arg-type]
    deadline = Deadline(1.0)
    started = time.perf_counter()
    # The rule, not the race: the two admitted requests hold their places until every queued
    # one has ended, so those can only end through their deadline.
    requests = [
        asyncio.create_task(fetcher.get(f"https://h{i}.example/", deadline)) for i in range(6)
    ]
    queued = await asyncio.gather(*requests[2:], return_exceptions=True)
    elapsed = time.perf_counter() - started
    inner.release.set()
    admitted = await asyncio.gather(*requests[:2], return_exceptions=True)
    assert inner.peak == 2
    assert all(isinstance(o, FetchResult) for o in admitted)
    assert all(isinstance(o, DeadlineExceeded) for o in queued)
    assert elapsed < soon_after(1.0)  # the queued ones waited for their deadline, no longer
