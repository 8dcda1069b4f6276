"""What every source shares: its context in, its outcome out.

:class:`Source`, :class:`SourceContext` and :class:`SourceOutcome` are public (exported from
:mod:`autoconf`): a caller may write a source of its own and pass it to ``discover(sources=...)``.
See :class:`Source` for what such a source reports and may rely on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from ..errors import OptionsError
from ..models import (
    AttemptStatus,
    DiscoveryWarning,
    ProviderInfo,
    ServerSettings,
    Service,
    SourceAttempt,
    SourceName,
    Trust,
)

if TYPE_CHECKING:
    from .._data import BundledIspdb
    from ..address import EmailAddress
    from ..net.session import CallNetwork
    from ..options import Deadline, Options

__all__ = [
    "Board",
    "Source",
    "SourceContext",
    "SourceOutcome",
    "Stopwatch",
    "refuse_shared_names",
]


@dataclass(frozen=True, slots=True)
class SourceContext:
    """What a source may use. I/O dependencies arrive here, never from globals.

    The public contract for a caller's own source is ``address``, ``options`` and
    ``deadline`` (it must finish within ``deadline``). ``ispdb``, ``network`` and ``board``
    serve the built-in sources and may change between versions.
    """

    address: EmailAddress
    options: Options
    deadline: Deadline
    ispdb: BundledIspdb
    # DNS, HTTP and TLS for network sources: ``ctx.network()`` builds the session's network on
    # first use (so the offline path never imports it) and returns this call's handle on it.
    network: Callable[[], CallNetwork]
    board: Board | None = None  # what the other sources of this discovery found so far


@dataclass(frozen=True, slots=True)
class SourceOutcome:
    """How one source ended: its attempts, and what it proposes.

    ``source`` is the source's ``name``; each :class:`~autoconf.models.ServerSettings` lists
    it in ``sources``, and each attempt carries it in ``source``.
    """

    source: SourceName
    attempts: list[SourceAttempt]
    incoming: list[ServerSettings] = field(default_factory=list)
    outgoing: list[ServerSettings] = field(default_factory=list)
    provider: ProviderInfo | None = None
    warnings: list[DiscoveryWarning] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)  # JMAP, CalDAV, CardDAV

    @property
    def found_anything(self) -> bool:
        return bool(self.incoming or self.outgoing)

    @property
    def complete(self) -> bool:
        """Both an incoming and an outgoing server: enough to set up an account."""
        return bool(self.incoming and self.outgoing)

    @property
    def status(self) -> AttemptStatus:
        if self.found_anything:
            return AttemptStatus.OK
        statuses = {a.status for a in self.attempts}
        for status in (
            AttemptStatus.TIMEOUT,
            AttemptStatus.ERROR,
            AttemptStatus.BLOCKED,
            AttemptStatus.EMPTY,
        ):
            if status in statuses:
                return status
        return AttemptStatus.SKIPPED if statuses else AttemptStatus.EMPTY


class Board:
    """Shared by the sources of one discovery: who has answered, and with what.

    The pipeline posts each outcome here as it arrives; a source that only helps when the
    others failed (guessing) waits on it.
    """

    def __init__(self, expected: set[SourceName]) -> None:
        self._expected = set(expected)
        self._outcomes: dict[SourceName, SourceOutcome] = {}
        self._changed = asyncio.Event()

    def post(self, outcome: SourceOutcome) -> None:
        self._outcomes[outcome.source] = outcome
        self._changed.set()

    def answered(self, *, incoming: bool) -> bool:
        """Has a source of medium trust or better found a server for this direction?"""
        for outcome in self._outcomes.values():
            servers = outcome.incoming if incoming else outcome.outgoing
            if any(s.trust is not Trust.LOW for s in servers):
                return True
        return False

    async def wait_for_others(self, seconds: float) -> None:
        """Return when every other source has finished, or after ``seconds``."""
        loop = asyncio.get_running_loop()
        until = loop.time() + max(seconds, 0.0)
        while not self._expected <= set(self._outcomes):
            left = until - loop.time()
            if left <= 0:
                return
            self._changed.clear()
            try:
                async with asyncio.timeout(left):
                    await self._changed.wait()
            except TimeoutError:
                return


class Source(Protocol):
    """A place settings may be published. ``run`` never raises for network failures.

    The extension point: any object with a ``name`` and an async ``run`` can be passed in
    ``discover(sources=[...])``, which then runs exactly the sources given (build the list
    from :func:`autoconf.default_sources` to keep the built-in ones). ``SourceName`` is a
    closed enum, since the ranker's authority order and the JSON's ``sources`` values come
    from it: a caller's own source reports ``SourceName.LOCAL`` (priority 0, "caller-supplied
    settings") and takes the place of the built-in ``local`` source, or reports the name of a
    built-in source it replaces. Two sources with one name are an ``OptionsError``. The
    source runs only if ``Options.sources`` enables its name; an exception it raises becomes
    an ``error`` attempt, and a source still running at the deadline is cancelled.
    """

    name: SourceName

    async def run(self, ctx: SourceContext) -> SourceOutcome: ...


def refuse_shared_names(sources: Sequence[Source]) -> None:
    """``OptionsError`` if two of ``sources`` report one name (their outcomes would collide)."""
    seen: dict[SourceName, Source] = {}
    for source in sources:
        other = seen.setdefault(source.name, source)
        if other is not source:
            raise OptionsError(
                f"two sources report the name {source.name.value!r}: {other!r} and {source!r}; "
                "a source of your own replaces the built-in one of its name"
            )


class Stopwatch:
    """Milliseconds since creation, for ``SourceAttempt.elapsed_ms``."""

    __slots__ = ("_start",)

    def __init__(self) -> None:
        self._start = time.perf_counter()

    def ms(self) -> float:
        return round((time.perf_counter() - self._start) * 1000.0, 3)
