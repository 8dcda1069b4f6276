#!/usr/bin/env python3
"""The HTTP service under concurrent clients: requests/s, p50/p99, and Redis' effect.

    python benchmarks/service.py [--clients 8] [--repeats 5] [--no-verify] [--net 13]

Brings up the loopback test world, a redis-server and replicas of ``python -m autoconf serve``
(real processes, on 127.0.0.1), then drives them with ``--clients`` concurrent httpx clients
(bounded; loopback only). Three set-ups, each with fresh processes and an empty Redis:
one replica with Redis, two replicas sharing Redis, two replicas without Redis. In each, the
world's published domains are asked once ("uncached": nothing known yet), then ``--repeats``
times more ("cached"), the requests spread round-robin over the replicas. Reports requests/s,
p50 and p99 latency per pass, and the HTTP requests that reached the world (nginx's access
log): with a shared Redis, the second replica answers from what the first one found.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from _world import running_world

from tests.world import WorldInfo
from tests.world.library import PUBLISHED
from tests.world.redisserver import RedisServer
from tests.world.service import Replica, world_networks


@contextmanager
def replicas(world: WorldInfo, count: int, shared: bool, folder: Path) -> Iterator[list[Replica]]:
    """``count`` fresh replicas (and a fresh Redis when ``shared``), stopped afterwards."""
    redis = RedisServer() if shared else None
    flags = [f for net in world_networks(world) for f in ("--allow-network", net)]
    flags += ["--rate-limit", "1000000/minute", "--max-concurrent", "1000"]
    if redis is not None:
        flags += ["--redis-url", redis.url]
    started = [Replica(f"bench-{i}", folder, world, *flags) for i in range(count)]
    try:
        for replica in started:
            replica.wait_ready()
        yield started
    finally:
        for replica in started:
            replica.stop()
        if redis is not None:
            redis.stop()


def nginx_requests(world: WorldInfo) -> int:
    log = Path(world.state_dir) / "nginx" / "access.log"
    return len(log.read_text(errors="replace").splitlines()) if log.exists() else 0


async def drive(urls: list[str], clients: int) -> dict[str, float]:
    """Every URL fetched once by at most ``clients`` at a time: rate and latency."""
    gate = asyncio.Semaphore(clients)
    latencies: list[float] = []
    failed = 0

    async def one(http: httpx.AsyncClient, url: str) -> None:
        nonlocal failed
        async with gate:
            started = time.perf_counter()
            answer = await http.get(url)
            latencies.append(time.perf_counter() - started)
            failed += answer.status_code != 200

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits, trust_env=False) as http:
        began = time.perf_counter()
        await asyncio.gather(*(one(http, url) for url in urls))
        wall = time.perf_counter() - began
    ordered = sorted(latencies)
    return {
        "requests": len(urls),
        "failed": failed,
        "per_s": round(len(urls) / wall, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
    }


def measure(world: WorldInfo, args: argparse.Namespace, count: int, shared: bool) -> dict:
    addresses = [world.address(s) for s in PUBLISHED]
    verify = "false" if args.no_verify else "true"
    with (
        tempfile.TemporaryDirectory() as folder,
        replicas(world, count, shared, Path(folder)) as up,
    ):

        def urls(rounds: int) -> list[str]:
            spread = [a for _ in range(rounds) for a in addresses]
            return [
                f"{up[i % len(up)].url}/v1/settings?address={a}&verify={verify}"
                for i, a in enumerate(spread)
            ]

        before = nginx_requests(world)
        uncached = asyncio.run(drive(urls(1), args.clients))
        between = nginx_requests(world)
        cached = asyncio.run(drive(urls(args.repeats), args.clients))
        after = nginx_requests(world)
    return {
        "replicas": count,
        "redis": shared,
        "uncached": {**uncached, "world_http_requests": between - before},
        "cached": {**cached, "world_http_requests": after - between},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (8)")
    parser.add_argument("--repeats", type=int, default=5, help="cached rounds (5)")
    parser.add_argument("--no-verify", action="store_true", help="ask for verify=false")
    parser.add_argument("--net", type=int, default=13, help="the world's 127.0.<net>.x")
    parser.add_argument("--json", action="store_true", help="one JSON document (benchmarks/run.py)")
    args = parser.parse_args()
    with running_world(net=args.net) as world:
        results = [
            measure(world, args, 1, True),
            measure(world, args, 2, True),
            measure(world, args, 2, False),
        ]
    if args.json:
        print(json.dumps({"set_ups": results}, indent=2))
        return 0
    for row in results:
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
