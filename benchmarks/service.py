#!/usr/bin/env python3
"""The HTTP service under concurrent clients: requests/s, p50/p99, and Redis' effect.

    python benchmarks/service.py [--clients 8] [--repeats 5] [--no-verify] [--net 13]

Brings up the loopback test world, a redis-server and replicas of ``python -m autoconf serve``
(real processes, on 127.0.0.1), then drives them with ``--clients`` concurrent httpx clients
(bounded; loopback only). Three set-ups, each with fresh processes and an empty Redis:
one replica with Redis, two replicas sharing Redis, two replicas without Redis. In each, the
world's published domains are asked once ("uncached": nothing known yet), then ``--repeats``
times more ("cached"), the requests spread over the replicas so that each cached round sends
every address to the replica after the one that asked for it last (with two replicas: the
one that did not look it up).

Reports requests/s, p50 and p99 latency per pass, and what reached the world, by kind:
HTTP requests (nginx's access log), split into those that name the address (an autoconfig URL
with ``?emailaddress=``, every Autodiscover POST: personal, never cached, by design) and the
rest (what a cache may answer); DNS queries (knot's own counters, mod-stats); and probe
connections (one Dovecot login-process line per IMAP/POP3 connection, one Postfix "connect
from" per SMTP connection). Probe results are kept one minute per process, never in Redis
(they depend on the process's trust store): two replicas probe each server once each. The
replicas' view of Redis (hits, failures, breaker) comes from their /healthz.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from _world import running_world

from tests.world import WorldInfo
from tests.world.dns import queries_answered
from tests.world.library import PUBLISHED
from tests.world.redisserver import RedisServer
from tests.world.service import Replica, world_networks


@contextmanager
def replicas(
    world: WorldInfo, count: int, shared: bool, folder: Path, redis_timeout: str | None = None
) -> Iterator[list[Replica]]:
    """``count`` fresh replicas (and a fresh Redis when ``shared``), stopped afterwards."""
    redis = RedisServer() if shared else None
    flags = [f for net in world_networks(world) for f in ("--allow-network", net)]
    flags += ["--rate-limit", "1000000/minute", "--max-concurrent", "1000"]
    if redis is not None:
        flags += ["--redis-url", redis.url]
        flags += ["--redis-timeout", redis_timeout] if redis_timeout else []
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


def _lines(world: WorldInfo, log: str) -> list[str]:
    path = Path(world.state_dir) / log
    return path.read_text(errors="replace").splitlines() if path.exists() else []


SETTLE_S = 1.0  # for the daemons' last log lines of a pass to be written
_PROBED = {
    "imap_pop3": ("dovecot/dovecot.log", re.compile(r"(imap|pop3)-login: .*\brip=")),
    "smtp": ("postfix/postfix.log", re.compile(r"smtpd\[\d+\]: connect from ")),
}


def world_counts(world: WorldInfo) -> dict[str, int]:
    """What has reached the world so far, by kind (see the module)."""
    time.sleep(SETTLE_S)
    requests = [line.split('"')[1] for line in _lines(world, "nginx/access.log") if '"' in line]
    personal = sum(r.startswith("POST ") or "emailaddress=" in r for r in requests)
    counts = {
        "http_requests": len(requests),
        "http_naming_the_address": personal,
        "http_cacheable": len(requests) - personal,
        "dns_queries": queries_answered(Path(world.state_dir)),
    }
    for kind, (log, pattern) in _PROBED.items():
        counts[f"probe_connections_{kind}"] = sum(
            bool(pattern.search(line)) for line in _lines(world, log)
        )
    return counts


def since(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {kind: after[kind] - before[kind] for kind in after}


def redis_seen(up: list[Replica]) -> dict[str, object] | None:
    """The replicas' view of the shared cache (their /healthz), added up."""
    seen = [httpx.get(f"{r.url}/healthz", timeout=30).json().get("cache") for r in up]
    if any(s is None for s in seen):
        return None
    return {
        "hits": sum(s["hits"] for s in seen),
        "misses": sum(s["misses"] for s in seen),
        "failures": sum(s["failures"] for s in seen),
        "bypassed_at_end": sum(s["state"] != "ok" for s in seen),
        "last_error": next((s["last_error"] for s in seen if s["last_error"]), None),
    }


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


def measure(
    world: WorldInfo, args: argparse.Namespace, count: int, shared: bool
) -> dict[str, object]:
    addresses = [world.address(s) for s in PUBLISHED]
    verify = "false" if args.no_verify else "true"
    with (
        tempfile.TemporaryDirectory() as folder,
        replicas(world, count, shared, Path(folder), args.redis_timeout) as up,
    ):

        def urls(rounds: int, first: int) -> list[str]:
            """Round r sends the j-th address to replica (j + r): each round moves every
            address to the next replica (the one after the replica that looked it up)."""
            return [
                f"{up[(j + r) % len(up)].url}/v1/settings?address={a}&verify={verify}"
                for r in range(first, first + rounds)
                for j, a in enumerate(addresses)
            ]

        before = world_counts(world)
        uncached = asyncio.run(drive(urls(1, 0), args.clients))
        between = world_counts(world)
        cached = asyncio.run(drive(urls(args.repeats, 1), args.clients))
        after = world_counts(world)
        seen = redis_seen(up)
    return {
        "replicas": count,
        "redis": shared,
        "uncached": {**uncached, "world": since(before, between)},
        "cached": {**cached, "world": since(between, after)},
        "redis_seen_by_replicas": seen,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (8)")
    parser.add_argument("--repeats", type=int, default=5, help="cached rounds (5)")
    parser.add_argument("--no-verify", action="store_true", help="ask for verify=false")
    parser.add_argument(
        "--redis-timeout", metavar="S", help="the replicas' --redis-timeout (the server's default)"
    )
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
