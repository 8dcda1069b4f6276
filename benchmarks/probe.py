#!/usr/bin/env python3
"""Probe throughput against the loopback world, and a full guess of a silent domain.

    python benchmarks/probe.py [--probes 200] [--json]

Probes rotate over Dovecot (IMAP 993/143, POP3 995/110) and Postfix (SMTP 465/587): each is
a real TCP connection, TLS or STARTTLS with certificate verification, capability query and
polite goodbye. Reported: probes per second at concurrency 1, 10 and 50 (and failures), then
the wall time of discovering an address whose every guessed host is silent, beside the
deadline it must respect.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

from _world import running_world, world_options

from autoconf import Options, ServerSettings, discover
from autoconf.net.dns import DnsClient
from autoconf.net.tls import make_ssl_context
from autoconf.options import Deadline
from autoconf.probe.driver import probe_server

ENDPOINTS = [
    ("imap", "imap", 993, "tls"),
    ("imap", "imap", 143, "starttls"),
    ("pop3", "pop", 995, "tls"),
    ("pop3", "pop", 110, "starttls"),
    ("smtp", "smtp", 465, "tls"),
    ("smtp", "smtp", 587, "starttls"),
]


async def throughput(world: object, count: int, concurrency: int) -> dict[str, float]:
    domain = world.domains["autoconfig"]  # type: ignore[attr-defined]
    dns = DnsClient(nameservers=(world.nameserver,))  # type: ignore[attr-defined]
    ctx = make_ssl_context(ca_file=Path(world.ca_file))  # type: ignore[attr-defined]
    servers = [
        ServerSettings(protocol=p, host=f"{prefix}.{domain}", port=port, security=sec)
        for p, prefix, port, sec in ENDPOINTS
    ]
    gate = asyncio.Semaphore(concurrency)
    failures = 0

    async def one(i: int) -> None:
        nonlocal failures
        async with gate:
            v = await probe_server(
                servers[i % len(servers)], dns=dns, ssl_context=ctx, deadline=Deadline(30)
            )
            if not v.ok:
                failures += 1

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    wall = time.perf_counter() - start
    return {"probes": count, "wall_s": wall, "per_second": count / wall, "failures": failures}


async def silent_guess(world: object, deadline: float) -> dict[str, float]:
    options: Options = world_options(world, deadline=deadline, sources=None)  # type: ignore[arg-type]
    start = time.perf_counter()
    result = await discover(world.scenarios["silent-guess"].address, options=options)  # type: ignore[attr-defined]
    wall = time.perf_counter() - start
    return {
        "wall_s": wall,
        "deadline_s": deadline,
        "found": float(result.found),
        "guess_attempts": float(sum(a.source.value == "guess" for a in result.attempts)),
    }


async def measure(world: object, probes: int) -> dict[str, object]:
    await throughput(world, 6, 6)  # warm-up: DNS cache, first handshakes
    levels = {}
    for concurrency in (1, 10, 50):
        levels[str(concurrency)] = await throughput(world, probes, concurrency)
    return {"throughput": levels, "silent_guess": await silent_guess(world, 10.0)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", type=int, default=200, help="probes per concurrency level")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with running_world(net=10) as world:
        report = asyncio.run(measure(world, args.probes))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"probe throughput against the world ({args.probes} probes per level)")
    for level, r in report["throughput"].items():  # type: ignore[union-attr]
        print(
            f"  concurrency {level:>3}: {r['per_second']:7.1f} probes/s "
            f"({r['wall_s']:.2f} s, {int(r['failures'])} failed)"
        )
    g = report["silent_guess"]
    print(
        f"full guess of a silent domain: {g['wall_s']:.2f} s (deadline {g['deadline_s']:.0f} s, "  # type: ignore[index]
        f"found={bool(g['found'])}, {int(g['guess_attempts'])} guesses)"
    )  # type: ignore[index]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
