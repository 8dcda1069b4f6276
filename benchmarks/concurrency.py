#!/usr/bin/env python3
"""Many concurrent discoveries in one Session: found, lateness, memory, descriptors, CPU.

    python benchmarks/concurrency.py [--calls 1000] [--deadline 10] [--no-verify] [--net 12]
                                     [--loop asyncio|uvloop]

Brings up the loopback test world and starts ``--calls`` discoveries at once, all in one
``autoconf.Session``, of addresses spread over the world's domains that publish their settings
(every source but ``guess``, which only guesses). The Session has the library's defaults:
``max_discoveries`` and ``max_http_requests`` as shipped, and verification on, as the CLI
does (issue 10 asks for "discoveries", and a discovery verifies by default); ``--no-verify``
measures the search alone. Reports how many found settings (and of the rest, how many ended
in the Session's queue, timed out while running, or found nothing), the slowest call against
its deadline (target: every call within deadline + 0.5 s), the peak RSS of this process, its
open file descriptors before, at the busiest moment and after the session closed (target:
none left over), the client CPU per discovery the Session admitted (beside "found"), and the
CPU seconds of this process (the client, one event loop: at most one
core) and of the world's daemons, so that a miss can be told from a machine that is too small.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import time
from typing import Any

from _world import running_world, world_options

from autoconf import AttemptStatus, DiscoveryResult, Session, new_event_loop
from autoconf.engine.discovery import NOT_ADMITTED
from tests.world import WorldInfo
from tests.world.library import PUBLISHED

SLACK_S = 0.5


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def own_cpu_s() -> float:
    """CPU seconds (user + system) this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def servers_cpu_s(world: WorldInfo) -> dict[str, float]:
    """CPU seconds the world's daemons have used so far, each with its workers (by session)."""
    tick = os.sysconf("SC_CLK_TCK")
    by_session = {pid: name for name, pid in world.pids.items()}
    totals = dict.fromkeys(world.pids, 0.0)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue  # exited meanwhile
        name = by_session.get(int(fields[3]))  # the session: each daemon starts its own
        if name is not None:  # utime, stime, and those of its reaped children
            totals[name] += sum(int(v) for v in fields[11:15]) / tick
    return totals


def addresses(world: WorldInfo, count: int) -> list[str]:
    return [
        f"user{i}@{world.scenarios[PUBLISHED[i % len(PUBLISHED)]].domain}" for i in range(count)
    ]


def how_it_ended(result: DiscoveryResult) -> str:
    """found, queued out (never admitted), timed out (while running) or not found."""
    if result.incoming or result.outgoing:
        return "found"
    if result.attempts and all(a.detail == NOT_ADMITTED for a in result.attempts):
        return "queued out"
    if any(a.status is AttemptStatus.TIMEOUT for a in result.attempts):
        return "timed out"
    return "not found"


