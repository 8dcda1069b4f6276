"""What every source shares: its context in, its outcome out."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from ..models import (
    AttemptStatus,
    ProviderInfo,
    ServerSettings,
    SourceAttempt,
    SourceName,
    Warning,
)

if TYPE_CHECKING:
    from .._data import BundledIspdb
    from ..address import EmailAddress
    from ..net.session import Network
    from ..options import Deadline, Options
    from ..session import Session

__all__ = ["Source", "SourceContext", "SourceOutcome", "Stopwatch"]


@dataclass(frozen=True, slots=True)
class SourceContext:
    """What a source may use. I/O dependencies arrive here, never from globals."""

    address: EmailAddress
    options: Options
    deadline: Deadline
    ispdb: BundledIspdb
    session: Session

    def network(self) -> Network:
        """DNS, HTTP and TLS for network sources (built on first use, shared by the session)."""
        return self.session.network()


@dataclass(frozen=True, slots=True)
class SourceOutcome:
    """How one source ended: its attempts, and what it proposes."""

    source: SourceName
    attempts: list[SourceAttempt]
    incoming: list[ServerSettings] = field(default_factory=list)
    outgoing: list[ServerSettings] = field(default_factory=list)
    provider: ProviderInfo | None = None
    warnings: list[Warning] = field(default_factory=list)

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
        for status in (AttemptStatus.TIMEOUT, AttemptStatus.ERROR, AttemptStatus.EMPTY):
            if status in statuses:
                return status
        return AttemptStatus.SKIPPED if statuses else AttemptStatus.EMPTY


class Source(Protocol):
    """A place settings may be published. ``run`` never raises for network failures."""

    name: SourceName

    async def run(self, ctx: SourceContext) -> SourceOutcome: ...


class Stopwatch:
    """Milliseconds since creation, for ``SourceAttempt.elapsed_ms``."""

    __slots__ = ("_start",)

    def __init__(self) -> None:
        self._start = time.perf_counter()

    def ms(self) -> float:
        return round((time.perf_counter() - self._start) * 1000.0, 3)
