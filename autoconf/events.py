"""Progress events of one discovery, for wizards and the CLI (``discover_events``)."""

from __future__ import annotations

from dataclasses import dataclass

from .models import AttemptStatus, DiscoveryResult, ServerSettings, SourceAttempt, SourceName

__all__ = [
    "CandidateFound",
    "DiscoveryEvent",
    "DiscoveryFinished",
    "ProbeFinished",
    "ProbeStarted",
    "SourceFinished",
    "SourceStarted",
]


@dataclass(frozen=True, slots=True)
class SourceStarted:
    """A source has started looking: ``source`` names it."""

    source: SourceName


@dataclass(frozen=True, slots=True)
class SourceFinished:
    """A source has ended.

    ``source`` names it, ``status`` is how it ended (its best attempt's status), ``attempts``
    are its look-ups, and ``elapsed_ms`` how long it ran (its longest look-up).
    """

    source: SourceName
    status: AttemptStatus
    attempts: tuple[SourceAttempt, ...]
    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class CandidateFound:
    """A source proposed a server: ``source`` names the source, ``server`` the settings."""

    source: SourceName
    server: ServerSettings


@dataclass(frozen=True, slots=True)
class ProbeStarted:
    """A live check of ``server`` has started."""

    server: ServerSettings


@dataclass(frozen=True, slots=True)
class ProbeFinished:
    """A live check has ended: ``server`` carries its ``verification``."""

    server: ServerSettings  # with ``verification`` filled in


@dataclass(frozen=True, slots=True)
class DiscoveryFinished:
    """The last event of a discovery: ``result`` is the :class:`DiscoveryResult`."""

    result: DiscoveryResult


DiscoveryEvent = (
    SourceStarted
    | SourceFinished
    | CandidateFound
    | ProbeStarted
    | ProbeFinished
    | DiscoveryFinished
)
"""Any event :func:`autoconf.discover_events` yields; the last is always DiscoveryFinished."""