async def measure(
    world: WorldInfo, calls: int, deadline: float, verify: bool, bounds: dict[str, int]
) -> dict[str, Any]:
    options = world_options(world, deadline=deadline, verify=verify, **bounds)
    targets = addresses(world, calls)
    fds_before = open_fds()
    peak_fds = fds_before
    durations: list[float] = []
    ends: dict[str, int] = dict.fromkeys(("found", "queued out", "timed out", "not found"), 0)
    slowest_by_end: dict[str, float] = {}
    late_by_end: dict[str, int] = {}
    # Of the calls that were admitted but found nothing: the sources that timed out, counted.
    timeouts_by_source: dict[str, int] = {}

    async def one(session: Session, address: str) -> None:
        started = time.perf_counter()
        result = await session.discover(address)
        took = time.perf_counter() - started
        durations.append(took)
        end = how_it_ended(result)
        ends[end] += 1
        slowest_by_end[end] = max(slowest_by_end.get(end, 0.0), took)
        if took > deadline + SLACK_S:
            late_by_end[end] = late_by_end.get(end, 0) + 1
        if end in ("timed out", "not found"):
            for attempt in result.attempts:
                if attempt.status is AttemptStatus.TIMEOUT:
                    name = attempt.source.value
                    timeouts_by_source[name] = timeouts_by_source.get(name, 0) + 1

    async def watch(stop: asyncio.Event) -> None:
        nonlocal peak_fds
        while not stop.is_set():
            peak_fds = max(peak_fds, open_fds())
            await asyncio.sleep(0.05)

    load_start = list(os.getloadavg())
    cpu_before, servers_before = own_cpu_s(), servers_cpu_s(world)
    started = time.perf_counter()
    async with Session(options) as session:
        stop = asyncio.Event()
        watcher = asyncio.create_task(watch(stop))
        await asyncio.gather(*(one(session, a) for a in targets))
        stop.set()
        await watcher
    wall = time.perf_counter() - started
    client_cpu = own_cpu_s() - cpu_before
    servers = {k: v - servers_before[k] for k, v in servers_cpu_s(world).items()}
    await asyncio.sleep(0.2)  # let closed transports drop their sockets
    return {
        "calls": calls,
        "deadline_s": deadline,
        "verify": verify,
        "bounds": {k: getattr(options, k) for k in ("max_discoveries", "max_http_requests")},
        "found": ends["found"],
        "found_ratio": ends["found"] / calls,
        "ends": ends,
        "slowest_by_end_s": {k: round(v, 3) for k, v in slowest_by_end.items()},
        "late_by_end": late_by_end,
        "timeouts_by_source": timeouts_by_source,
        "load_average_start": load_start,
        "load_average_end": list(os.getloadavg()),
        "slowest_s": max(durations),
        "median_s": sorted(durations)[len(durations) // 2],
        "late": sum(1 for d in durations if d > deadline + SLACK_S),
        "wall_s": wall,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "fds": {"before": fds_before, "peak": peak_fds, "after": open_fds()},
        "cpu_s": {
            "client": round(client_cpu, 2),
            "servers": round(sum(servers.values()), 2),
            **{f"server {k}": round(v, 2) for k, v in servers.items()},
        },
        "cpu_ms_per_call": {
            "client": round(1000 * client_cpu / calls, 1),
            "servers": round(1000 * sum(servers.values()) / calls, 1),
        },
        # Per discovery the Session admitted (ran): what a discovery costs the client, apart
        # from the cheap results of calls that ended in the queue.
        "cpu_ms_per_admitted": {
            "client": round(1000 * client_cpu / max(1, calls - ends["queued out"]), 1),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--deadline", type=float, default=10.0)
    parser.add_argument(
        "--no-verify", dest="verify", action="store_false", help="do not probe the candidates"
    )
    parser.add_argument("--net", type=int, default=12, help="the world's 127.0.N.x")
    parser.add_argument("--max-discoveries", type=int, help="the Session bound (default: ours)")
    parser.add_argument("--max-http-requests", type=int, help="the Session bound")
    parser.add_argument(
        "--loop",
        choices=("asyncio", "uvloop"),
        default="asyncio",
        help="the event loop: asyncio's (a library caller's default) or uvloop's "
        "(autoconf.new_event_loop, the CLI's; needs the fast extra)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    bounds = {
        name: value
        for name, value in (
            ("max_discoveries", args.max_discoveries),
            ("max_http_requests", args.max_http_requests),
        )
        if value is not None
    }
    with running_world(args.net) as world:
        factory = new_event_loop if args.loop == "uvloop" else asyncio.new_event_loop
        with asyncio.Runner(loop_factory=factory) as runner:
            report = runner.run(measure(world, args.calls, args.deadline, args.verify, bounds))
        report["loop"] = args.loop
    report["targets_met"] = (
        report["late"] == 0
        and report["found_ratio"] >= 0.99
        and report["fds"]["after"] <= report["fds"]["before"]
    )
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    fds = report["fds"]
    print(
        f"{report['calls']} concurrent discoveries in one Session, deadline {args.deadline} s, "
        f"bounds {report['bounds']}"
    )
    others = ", ".join(f"{v} {k}" for k, v in report["ends"].items() if k != "found")
    admitted_cpu = report["cpu_ms_per_admitted"]["client"]
    print(
        f"  found                {report['found']}/{report['calls']} (target >= 99%); {others}; "
        f"client CPU {admitted_cpu:.1f} ms per admitted discovery"
    )
    print(
        f"  slowest call         {report['slowest_s']:.2f} s "
        f"(deadline + {SLACK_S} s = {args.deadline + SLACK_S:.1f} s); "
        f"{report['late']} late; median {report['median_s']:.2f} s"
    )
    print(f"  wall time            {report['wall_s']:.2f} s")
    print(f"  peak RSS             {report['peak_rss_mib']:.0f} MiB")
    print(
        f"  open descriptors     {fds['before']} before, {fds['peak']} peak, {fds['after']} after"
    )
    cpu, per_call = report["cpu_s"], report["cpu_ms_per_call"]
    print(
        f"  CPU                  client {cpu['client']:.1f} s ({per_call['client']:.1f} ms/call), "
        f"servers {cpu['servers']:.1f} s ({per_call['servers']:.1f} ms/call); "
        f"{os.cpu_count()} cores"
    )
    print(
        "                       "
        + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items() if k.startswith("server "))
    )
    print(f"  targets met          {report['targets_met']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
