"""Run the chosen sources of one discovery under its deadline, yielding events as they end.

In ``thorough`` mode every source starts at once and all are awaited (bounded by the
deadline). In ``fast`` mode the offline sources run first; the network sources start only if
those did not already settle the answer, and the run stops as soon as no source still running
could beat the best complete answer. In both, guessing ends (``skipped``) as soon as the ``mx``
source has found that the email domain does not exist.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Callable, Coroutine, Iterable, Iterator
from typing import Any, TypeVar

from .._logging import log_attempt
from ..events import CandidateFound, DiscoveryEvent, SourceFinished, SourceStarted
from ..models import AttemptStatus, ProviderDatabase, SourceAttempt, SourceName
from ..options import OFFLINE_SOURCES, Mode
from ..sources._fetch import fetches_marked
from ..sources.base import Board, Source, SourceContext, SourceOutcome

__all__ = ["SourceRunner", "elapsed_ms", "new_event_loop", "run_sync", "unfinished"]

NOT_NEEDED = "not needed: a better answer was already known"
CANCELLED = "cancelled: a better answer was already known"
TIMED_OUT = "the discovery deadline passed before it answered"
NEVER_STARTED = "the deadline passed before it could start"
NO_SUCH_DOMAIN = "not tried: the domain does not exist, so there is nothing under it to guess"
NO_IMAP = "not tried: the provider offers no IMAP, so there is no server to guess"
# Seconds a cancelled source gets to unwind (close its sockets) before the discovery returns
# without it: a source that ignored its cancellation must not hold the caller past the deadline.
CANCEL_GRACE_S = 0.1


class SourceRunner:
    """The sources of one discovery as tasks; ``outcomes`` fills in as they end."""

    def __init__(
        self, ctx: SourceContext, chosen: list[Source], board: Board, started: float
    ) -> None:
        self.outcomes: dict[SourceName, SourceOutcome] = {}
        self._ctx = ctx
        self._chosen = chosen
        self._board = board
        self._started = started
        self._fast = ctx.options.mode is Mode.FAST
        self._tasks: dict[asyncio.Task[SourceOutcome], Source] = {}
        self._pending: set[asyncio.Task[SourceOutcome]] = set()
        self._dropped: set[asyncio.Task[SourceOutcome]] = set()  # cancelled along the way

    async def events(self) -> AsyncGenerator[DiscoveryEvent, None]:
        """Run every phase, then account for what did not finish; cancels all on exit."""
        first, later = self._phases()
        try:
            async for event in self._run_phase(first, later):
                yield event
            async for event in self._second_phase(later):
                yield event
            cancelled = self._pending | self._dropped
            for event in self._end_pending():
                yield event
            if cancelled:
                await asyncio.wait(cancelled, timeout=CANCEL_GRACE_S)
            unstarted = [s for s in self._chosen if s.name not in self.outcomes]
            for event in self._end_all(unstarted, AttemptStatus.TIMEOUT, NEVER_STARTED):
                yield event
        finally:
            for task in self._tasks:
                if not task.done():
                    task.cancel()

    async def _second_phase(self, later: list[Source]) -> AsyncGenerator[DiscoveryEvent, None]:
        """Fast mode's network sources: run them, unless the first phase settled the answer
        (then each is skipped) or ran out of time (then they are left to the end)."""
        if not later or self._pending or self._ctx.deadline.expired:
            return
        if self._fast and self._settled(later):
            for event in self._end_all(later, AttemptStatus.SKIPPED, NOT_NEEDED):
                yield event
            return
        async for event in self._run_phase(later, []):
            yield event

    def _phases(self) -> tuple[list[Source], list[Source]]:
        if not self._fast:
            return self._chosen, []
        first = [s for s in self._chosen if s.name in OFFLINE_SOURCES]
        later = [s for s in self._chosen if s.name not in OFFLINE_SOURCES]
        return (first, later) if first else (later, [])

    async def _run_phase(
        self, batch: list[Source], after: list[Source]
    ) -> AsyncGenerator[DiscoveryEvent, None]:
        """Start ``batch`` and yield as its sources end, until all did, or the deadline, or
        (fast mode) nothing still running or yet to run (``after``) could do better."""
        for source in batch:
            task = asyncio.create_task(_guarded(source, self._ctx))
            self._tasks[task] = source
            self._pending.add(task)
            yield SourceStarted(source.name)
        while self._pending:
            done, self._pending = await asyncio.wait(
                self._pending,
                timeout=self._ctx.deadline.remaining(),
                return_when=asyncio.FIRST_COMPLETED,
            )
            if not done:
                return  # the deadline has passed
            for task in sorted(done, key=lambda t: self._tasks[t].name.priority):
                for event in self._finish(task.result()):
                    yield event
            for event in self._skip_guessing():
                yield event
            running = [self._tasks[t] for t in self._pending]
            if self._fast and self._settled(running + after):
                return

    def _skip_guessing(self) -> Iterator[DiscoveryEvent]:
        """End guessing once the ``mx`` source found that the domain does not exist, or a
        source's provider record says the provider offers no IMAP (``ProviderInfo.no_imap``)."""
        reason = self._no_guessing()
        if reason is None:
            return
        for task in [t for t in self._pending if self._tasks[t].name is SourceName.GUESS]:
            task.cancel()
            self._pending.discard(task)
            self._dropped.add(task)
            yield from self._end_all([self._tasks[task]], AttemptStatus.SKIPPED, reason)

    def _no_guessing(self) -> str | None:
        mx = self.outcomes.get(SourceName.MX)
        if mx is not None and any(a.status is AttemptStatus.NO_DOMAIN for a in mx.attempts):
            return NO_SUCH_DOMAIN
        if any(o.provider is not None and o.provider.no_imap for o in self.outcomes.values()):
            return NO_IMAP
        return None

    def _end_pending(self) -> Iterator[DiscoveryEvent]:
        """Cancel what still runs; each becomes a timeout (deadline) or a skip (fast mode)."""
        pending, self._pending = self._pending, set()
        for task in pending:
            task.cancel()
        if self._ctx.deadline.expired:
            status, detail = AttemptStatus.TIMEOUT, TIMED_OUT
        else:
            status, detail = AttemptStatus.SKIPPED, CANCELLED
        yield from self._end_all((self._tasks[t] for t in pending), status, detail)

    def _end_all(
        self, sources: Iterable[Source], status: AttemptStatus, detail: str
    ) -> Iterator[DiscoveryEvent]:
        for source in sources:
            yield from self._finish(unfinished(source.name, self._started, status, detail))

    def _finish(self, outcome: SourceOutcome) -> list[DiscoveryEvent]:
        outcome = fetches_marked(self._ctx, outcome)
        self.outcomes[outcome.source] = outcome
        self._board.post(outcome)
        for attempt in outcome.attempts:
            log_attempt(attempt)
        events: list[DiscoveryEvent] = [
            SourceFinished(
                source=outcome.source,
                status=outcome.status,
                attempts=tuple(outcome.attempts),
                elapsed_ms=max((a.elapsed_ms for a in outcome.attempts), default=0.0),
            )
        ]
        events.extend(
            CandidateFound(outcome.source, s) for s in outcome.incoming + outcome.outgoing
        )
        return events

    def _settled(self, pending: list[Source]) -> bool:
        """In fast mode: can no pending source beat the best complete answer we have?"""
        complete = [o for o in self.outcomes.values() if o.complete]
        if not complete:
            return False
        if any(_curated(o) for o in complete):
            return True  # curated data for a large provider: taken at once
        best = min(o.source.priority for o in complete)
        return all(s.name.priority >= best for s in pending)


