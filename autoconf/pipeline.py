"""Run the sources concurrently under one deadline, merge and rank what they find.

:func:`discover_events` is the one implementation; :func:`discover` keeps only its final
result and :func:`discover_sync` wraps that for synchronous callers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterator, Sequence

from ._data import BundledIspdb, default_ispdb
from .address import parse_address
from .events import (
    CandidateFound,
    DiscoveryEvent,
    DiscoveryFinished,
    ProbeFinished,
    ProbeStarted,
    SourceFinished,
    SourceStarted,
)
from .models import (
    AttemptStatus,
    DiscoveryResult,
    ServerSettings,
    SourceAttempt,
    SourceName,
    Verification,
)
from .options import OFFLINE_SOURCES, Deadline, Mode, Options
from .rank import merge, rerank, verification_warnings
from .session import Session
from .sources.base import Board, Source, SourceContext, SourceOutcome
from .sources.ispdb_bundled import BundledIspdbSource
from .sources.local import LocalSource
from .verify import PROBES_PER_DIRECTION, Prober

__all__ = [
    "CandidateFound",
    "DiscoveryEvent",
    "DiscoveryFinished",
    "ProbeFinished",
    "ProbeStarted",
    "SourceFinished",
    "SourceStarted",
    "default_sources",
    "discover",
    "discover_events",
    "discover_sync",
]


def default_sources() -> list[Source]:
    """Every source this version implements, in priority order."""
    from .sources.autoconfig import AutoconfigSource
    from .sources.autodiscover import AutodiscoverSource
    from .sources.guess import GuessSource
    from .sources.ispdb import IspdbSource
    from .sources.mx import MxSource
    from .sources.srv import SrvSource

    return [
        LocalSource(),
        AutoconfigSource(secure=True),
        SrvSource(),
        BundledIspdbSource(),
        IspdbSource(),
        MxSource(),
        AutodiscoverSource(),
        AutoconfigSource(secure=False),
        GuessSource(),
    ]


def _offline_sources() -> list[Source]:
    # The offline path must not import the network stack (httpx, dnspython).
    return [LocalSource(), BundledIspdbSource()]


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
    events = discover_events(
        address, options=options, ispdb=ispdb, sources=sources, session=session
    )
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
    coro = discover(address, options=options, ispdb=ispdb, sources=sources)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    # Called from inside a loop (a notebook, a sync callback): run on a private loop.
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def discover_events(
    address: str,
    *,
    options: Options | None = None,
    ispdb: BundledIspdb | None = None,
    sources: Sequence[Source] | None = None,
    session: Session | None = None,
) -> AsyncIterator[DiscoveryEvent]:
    """Discover settings for ``address``, yielding progress as it happens.

    Every chosen source starts at once. In ``thorough`` mode all are awaited (bounded by the
    deadline); in ``fast`` mode the offline sources run first, a bundled-ISPDB hit ends the
    search before any network request, and otherwise the search ends as soon as no source
    still running could beat the best complete answer. Then, with ``verify``, the top
    candidates of each direction are probed at once. The last event is always
    :class:`DiscoveryFinished` carrying the result.
    """
    started = time.perf_counter()
    parsed = parse_address(address)
    options = options if options is not None else Options()
    deadline = Deadline(options.deadline)
    own_session = session is None
    session = session if session is not None else Session(options)
    enabled = options.enabled_sources()
    if sources is not None:
        available = list(sources)
    elif enabled <= OFFLINE_SOURCES:
        available = _offline_sources()
    else:
        available = default_sources()
    chosen = sorted((s for s in available if s.name in enabled), key=lambda s: s.name.priority)
    missing = sorted(
        enabled - {s.name for s in available} - {SourceName.LOCAL}, key=lambda n: n.priority
    )
    board = Board({s.name for s in chosen} - {SourceName.GUESS})
    ctx = SourceContext(
        address=parsed,
        options=options,
        deadline=deadline,
        ispdb=ispdb if ispdb is not None else default_ispdb(),
        session=session,
        board=board,
    )

    outcomes: dict[SourceName, SourceOutcome] = {}
    # Verification needs the network: it runs when any network source runs. Candidates are
    # probed as soon as a source proposes them, so probes overlap slower sources.
    prober = (
        Prober(ctx)
        if options.verify and any(s.name not in OFFLINE_SOURCES for s in chosen)
        else None
    )
    try:
        run = _run_sources(ctx, chosen, outcomes, board, started)
        try:
            async for event in run:
                yield event
                if (
                    prober is not None
                    and isinstance(event, CandidateFound)
                    and prober.start(event.server, early=True)
                ):
                    yield ProbeStarted(event.server)
        finally:
            await run.aclose()
        ranked = merge(list(outcomes.values()), use_verification=options.verify)
        incoming, outgoing = ranked.incoming, ranked.outgoing
        warnings = list(ranked.warnings)
        if prober is not None:
            for server in incoming[:PROBES_PER_DIRECTION] + outgoing[:PROBES_PER_DIRECTION]:
                if prober.start(server, early=False):
                    yield ProbeStarted(server)
            async for event in prober.finish():
                yield event
            verified = prober.verified
            incoming = rerank([_with_verification(s, verified) for s in incoming])
            outgoing = rerank([_with_verification(s, verified) for s in outgoing])
        warnings.extend(verification_warnings(incoming + outgoing))
    finally:
        if prober is not None:
            await prober.aclose()
        if own_session:
            await session.aclose()

    attempts = [
        a for name in sorted(outcomes, key=lambda n: n.priority) for a in outcomes[name].attempts
    ]
    attempts.extend(
        SourceAttempt(
            source=name,
            target=name.value,
            status=AttemptStatus.SKIPPED,
            detail="this source is not available in this version",
        )
        for name in missing
    )
    provider = next(
        (
            o.provider
            for o in sorted(outcomes.values(), key=lambda o: o.source.priority)
            if o.provider
        ),
        None,
    )
    yield DiscoveryFinished(
        DiscoveryResult(
            address=str(parsed),
            domain=parsed.domain,
            provider=provider,
            incoming=incoming,
            outgoing=outgoing,
            attempts=attempts,
            warnings=warnings,
            elapsed_ms=_ms(started),
        )
    )


async def _run_sources(
    ctx: SourceContext,
    chosen: list[Source],
    outcomes: dict[SourceName, SourceOutcome],
    board: Board,
    started: float,
) -> AsyncGenerator[DiscoveryEvent, None]:
    """Run the chosen sources under the deadline (fast mode: offline ones first)."""
    deadline, fast = ctx.deadline, ctx.options.mode is Mode.FAST
    if fast:
        first = [s for s in chosen if s.name in OFFLINE_SOURCES]
        later = [s for s in chosen if s.name not in OFFLINE_SOURCES]
        if not first:
            first, later = later, []
    else:
        first, later = chosen, []

    def finish(outcome: SourceOutcome) -> list[DiscoveryEvent]:
        outcomes[outcome.source] = outcome
        board.post(outcome)
        return _finished_events(outcome)

    tasks: dict[asyncio.Task[SourceOutcome], Source] = {}
    pending: set[asyncio.Task[SourceOutcome]] = set()
    try:
        for batch in (first, later):
            if not batch:
                continue
            if batch is later and fast and _settled(outcomes, later):
                for source in later:
                    for event in finish(
                        _unfinished(
                            source,
                            started,
                            AttemptStatus.SKIPPED,
                            "not needed: a better answer was already known",
                        )
                    ):
                        yield event
                break
            new = {asyncio.create_task(_guarded(source, ctx)): source for source in batch}
            tasks.update(new)
            pending |= set(new)
            for source in batch:
                yield SourceStarted(source.name)
            while pending:
                done, pending = await asyncio.wait(
                    pending, timeout=deadline.remaining(), return_when=asyncio.FIRST_COMPLETED
                )
                if not done:
                    break  # the deadline has passed
                for task in sorted(done, key=lambda t: tasks[t].name.priority):
                    for event in finish(task.result()):
                        yield event
                waiting = [tasks[t] for t in pending] + (later if batch is first else [])
                if fast and _settled(outcomes, waiting):
                    break
            if pending or deadline.expired:
                break
        for task in pending:
            task.cancel()
        for task in pending:
            status, detail = (
                (AttemptStatus.TIMEOUT, "the discovery deadline passed before it answered")
                if deadline.expired
                else (AttemptStatus.SKIPPED, "cancelled: a better answer was already known")
            )
            for event in finish(_unfinished(tasks[task], started, status, detail)):
                yield event
        if pending:
            await asyncio.wait(pending)
        for source in chosen:
            if source.name not in outcomes:  # never started: the deadline passed first
                for event in finish(
                    _unfinished(
                        source,
                        started,
                        AttemptStatus.TIMEOUT,
                        "the deadline passed before it could start",
                    )
                ):
                    yield event
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()


def _with_verification(
    server: ServerSettings, verified: dict[tuple[object, ...], Verification]
) -> ServerSettings:
    found = verified.get(server.endpoint)
    if found is None or server.verification is not None:
        return server
    return server.model_copy(update={"verification": found})


def _unfinished(
    source: Source, started: float, status: AttemptStatus, detail: str
) -> SourceOutcome:
    attempt = SourceAttempt(
        source=source.name,
        target=source.name.value,
        status=status,
        elapsed_ms=_ms(started),
        detail=detail,
    )
    return SourceOutcome(source=source.name, attempts=[attempt])


async def _guarded(source: Source, ctx: SourceContext) -> SourceOutcome:
    """Run one source; whatever goes wrong becomes its outcome, never an exception."""
    began = time.perf_counter()
    try:
        return await source.run(ctx)
    except asyncio.CancelledError:
        raise
    except TimeoutError as exc:
        status, detail = AttemptStatus.TIMEOUT, str(exc) or "timed out"
    except Exception as exc:  # a bug in one source must not cost the others
        status, detail = AttemptStatus.ERROR, f"{type(exc).__name__}: {exc}"
    return _unfinished(source, began, status, detail)


def _finished_events(outcome: SourceOutcome) -> list[DiscoveryEvent]:
    events: list[DiscoveryEvent] = [
        SourceFinished(
            source=outcome.source,
            status=outcome.status,
            attempts=tuple(outcome.attempts),
            elapsed_ms=max((a.elapsed_ms for a in outcome.attempts), default=0.0),
        )
    ]
    events.extend(CandidateFound(outcome.source, s) for s in outcome.incoming + outcome.outgoing)
    return events


def _settled(outcomes: dict[SourceName, SourceOutcome], pending: list[Source]) -> bool:
    """In fast mode: can no pending source beat the best complete answer we have?"""
    complete = [o for o in outcomes.values() if o.complete]
    if not complete:
        return False
    if any(o.source is SourceName.ISPDB_BUNDLED for o in complete):
        return True  # curated data for a large provider: taken at once
    best = min(o.source.priority for o in complete)
    return all(s.name.priority >= best for s in pending)


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000.0, 3)
