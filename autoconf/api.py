"""The public entry points: :func:`discover`, :func:`discover_sync`, :func:`discover_events`,
:func:`check_domain`, :func:`check_domain_sync` and :class:`Session`, which owns the network's
lifetime and admits the work it can finish.

A single ``discover()`` or ``check_domain()`` makes its own short-lived session (as httpx's
module-level ``get()`` does), so the session's option rules apply to every call alike. A
batch, a server or a wizard that looks up many addresses keeps one, so DNS answers and fetched
documents are reused for their TTL and connections stay warm::

    async with autoconf.Session(options) as session:
        for address in addresses:
            result = await session.discover(address)

A Session runs at most ``Options.max_discoveries`` discoveries at once and has at most
``Options.max_http_requests`` HTTP requests in flight; the rest wait, and the wait counts
against each call's own deadline: a call whose deadline passes while it waits ends with every
source ``timeout``, on time, never with an exception. The network stack (httpx, dnspython) is
imported and built only when a network source runs.

``Session(cache=RedisCache(url))`` puts a cache shared by many processes behind the session's
own (:class:`~autoconf.net.redis_cache.RedisCache`): DNS answers and documents fetched without
the address, never anything personal; Redis down or slow only costs the shared hits.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING

from .address import EmailAddress, parse_address
from .engine import run_discovery, unadmitted_result
from .engine.runner import run_sync
from .errors import OptionsError, SessionClosed
from .events import DiscoveryEvent, DiscoveryFinished
from .net.cache import SharedCache
from .options import Deadline, Options, checked_options, for_session_call

if TYPE_CHECKING:
    from ._data import BundledIspdb
    from .check.report import DomainReport
    from .models import DiscoveryResult
    from .net.session import CallNetwork, Network
    from .sources.base import Source

__all__ = [
    "Session",
    "check_domain",
    "check_domain_sync",
    "discover",
    "discover_events",
    "discover_sync",
]

# A call still waiting for a place when less than this is left of its deadline could only
# time out once started: it ends in the queue instead, so its result is never late (and the
# many results of a long queue are not all built at the very instant their deadlines pass).
ADMISSION_MARGIN_S = 0.25


class Session:
    """Network resources, caches and bounds shared by many discoveries (see the module).

    ``cache``: a :class:`~autoconf.net.cache.SharedCache` (e.g. ``RedisCache(url)``) shared
    with other processes; one may serve any number of sessions.
    """

    def __init__(self, options: Options | None = None, *, cache: SharedCache | None = None) -> None:
        self.options = checked_options(options)
        if cache is not None and not isinstance(cache, SharedCache):
            raise OptionsError(
                "Session cache must be a shared cache (autoconf.RedisCache or an object with "
                "get, put, claim and release)"
            )
        self.cache = cache  # shared with other processes: DNS answers and public documents
        self._network: Network | None = None
        self._closed = False
        self._slots = asyncio.Semaphore(self.options.max_discoveries)

    def network(self) -> Network:
        """The session's DNS, HTTP and TLS, built on first use."""
        self._check_open()
        if self._network is None:
            from .net.session import Network

            self._network = Network(self.options, self.cache)
        return self._network

    def call_options(self, options: Options | None) -> Options:
        """The options a call runs with here; OptionsError if the session cannot honour them
        (:class:`~autoconf.errors.SessionClosed` once it is closed)."""
        self._check_open()
        return for_session_call(self.options, options)

    def _check_open(self) -> None:
        if self._closed:
            raise SessionClosed(
                "this Session was closed (aclose() or the end of its async with block): "
                "open a new Session"
            )

    async def discover(
        self,
        address: str,
        *,
        options: Options | None = None,
        ispdb: BundledIspdb | None = None,
        sources: Sequence[Source] | None = None,
    ) -> DiscoveryResult:
        """Like :func:`autoconf.discover`, sharing this session's network and caches."""
        return await discover(address, options=options, ispdb=ispdb, sources=sources, session=self)

    def discover_events(
        self,
        address: str,
        *,
        options: Options | None = None,
        ispdb: BundledIspdb | None = None,
        sources: Sequence[Source] | None = None,
    ) -> AsyncIterator[DiscoveryEvent]:
        """Like :func:`autoconf.discover_events`, in this session."""
        return discover_events(address, options=options, ispdb=ispdb, sources=sources, session=self)

    async def check_domain(
        self,
        domain_or_address: str,
        *,
        options: Options | None = None,
        ispdb: BundledIspdb | None = None,
    ) -> DomainReport:
        """Like :func:`autoconf.check_domain`, sharing this session's network and caches (its
        HTTP requests count against ``max_http_requests``; the check itself does not take one
        of the ``max_discoveries`` places)."""
        return await check_domain(domain_or_address, options=options, ispdb=ispdb, session=self)

    async def _admit(self, deadline: Deadline) -> bool:
        """Wait for a free place, at most until ``deadline`` (less the margin); True if admitted."""
        if not self._slots.locked():  # a free place and nobody waiting before us
            await self._slots.acquire()
            return True
        wait = deadline.remaining() - ADMISSION_MARGIN_S
        if wait <= 0:
            return False
        try:
            async with asyncio.timeout(wait):
                await self._slots.acquire()
        except TimeoutError:
            return False
        return True

    def _release(self) -> None:
        self._slots.release()

    def _handle(self, options: Options) -> CallNetwork:
        return self.network().for_call(options)

    async def aclose(self) -> None:
        """Close the network; the session can no longer be used (closing twice is fine)."""
        self._closed = True
        if self._network is not None:
            network, self._network = self._network, None
            await network.aclose()

    async def __aenter__(self) -> Session:
        self._check_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


