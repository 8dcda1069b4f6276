#!/usr/bin/env python3
"""Concurrent sources against the same sources run one after another, in one run.

    python benchmarks/pipeline_latency.py [--delay 0.5] [--rounds 5] [--json]

Five real network sources (autoconfig, srv, ispdb, mx, autodiscover) query the loopback test
world, each behind an injected fixed delay. For each round we time:
  - ours: one discover() with all five (they start at once, under one deadline);
  - each source alone (its own discover()); the slowest of these is the floor for ours;
  - sequential: the five alone, one after another (what a sequential client pays).
Targets from the issue: ours within 1.3x the slowest single source, and at least 3x faster
than the sequential run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

from _world import running_world, world_options

from autoconf import SourceName, discover
from autoconf.sources.autoconfig import AutoconfigSource
from autoconf.sources.autodiscover import AutodiscoverSource
from autoconf.sources.base import Source, SourceContext, SourceOutcome
from autoconf.sources.ispdb import IspdbSource
from autoconf.sources.mx import MxSource
from autoconf.sources.srv import SrvSource


class Delayed:
    """A real source behind a fixed delay (the injected latency of a slow network)."""

    def __init__(self, inner: Source, delay: float) -> None:
        self.inner = inner
        self.name = inner.name
        self.delay = delay

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        await asyncio.sleep(self.delay)
        return await self.inner.run(ctx)


def sources(delay: float) -> list[Source]:
    return [
        Delayed(s, delay)
        for s in (AutoconfigSource(), SrvSource(), IspdbSource(), MxSource(), AutodiscoverSource())
    ]


async def timed(address: str, chosen: list[Source], options: object) -> float:
    start = time.perf_counter()
    result = await discover(address, options=options, sources=chosen)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - start
    assert result.attempts, "nothing ran"
    return elapsed


async def measure(world: object, delay: float, rounds: int) -> dict[str, list[float]]:
    address = world.scenarios["mx-hosting"].address  # type: ignore[attr-defined]
    names = {
        s.value
        for s in (
            SourceName.AUTOCONFIG,
            SourceName.SRV,
            SourceName.ISPDB,
            SourceName.MX,
            SourceName.AUTODISCOVER,
        )
    }
    options = world_options(world, sources=frozenset(SourceName(n) for n in names))  # type: ignore[arg-type]
    samples: dict[str, list[float]] = {"ours": [], "slowest_single": [], "sequential": []}
    await timed(address, sources(0.0), options)  # warm-up: imports, first TLS handshakes
    for _ in range(rounds):
        samples["ours"].append(await timed(address, sources(delay), options))
        singles = [await timed(address, [s], options) for s in sources(delay)]
        samples["slowest_single"].append(max(singles))
        samples["sequential"].append(sum(singles))
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.5, help="seconds added to each source")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with running_world() as world:
        samples = asyncio.run(measure(world, args.delay, args.rounds))
    med = {k: statistics.median(v) for k, v in samples.items()}
    report = {
        "delay_s": args.delay,
        "rounds": args.rounds,
        "median_s": med,
        "spread_s": {k: [min(v), max(v)] for k, v in samples.items()},
        "ours_over_slowest_single": med["ours"] / med["slowest_single"],
        "sequential_over_ours": med["sequential"] / med["ours"],
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"five sources, each delayed {args.delay:.2f} s, {args.rounds} rounds (median, min-max)")
    for key, label in (
        ("ours", "mail-autoconf, all sources at once"),
        ("slowest_single", "slowest single source alone"),
        ("sequential", "the five one after another"),
    ):
        lo, hi = report["spread_s"][key]
        print(f"  {label:38} {med[key]:6.3f} s   ({lo:.3f}-{hi:.3f})")
    print(f"ours / slowest single = {report['ours_over_slowest_single']:.2f} (target <= 1.3)")
    print(f"sequential / ours     = {report['sequential_over_ours']:.2f} (target >= 3)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
