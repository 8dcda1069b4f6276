"""Old path of the discovery entry points and their events (a re-export until every importer
has moved to :mod:`autoconf.api`, :mod:`autoconf.events` and :mod:`autoconf.engine`)."""

from __future__ import annotations

from .api import discover, discover_events, discover_sync
from .engine import default_sources
from .events import (
    CandidateFound,
    DiscoveryEvent,
    DiscoveryFinished,
    ProbeFinished,
    ProbeStarted,
    SourceFinished,
    SourceStarted,
)

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