async def discover(
    address: str,
    *,
    options: Options | None = None,
    ispdb: BundledIspdb | None = None,
    sources: Sequence[Source] | None = None,
    session: Session | None = None,
) -> DiscoveryResult:
    """Find the mail settings for ``address``.

    Raises only :class:`~autoconf.errors.InvalidAddress` (and ``OptionsError`` for bad
    options); every failure of a source is recorded in ``result.attempts``. Pass a
    :class:`~autoconf.Session` to share DNS and HTTP caches across many calls.
    """
    run = discover_events(address, options=options, ispdb=ispdb, sources=sources, session=session)
    async with contextlib.aclosing(run) as events:
        async for event in events:
            if isinstance(event, DiscoveryFinished):
                return event.result
    raise AssertionError("discover_events ended without a result")  # pragma: no cover


def discover_sync(
    address: str,
    *,
    options: Options | None = None,
    ispdb: BundledIspdb | None = None,
    sources: Sequence[Source] | None = None,
) -> DiscoveryResult:
    """:func:`discover` for synchronous callers (also safe inside a running event loop)."""
    return run_sync(discover(address, options=options, ispdb=ispdb, sources=sources))


async def discover_events(
    address: str,
    *,
    options: Options | None = None,
    ispdb: BundledIspdb | None = None,
    sources: Sequence[Source] | None = None,
    session: Session | None = None,
) -> AsyncGenerator[DiscoveryEvent, None]:
    """Discover settings for ``address``, yielding progress as it happens.

    Every chosen source starts at once. In ``thorough`` mode all are awaited (bounded by the
    deadline); in ``fast`` mode the offline sources run first, a bundled-ISPDB hit ends the
    search before any network request, and otherwise the search ends as soon as no source
    still running could beat the best complete answer. Then, with ``verify``, the top
    candidates of each direction are probed at once. The last event is always
    :class:`DiscoveryFinished` carrying the result. In a session, the deadline runs from the
    call, so the time waiting for the session to admit it is part of it.
    """
    started = time.perf_counter()
    parsed = parse_address(address)
    options, current, own = _session_for(options, session)
    deadline = Deadline(options.deadline)
    finished: DiscoveryFinished | None = None
    try:
        run = _admitted(current, parsed, options, deadline, started, ispdb, sources)
        async with contextlib.aclosing(run) as events:
            async for event in events:
                if isinstance(event, DiscoveryFinished):
                    finished = event
                else:
                    yield event
    finally:
        if own:
            await current.aclose()
    # Handed over only once the call's resources are released (a caller that stops reading
    # here leaves nothing open).
    assert finished is not None
    yield finished


def _session_for(options: Options | None, session: Session | None) -> tuple[Options, Session, bool]:
    """The options a call runs with, the session it runs in, and whether it owns (and must
    close) that session: a call without one gets a short-lived session of its own."""
    if session is None:
        options = checked_options(options)
        return options, Session(options), True
    return session.call_options(options), session, False


async def check_domain(
    domain_or_address: str,
    *,
    options: Options | None = None,
    ispdb: BundledIspdb | None = None,
    session: Session | None = None,
) -> DomainReport:
    """Check everything the domain of ``domain_or_address`` publishes for mail clients.

    A domain, or an address (then sent as ``?emailaddress=``). Raises only
    :class:`~autoconf.errors.InvalidAddress` and ``OptionsError`` (the same option rules as
    :func:`discover`); every network failure is a finding in the report. Pass a
    :class:`~autoconf.Session` to share its network and caches.
    """
    from .check.run import run_check  # the check's modules load on first use

    options, current, own = _session_for(options, session)
    try:
        return await run_check(
            domain_or_address,
            options=options,
            network=lambda: current._handle(options),
            ispdb=ispdb,
        )
    finally:
        if own:
            await current.aclose()


def check_domain_sync(
    domain_or_address: str,
    *,
    options: Options | None = None,
    ispdb: BundledIspdb | None = None,
) -> DomainReport:
    """:func:`check_domain` for synchronous callers (also safe inside a running event loop)."""
    return run_sync(check_domain(domain_or_address, options=options, ispdb=ispdb))


async def _admitted(
    session: Session,
    address: EmailAddress,
    options: Options,
    deadline: Deadline,
    started: float,
    ispdb: BundledIspdb | None,
    sources: Sequence[Source] | None,
) -> AsyncGenerator[DiscoveryEvent, None]:
    """The events of one discovery once the session admits it, or its queued-out result."""
    if not await session._admit(deadline):
        yield DiscoveryFinished(unadmitted_result(address, options, sources, started))
        return
    try:
        run = run_discovery(
            address,
            options,
            deadline,
            network=lambda: session._handle(options),
            started=started,
            ispdb=ispdb,
            sources=sources,
        )
        async with contextlib.aclosing(run) as events:
            async for event in events:
                yield event
    finally:
        session._release()
