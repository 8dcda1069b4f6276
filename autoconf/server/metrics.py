"""The service's Prometheus metrics (``GET /metrics``), safe with several worker processes.

With ``PROMETHEUS_MULTIPROC_DIR`` set (before the service starts; prometheus-client's own
convention), every process writes its figures there and ``/metrics`` adds them all up;
without it, the figures are this process's.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from ..models import SourceAttempt

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    """One registry per app, so that several apps in one process (tests) do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "autoconf_requests", "HTTP requests answered", ["endpoint", "status"], registry=r
        )
        self.latency = Histogram(
            "autoconf_request_seconds",
            "Time to answer a request",
            ["endpoint"],
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30),
            registry=r,
        )
        self.cache = Counter(
            "autoconf_cache", "Cache look-ups by kind and outcome", ["kind", "outcome"], registry=r
        )
        self.sources = Counter(
            "autoconf_source_outcomes",
            "Source attempts by source and status",
            ["source", "status"],
            registry=r,
        )
        self.rate_limited = Counter(
            "autoconf_rate_limited", "Requests refused by the rate limit (429)", registry=r
        )
        self.shed = Counter(
            "autoconf_shed", "Requests refused by the concurrency bound (503)", registry=r
        )
        self._seen: dict[tuple[str, str], int] = {}

    def attempts(self, attempts: Iterable[SourceAttempt]) -> None:
        for attempt in attempts:
            self.sources.labels(attempt.source.value, attempt.status.value).inc()

    def cache_totals(self, kind: str, hits: int, misses: int) -> None:
        """Counts the look-ups a cache made since the last call (its totals only ever grow)."""
        for outcome, total in (("hit", hits), ("miss", misses)):
            before = self._seen.get((kind, outcome), 0)
            if total > before:
                self.cache.labels(kind, outcome).inc(total - before)
            self._seen[kind, outcome] = total

    def exposition(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            merged = CollectorRegistry()
            MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
            return generate_latest(merged)
        return generate_latest(self.registry)