def _curated(outcome: SourceOutcome) -> bool:
    """A bundled answer from ISPDB itself, not from a secondary database (Delta Chat, K-9,
    mailcore2) that the network sources must still be asked to beat."""
    return outcome.source is SourceName.ISPDB_BUNDLED and all(
        s.database in (None, ProviderDatabase.ISPDB) for s in outcome.incoming + outcome.outgoing
    )


def unfinished(
    source: SourceName, started: float, status: AttemptStatus, detail: str
) -> SourceOutcome:
    """The outcome of a source that gave no answer of its own."""
    attempt = SourceAttempt(
        source=source,
        target=source.value,
        status=status,
        elapsed_ms=elapsed_ms(started),
        detail=detail,
    )
    return SourceOutcome(source=source, attempts=[attempt])


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
    return unfinished(source.name, began, status, detail)


def elapsed_ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000.0, 3)


_T = TypeVar("_T")


def run_sync(
    coro: Coroutine[Any, Any, _T],
    *,
    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None,
) -> _T:
    """Run ``coro`` to its end for a synchronous caller, also inside a running event loop.

    Called from inside a loop (a notebook, a sync callback), it runs on a private loop in a
    thread of its own, since the caller's loop cannot be re-entered. ``loop_factory`` makes
    that loop (:func:`new_event_loop` for uvloop's); asyncio's by default.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _on_new_loop(coro, loop_factory)
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_on_new_loop, coro, loop_factory).result()


def _on_new_loop(
    coro: Coroutine[Any, Any, _T], loop_factory: Callable[[], asyncio.AbstractEventLoop] | None
) -> _T:
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(coro)


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A new event loop: uvloop's when it is installed (the ``fast`` extra), else asyncio's.

    The CLI runs on it. Library callers opt in with
    ``asyncio.Runner(loop_factory=autoconf.new_event_loop)`` (or ``asyncio.run(...,
    loop_factory=...)`` from Python 3.12); the library itself works on any asyncio loop.
    """
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop
