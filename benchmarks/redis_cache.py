#!/usr/bin/env python3
"""One discovery with a warm Redis cache, a warm in-process cache, and no cache, on loopback.

    python benchmarks/redis_cache.py [--rounds 20] [--scenario ispdb] [--json]

Starts the loopback test world and a redis-server of its own (the Debian package), then
times discoveries (no probes, no guessing) of one world address:
  - none: a new Session each round and the process-wide DNS answers cleared (every answer
    comes from the world's servers);
  - redis: the same, with a RedisCache that an earlier round filled (what a new worker
    process pays: one Redis round trip per answer instead of DNS and HTTPS);
  - in-process: one Session reused (its own caches warm: what a long-lived worker pays).
Also the time of one RedisCache.get of a fetched document. Medians and spreads, in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid

from _world import running_world, world_options

from autoconf import RedisCache, Session
from autoconf.net.cache import SHARED_ANSWERS
from autoconf.options import Options
from tests.world.redisserver import RedisServer


async def one(address: str, options: Options, cache: RedisCache | None) -> float:
    SHARED_ANSWERS.clear()
    start = time.perf_counter()
    async with Session(options, cache=cache) as session:
        result = await session.discover(address)
    elapsed = time.perf_counter() - start
    assert result.found, "the benchmark's address must be found"
    return elapsed * 1000


async def reused(address: str, options: Options, rounds: int) -> list[float]:
    times = []
    async with Session(options) as session:
        await session.discover(address)  # warm
        for _ in range(rounds):
            start = time.perf_counter()
            await session.discover(address)
            times.append((time.perf_counter() - start) * 1000)
    return times


async def get_times(cache: RedisCache, rounds: int) -> list[float]:
    await cache.put("bench:doc", {"body": "x" * 4000}, 60)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        assert await cache.get("bench:doc") is not None
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(times), 2),
        "min_ms": round(min(times), 2),
        "max_ms": round(max(times), 2),
    }


async def measure(address: str, options: Options, url: str, rounds: int) -> dict[str, object]:
    cache = RedisCache(url, prefix=f"bench-{uuid.uuid4().hex}", timeout=1.0)
    await one(address, options, cache)  # fills Redis
    none = [await one(address, options, None) for _ in range(rounds)]
    warm = [await one(address, options, cache) for _ in range(rounds)]
    local = await reused(address, options, rounds)
    gets = await get_times(cache, rounds * 10)
    status = cache.status()
    await cache.aclose()
    return {
        "none": summary(none),
        "redis": summary(warm),
        "in-process": summary(local),
        "redis_get": summary(gets),
        "redis_status": status,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--scenario", default="ispdb")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    server = RedisServer()
    try:
        with running_world() as world:
            options = world_options(world, deadline=20.0)
            address = world.address(args.scenario)
            figures = asyncio.run(measure(address, options, server.url, args.rounds))
    finally:
        server.stop()
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{args.rounds} rounds, {args.scenario} scenario, loopback:")
    for name in ("none", "redis", "in-process", "redis_get"):
        f = figures[name]
        assert isinstance(f, dict)
        print(f"  {name:<11} median {f['median_ms']:8.2f} ms  ({f['min_ms']}–{f['max_ms']})")


if __name__ == "__main__":
    main()
