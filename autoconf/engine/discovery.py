"""One discovery, start to end: choose the sources, run them, rank, verify, build the result.

The caller (the API layer) owns the network's lifetime and the admission to it; this module
only receives a way to reach the network (``network``) and the call's one deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import TYPE_CHECKING

from .._data import HINT_FIELDS, NO_IMAP_FIELDS, BundledIspdb, default_ispdb
from ..address import EmailAddress
from ..events import (
    CandidateFound,
    DiscoveryEvent,
    DiscoveryFinished,
    ProbeStarted,
    SourceFinished,
)
from ..models import (
    AttemptStatus,
    DiscoveryResult,
    DiscoveryWarning,
    ProviderInfo,
    ServerSettings,
    Service,
    SourceAttempt,
    SourceName,
    Verification,
)
from ..options import OFFLINE_SOURCES, Deadline, Mode, Options
from ..recommend import recommend
from ..sources.base import Board, Source, SourceContext, SourceOutcome, refuse_shared_names
from ..sources.ispdb_bundled import BundledIspdbSource
from ..sources.local import LocalSource
from ..sources.services import verified_services
from ..verify import PROBES_PER_DIRECTION, Prober, mark_not_probed
from .diagnosis import diagnose, relabel
from .rank import (
    dnssec_warnings,
    merge,
    merge_services,
    rank_key,
    rerank,
    verification_warnings,
)
from .runner import SourceRunner, elapsed_ms, unfinished

if TYPE_CHECKING:
    from ..net.session import CallNetwork

__all__ = ["choose_sources", "default_sources", "run_discovery", "unadmitted_result"]

NOT_AVAILABLE = "this source is not available in this version"
NOT_ADMITTED = "the deadline passed while the discovery waited for a free place in the session"


def default_sources() -> list[Source]:
    """Every source this version implements, in priority order."""
    from ..sources.autoconfig import AutoconfigSource
    from ..sources.autodiscover import AutodiscoverSource
    from ..sources.guess import GuessSource
    from ..sources.ispdb import IspdbSource
    from ..sources.mx import MxSource
    from ..sources.pacc import PaccSource
    from ..sources.srv import SrvSource

    return [
        LocalSource(),
        PaccSource(),
        AutoconfigSource(secure=True),
        SrvSource(),
        BundledIspdbSource(),
        IspdbSource(),
        MxSource(),
        AutodiscoverSource(),
        AutoconfigSource(secure=False),
        GuessSource(),
    ]


def choose_sources(
    options: Options, sources: Sequence[Source] | None
) -> tuple[list[Source], list[SourceName]]:
    """The sources to run, in priority order, and the enabled ones this version lacks."""
    enabled = options.enabled_sources()
    if sources is not None:
        available = list(sources)
        refuse_shared_names(available)
        enabled |= _callers_local(options, available)
    elif enabled <= OFFLINE_SOURCES:
        # The offline path must not import the network stack (httpx, dnspython).
        available = [LocalSource(), BundledIspdbSource()]
    else:
        available = default_sources()
    chosen = sorted((s for s in available if s.name in enabled), key=lambda s: s.name.priority)
    missing = sorted(
        enabled - {s.name for s in available} - {SourceName.LOCAL}, key=lambda n: n.priority
    )
    return chosen, missing


def _callers_local(options: Options, available: list[Source]) -> frozenset[SourceName]:
    """``local`` when the caller brought a source of that name of its own: unlike the built-in
    one it needs no ``config_dir``, so it runs whenever ``Options.sources`` allows ``local``."""
    allowed = options.sources is None or SourceName.LOCAL in options.sources
    own = any(s.name is SourceName.LOCAL and not isinstance(s, LocalSource) for s in available)
    return frozenset({SourceName.LOCAL}) if allowed and own else frozenset()


async def run_discovery(
    address: EmailAddress,
    options: Options,
    deadline: Deadline,
    *,
    network: Callable[[], CallNetwork],
    started: float,
    ispdb: BundledIspdb | None = None,
    sources: Sequence[Source] | None = None,
) -> AsyncGenerator[DiscoveryEvent, None]:
    """Every event of one discovery; the last is always :class:`DiscoveryFinished`.

    Candidates are probed (with ``verify``) as soon as a source proposes them, so probes
    overlap slower sources; after the merge the top candidates of each direction are probed
    too, and the result is ranked again with what the probes found.
    """
    chosen, missing = choose_sources(options, sources)
    board = Board({s.name for s in chosen} - {SourceName.GUESS})
    ctx = SourceContext(
        address=address,
        options=options,
        deadline=deadline,
        ispdb=ispdb if ispdb is not None else default_ispdb(),
        network=network,
        board=board,
    )
    # Verification needs the network: it runs when any network source runs.
    verifies = options.verify and any(s.name not in OFFLINE_SOURCES for s in chosen)
    prober = Prober(ctx) if verifies else None
    runner = SourceRunner(ctx, chosen, board, started)
    services: asyncio.Task[list[Service]] | None = None
    try:
        async for event in _search(runner, prober):
            yield event
        ranked = merge(list(runner.outcomes.values()), use_verification=options.verify)
        incoming, outgoing = ranked.incoming, ranked.outgoing
        if prober is not None:
            services = _ask_services(ctx, list(runner.outcomes.values()))
            async for event in _verify_top(prober, incoming, outgoing):
                yield event
            incoming = _apply(prober.verified, incoming)
            outgoing = _apply(prober.verified, outgoing)
            evidence = incoming + outgoing
            incoming = rerank(incoming, evidence=evidence)
            outgoing = rerank(outgoing, evidence=evidence)
            if not prober.probe_all:
                incoming, outgoing = mark_not_probed(incoming), mark_not_probed(outgoing)
        warnings = list(ranked.warnings) + verification_warnings(incoming + outgoing)
        warnings += dnssec_warnings(a for o in runner.outcomes.values() for a in o.attempts)
        asked = await services if services is not None else None
    finally:
        if prober is not None:
            await prober.aclose()
        await _drop(services)
    outcomes = list(runner.outcomes.values())
    result = _result(
        address, outcomes, missing, (incoming, outgoing), warnings, started, services=asked
    )
    yield DiscoveryFinished(result)


async def _drop(task: asyncio.Task[list[Service]] | None) -> None:
    """Cancel ``task`` if the discovery ended before it: nobody waits for its answers."""
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _ask_services(
    ctx: SourceContext, outcomes: list[SourceOutcome]
) -> asyncio.Task[list[Service]] | None:
    """In ``thorough`` mode, each JMAP/DAV service found asked once, beside the mail probes
    (:func:`~autoconf.sources.services.verified_services`); ``fast`` mode does not wait."""
    found = merge_services(outcomes)
    if not found or ctx.options.mode is not Mode.THOROUGH:
        return None
    return asyncio.create_task(verified_services(ctx, found))


def unadmitted_result(
    address: EmailAddress,
    options: Options,
    sources: Sequence[Source] | None,
    started: float,
) -> DiscoveryResult:
    """The result of a discovery whose deadline passed before the session let it start.

    Cheap on purpose (names only, no source objects): a long queue ends many at once.
    """
    enabled = options.enabled_sources()
    offered = set(SourceName) if sources is None else {s.name for s in sources}
    names = sorted(enabled & offered, key=lambda n: n.priority)
    missing = sorted(enabled - offered - {SourceName.LOCAL}, key=lambda n: n.priority)
    outcomes = [unfinished(name, started, AttemptStatus.TIMEOUT, NOT_ADMITTED) for name in names]
    return _result(address, outcomes, missing, ([], []), [], started)


async def _search(
    runner: SourceRunner, prober: Prober | None
) -> AsyncGenerator[DiscoveryEvent, None]:
    """The sources' events, starting an early probe of each candidate as it is found.

    A source's candidates are started best first (ranked as if each worked), not in the
    order its document lists them: best first, the first started leads its direction and the
    others wait for it, so a document listing 587 before 465 must not make 587 the lead.
    Each ProbeStarted follows its CandidateFound.
    """
    run = runner.events()
    started: set[int] = set()  # id() of the candidates of the last source whose probe started
    try:
        async for event in run:
            yield event
            if prober is None:
                continue
            if isinstance(event, SourceFinished):
                started = _start_early(prober, runner.outcomes.get(event.source))
            elif isinstance(event, CandidateFound) and id(event.server) in started:
                yield ProbeStarted(event.server)
    finally:
        await run.aclose()


def _start_early(prober: Prober, outcome: SourceOutcome | None) -> set[int]:
    """Start the early probes of ``outcome``'s candidates, best first; the ids started."""
    if outcome is None:
        return set()
    started: set[int] = set()
    for servers in (outcome.incoming, outcome.outgoing):
        keyed = sorted(
            enumerate(servers), key=lambda p: rank_key(p[1], p[0], use_verification=False)
        )
        started.update(id(s) for _, s in keyed if prober.start(s, early=True))
    return started


