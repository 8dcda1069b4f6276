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
    source: SourceName


@dataclass(frozen=True, slots=True)
class SourceFinished:
    source: SourceName
    status: AttemptStatus
    attempts: tuple[SourceAttempt, ...]
    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class CandidateFound:
    source: SourceName
    server: ServerSettings


@dataclass(frozen=True, slots=True)
class ProbeStarted:
    server: ServerSettings


@dataclass(frozen=True, slots=True)
class ProbeFinished:
    server: ServerSettings  # with ``verification`` filled in


@dataclass(frozen=True, slots=True)
class DiscoveryFinished:
    result: DiscoveryResult


DiscoveryEvent = (
    SourceStarted
    | SourceFinished
    | CandidateFound
    | ProbeStarted
    | ProbeFinished
    | DiscoveryFinished
)
