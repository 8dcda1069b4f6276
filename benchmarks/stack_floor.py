#!/usr/bin/env python3
"""What the I/O stack alone costs: the same connections and exchanges as one fresh verified
discovery, done by blocking Python, by asyncio streams, and by httpx over asyncio, beside the
library's own fresh discovery.

    python benchmarks/stack_floor.py [--rounds 20] [--json]

Brings up the loopback test world and, in one process, round by round (so that the load of a
shared machine falls on every layer alike), measures the client CPU (``time.process_time``)
of the connections a fresh discovery of the ``autoconfig`` scenario opens (ports 80, 443, 443,
465 and 993: see ``client_cost.py``'s ``fresh_ports``):

* ``handshakes_only``: ``client_cost.py``'s floor (the TCP connections and TLS handshakes);
* ``blocking_exchanges``: the same plus what is said on them (an HTTP GET of the autoconfig
  document, an IMAP greeting, CAPABILITY and LOGOUT, an SMTP greeting, EHLO and QUIT);
* ``asyncio_exchanges``: those exchanges over asyncio streams (``asyncio.open_connection``);
* ``httpx_exchanges``: the two HTTP GETs through one ``httpx.AsyncClient`` (as the library
  fetches), the mail exchanges over asyncio streams;
* ``library_fresh``: ``autoconf.discover()`` without a Session, as ``client_cost.py``.

The ratios say how far below the library's stack a target set against the blocking floor is.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import ssl
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import client_cost  # noqa: E402
from _world import running_world  # noqa: E402

PORTS = [80, 443, 443, 465, 993]
TLS_PORTS = (443, 465, 993)


class Target:
    """Where each port's exchange goes in the world: host name, address, path."""

    def __init__(self, world: Any) -> None:
        import dns.message
        import dns.query

        scenario = world.scenarios[client_cost.SCENARIO]
        web = f"autoconfig.{scenario.domain}"
        self.path = f"/mail/config-v1.1.xml?emailaddress=floor%40{scenario.domain}"
        self.hosts = {443: web, 80: web, 993: scenario.incoming.host, 465: scenario.outgoing.host}
        ns_host, ns_port = world.nameserver
        self.ips = {}
        for port, host in self.hosts.items():
            query = dns.message.make_query(host, "A")
            answer = dns.query.udp(query, ns_host, port=ns_port, timeout=2)
            self.ips[port] = answer.answer[0][0].address
        self.context = ssl.create_default_context(cafile=str(world.ca_file))


async def _until(reader: asyncio.StreamReader, done: Callable[[bytes], bool]) -> None:
    while (line := await reader.readline()) and not done(line):
        pass


async def _mail_exchange(target: Target, port: int) -> None:
    """One connection over asyncio streams and what a probe or a fetch says on it."""
    tls = target.context if port in TLS_PORTS else None
    host = target.hosts[port]
    reader, writer = await asyncio.open_connection(
        target.ips[port], port, ssl=tls, server_hostname=host if tls else None
    )
    if port in (80, 443):
        writer.write(
            f"GET {target.path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
        )
        while await reader.read(65536):
            pass
    elif port == 993:
        await reader.readline()
        writer.write(b"a CAPABILITY\r\n")
        await _until(reader, lambda line: line.startswith(b"a "))
        writer.write(b"b LOGOUT\r\n")
        await _until(reader, lambda line: line.startswith(b"b "))
    elif port == 465:
        for command in (b"", b"EHLO floor.invalid\r\n", b"QUIT\r\n"):
            writer.write(command)
            await _until(reader, lambda line: line[3:4] != b"-")
    writer.close()
    with contextlib.suppress(OSError, ssl.SSLError):  # the server may close first: done
        await writer.wait_closed()


async def asyncio_exchanges(target: Target) -> None:
    for port in PORTS:
        await _mail_exchange(target, port)


async def httpx_exchanges(target: Target) -> None:
    import httpx

    async with httpx.AsyncClient(verify=target.context) as client:
        for port in (p for p in PORTS if p in (80, 443)):
            scheme = "https" if port == 443 else "http"
            host = target.hosts[port]
            answer = await client.get(
                f"{scheme}://{target.ips[port]}{target.path}",
                headers={"Host": host},
                extensions={"sni_hostname": host},
            )
            answer.raise_for_status()
    for port in (p for p in PORTS if p not in (80, 443)):
        await _mail_exchange(target, port)


async def _timed(work: Callable[[], Awaitable[Any]]) -> float:
    started = time.process_time()
    await work()
    return time.process_time() - started


async def measure(world: Any, rounds: int) -> dict[str, Any]:
    import autoconf
    from tests.world.library import library_options

    target = Target(world)
    options = library_options(world)
    domain = world.scenarios[client_cost.SCENARIO].domain
    await autoconf.discover(f"warmup@{domain}", options=options)  # imports, first contexts
    await httpx_exchanges(target)
    spent: dict[str, list[float]] = {
        k: []
        for k in (
            "handshakes_only",
            "blocking_exchanges",
            "asyncio_exchanges",
            "httpx_exchanges",
            "library_fresh",
        )
    }
    for i in range(rounds):
        spent["handshakes_only"].append(client_cost.floor_work(world, 4, 5, 0))
        spent["blocking_exchanges"].append(client_cost.floor_exchanges(world, PORTS, 0))
        spent["asyncio_exchanges"].append(await _timed(lambda: asyncio_exchanges(target)))
        spent["httpx_exchanges"].append(await _timed(lambda: httpx_exchanges(target)))
        started = time.process_time()
        await autoconf.discover(f"stack{i}@{domain}", options=options)
        spent["library_fresh"].append(time.process_time() - started)
    medians = {k: 1000 * statistics.median(v) for k, v in spent.items()}
    floor = medians["handshakes_only"]
    return {
        "rounds": rounds,
        "ports": PORTS,
        "median_ms": {k: round(v, 2) for k, v in medians.items()},
        "over_handshakes_only": {k: round(v / floor, 2) for k, v in medians.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="one JSON document")
    args = parser.parse_args()
    with running_world(19) as world:
        report = asyncio.run(measure(world, args.rounds))
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for name, value in report["median_ms"].items():
            ratio = report["over_handshakes_only"][name]
            print(f"{name:20s} {value:7.2f} ms  {ratio:5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