async def _verify_top(
    prober: Prober, incoming: list[ServerSettings], outgoing: list[ServerSettings]
) -> AsyncGenerator[DiscoveryEvent, None]:
    """Probe the top candidates not probed yet, and wait for every probe (to the deadline).

    Best first (see :mod:`autoconf.verify`): the best of each direction, then the other top
    candidates of a direction only if its best failed or did not answer in time.
    """
    directions = [(True, incoming), (False, outgoing)]
    if not prober.probe_all:
        # The best as if every candidate worked: a candidate a guess already confirmed must
        # not go first for that alone (probing everything would confirm the better one).
        best = {
            side: min(servers, key=lambda s: rank_key(s, use_verification=False))
            for side, servers in directions
            if servers
        }
        for server in best.values():
            if prober.start(server, early=False):
                yield ProbeStarted(server)
        async for finished in prober.settle(best.values()):
            yield finished
        directions = [(d, s) for d, s in directions if d in best and not prober.works(best[d])]
    for incoming_side, servers in directions:
        if not prober.probe_all:
            prober.release(incoming_side)
        for server in servers[:PROBES_PER_DIRECTION]:
            if prober.start(server, early=False):
                yield ProbeStarted(server)
    async for event in prober.finish():
        yield event


def _apply(
    verified: dict[tuple[object, ...], Verification], servers: list[ServerSettings]
) -> list[ServerSettings]:
    """The servers with what their own probes found (ranked again by the caller)."""
    updated = []
    for server in servers:
        found = verified.get(server.endpoint)
        if found is not None and server.verification is None:
            server = server.model_copy(update={"verification": found})
        updated.append(server)
    return updated


def _provider(by_priority: list[SourceOutcome], *, found_incoming: bool) -> ProviderInfo | None:
    """The most authoritative source's provider, with the bundled databases' hints (status,
    before/after sign-in, app password) where it has none; "no IMAP" only when no source
    found an incoming server."""
    provider = next((o.provider for o in by_priority if o.provider), None)
    bundled = next(
        (o.provider for o in by_priority if o.provider and o.provider.hints_database), None
    )
    if provider is None or bundled is None or provider.hints_database is not None:
        return provider
    names = HINT_FIELDS + (() if found_incoming else NO_IMAP_FIELDS)
    update = {n: getattr(bundled, n) for n in names if getattr(bundled, n) is not None}
    update["hints_database"] = bundled.hints_database
    return provider.model_copy(update=update)


def _result(
    address: EmailAddress,
    outcomes: list[SourceOutcome],
    missing: list[SourceName],
    servers: tuple[list[ServerSettings], list[ServerSettings]],
    warnings: list[DiscoveryWarning],
    started: float,
    *,
    services: list[Service] | None = None,
) -> DiscoveryResult:
    by_priority = sorted(outcomes, key=lambda o: o.source.priority)
    attempts = [a for outcome in by_priority for a in outcome.attempts]
    attempts.extend(
        SourceAttempt(
            source=name, target=name.value, status=AttemptStatus.SKIPPED, detail=NOT_AVAILABLE
        )
        for name in missing
    )
    domain_status = diagnose(attempts, found=bool(servers[0] or servers[1]))
    result = DiscoveryResult(
        domain_status=domain_status,
        address=str(address),
        domain=address.domain,
        provider=_provider(by_priority, found_incoming=bool(servers[0])),
        incoming=servers[0],
        outgoing=servers[1],
        attempts=relabel(attempts, domain_status),
        warnings=warnings,
        services=services if services is not None else merge_services(by_priority),
        elapsed_ms=elapsed_ms(started),
    )
    return result.model_copy(update={"recommendation": recommend(result)})
