#!/usr/bin/env python3
"""Client CPU of a verified discovery against the floor of its own work, for one or more trees.

    python benchmarks/client_cost.py [--tree PATH]... [--rounds 5] [--calls 1000] [--json]

Brings up the loopback test world once (from this tree) and measures each ``--tree`` (a
checkout of mail-autoconf: by default this one) in child processes, interleaved round by
round so that the load of a shared machine falls on every tree alike:

* **client CPU per verified discovery** of the plain ``autoconfig`` scenario (every source,
  verification on, as the library's default), fresh (``discover()`` without a Session, each
  in the same process) and warm (another user at the same domain in a Session that already
  answered one), against the **floor**: the same work done by blocking Python in the same
  process. The child counts what a fresh discovery performed (TLS handshakes, TCP connections,
  DNS queries) and then does that many with ``ssl`` (one shared context, against the world's
  IMAPS server) and dnspython's synchronous queries (one shared UDP socket). Targets: fresh
  <= 1.0x and warm <= 0.5x the floor;
* a **networked CLI run** (``python -m autoconf ADDRESS --json``, hermetic DNS) with the
  system trust store (no ``--ca-file``: the world's certificates then fail verification, the
  run is otherwise complete) and with the world's CA file: whole-process CPU and wall time;
* the **offline batch**: ``--batch FILE --offline`` over 5,000 lines, lines per second;
* with ``--calls N``: N concurrent verified discoveries in one Session (``concurrency.py``'s
  measure): found, slowest call against its deadline, client CPU per admitted discovery.

Every figure is a median over the rounds; ratios are of medians. The load average of the
machine is reported at the start and the end.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import pickle
import resource
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCENARIO = "autoconfig"


# -- the child: one tree, one process ------------------------------------------------------


class Counts:
    """What the library did while counting: handshakes, TCP connections, DNS queries."""

    def __init__(self) -> None:
        self.handshakes = 0
        self.tcp = 0
        self.dns = 0
        self.ports: list[int] = []  # of the TCP connections, in order
        self.on = False

    def install(self) -> None:
        import dns.message

        counts = self
        wrap_bio = ssl.SSLContext.wrap_bio
        make_query = dns.message.make_query

        def counted_wrap_bio(self: ssl.SSLContext, *args: Any, **kwargs: Any) -> Any:
            if counts.on:
                counts.handshakes += 1
            return wrap_bio(self, *args, **kwargs)

        def counted_make_query(*args: Any, **kwargs: Any) -> Any:
            if counts.on:
                counts.dns += 1
            return make_query(*args, **kwargs)

        def audit(event: str, args: tuple[Any, ...]) -> None:
            if counts.on and event == "socket.connect" and args[0].type == socket.SOCK_STREAM:
                counts.tcp += 1
                if isinstance(args[1], tuple) and len(args[1]) >= 2:
                    counts.ports.append(int(args[1][1]))

        ssl.SSLContext.wrap_bio = counted_wrap_bio  # type: ignore[method-assign]
        dns.message.make_query = counted_make_query
        sys.addaudithook(audit)


def cpu() -> float:
    return time.process_time()


def floor_work(world: Any, handshakes: int, tcp: int, queries: int) -> float:
    """CPU seconds for the same work by blocking Python: handshakes, bare TCP connects, DNS."""
    import dns.message
    import dns.query

    scenario = world.scenarios[SCENARIO]
    host = scenario.incoming.host
    context = ssl.create_default_context(cafile=str(world.ca_file))
    ns_host, ns_port = world.nameserver
    answer = dns.query.udp(dns.message.make_query(host, "A"), ns_host, port=ns_port, timeout=2)
    ip = answer.answer[0][0].address
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    started = cpu()
    for _ in range(handshakes):
        with (
            socket.create_connection((ip, 993), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname=host),
        ):
            pass
    for _ in range(max(0, tcp - handshakes)):
        with socket.create_connection((ip, 143), timeout=5):
            pass
    for i in range(queries):
        query = dns.message.make_query(host, "A" if i % 2 else "AAAA")
        dns.query.udp(query, ns_host, port=ns_port, timeout=2, sock=udp)
    spent = cpu() - started
    udp.close()
    return spent


def _lines_until(reader: Any, done: Any) -> None:
    """Read reply lines until ``done(line)`` (or the connection ends)."""
    while line := reader.readline():
        if done(line):
            return


def _imap(conn: Any) -> None:
    reader = conn.makefile("rb")
    reader.readline()  # the greeting
    conn.sendall(b"a CAPABILITY\r\n")
    _lines_until(reader, lambda line: line.startswith(b"a "))
    conn.sendall(b"b LOGOUT\r\n")
    _lines_until(reader, lambda line: line.startswith(b"b "))


def _smtp(conn: Any) -> None:
    reader = conn.makefile("rb")
    _lines_until(reader, lambda line: line[3:4] == b" ")  # the greeting
    conn.sendall(b"EHLO floor.invalid\r\n")
    _lines_until(reader, lambda line: line[3:4] == b" ")
    conn.sendall(b"QUIT\r\n")
    _lines_until(reader, lambda line: line[3:4] == b" ")


def _get(conn: Any, host: str, path: str) -> None:
    conn.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    while conn.recv(65536):
        pass


def floor_exchanges(world: Any, ports: list[int], queries: int) -> float:
    """CPU seconds for the same connections *and what was said on them*, by blocking Python:
    for each TCP connection the library opened, by its port, a GET of the scenario's
    autoconfig document (443 over TLS, 80 plain), an IMAP greeting, CAPABILITY and LOGOUT
    (993), an SMTP greeting, EHLO and QUIT (465), or only the connection (and handshake on
    the TLS ports) for the rest; then the DNS queries."""
    import dns.message
    import dns.query

    scenario = world.scenarios[SCENARIO]
    web = f"autoconfig.{scenario.domain}"
    path = f"/mail/config-v1.1.xml?emailaddress=floor%40{scenario.domain}"
    hosts = {443: web, 80: web, 993: scenario.incoming.host, 465: scenario.outgoing.host}
    context = ssl.create_default_context(cafile=str(world.ca_file))
    ns_host, ns_port = world.nameserver
    ips = {}
    for port, host in hosts.items():
        answer = dns.query.udp(dns.message.make_query(host, "A"), ns_host, port=ns_port, timeout=2)
        ips[port] = answer.answer[0][0].address
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    started = cpu()
    for port in ports:
        ip = ips.get(port, ips[993])
        host = hosts.get(port, scenario.incoming.host)
        with socket.create_connection((ip, port), timeout=5) as raw:
            if port in (80, 143, 587, 25, 110):
                if port == 80:
                    _get(raw, host, path)
                continue
            with context.wrap_socket(raw, server_hostname=host) as conn:
                if port == 443:
                    _get(conn, host, path)
                elif port == 993:
                    _imap(conn)
                elif port == 465:
                    _smtp(conn)
    for i in range(queries):
        query = dns.message.make_query(scenario.incoming.host, "A" if i % 2 else "AAAA")
        dns.query.udp(query, ns_host, port=ns_port, timeout=2, sock=udp)
    spent = cpu() - started
    udp.close()
    return spent


async def one_fresh(autoconf: Any, address: str, options: Any, counts: Counts) -> float:
    counts.on = True
    started = cpu()
    result = await autoconf.discover(address, options=options)
    spent = cpu() - started
    counts.on = False
    assert result.incoming, result.attempts
    return spent


async def child_costs(world: Any, iterations: int) -> dict[str, Any]:
    import autoconf
    from tests.world.library import library_options

    counts = Counts()
    counts.install()
    domain = world.scenarios[SCENARIO].domain
    options = library_options(world)
    await autoconf.discover(f"warmup@{domain}", options=options)  # imports, first contexts
    fresh, warm, floor, exchanges, per_fresh = [], [], [], [], []
    async with autoconf.Session(options) as session:
        await session.discover(f"first@{domain}")
        for i in range(iterations):
            before = (counts.handshakes, counts.tcp, counts.dns)
            counts.ports.clear()
            fresh.append(await one_fresh(autoconf, f"fresh{i}@{domain}", options, counts))
            now = (counts.handshakes, counts.tcp, counts.dns)
            did = [a - b for a, b in zip(now, before, strict=True)]
            per_fresh.append(did)
            started = cpu()
            await session.discover(f"warm{i}@{domain}")
            warm.append(cpu() - started)
            floor.append(floor_work(world, *did))
            exchanges.append(floor_exchanges(world, list(counts.ports), did[2]))
    handshakes, tcp, queries = (statistics.median(c[k] for c in per_fresh) for k in range(3))
    return {
        "fresh_ms": 1000 * statistics.median(fresh),
        "warm_ms": 1000 * statistics.median(warm),
        "floor_ms": 1000 * statistics.median(floor),
        "floor_exchanges_ms": 1000 * statistics.median(exchanges),
        "fresh_ports": sorted(counts.ports),  # of the last fresh discovery's connections
        "fresh_work": {"handshakes": handshakes, "tcp": tcp, "dns_queries": queries},
    }


async def child_concurrency(world: Any, calls: int) -> dict[str, Any]:
    sys.path.insert(1, str(HERE))
    import concurrency  # this tree's measure, run with the child's autoconf

    report: dict[str, Any] = await concurrency.measure(world, calls, 10.0, True, {})
    return report


def child(args: argparse.Namespace) -> int:
    tree = str(Path(args.tree[0]).resolve())
    sys.path.insert(0, tree)
    import autoconf  # from the tree under test (imported before anything else can be)

    assert str(Path(autoconf.__file__).resolve()).startswith(tree), autoconf.__file__
    world = pickle.loads(Path(args.world_file).read_bytes())  # noqa: S301  (our own file)
    if args.what == "costs":
        report = asyncio.run(child_costs(world, args.iterations))
    else:
        report = asyncio.run(child_concurrency(world, args.calls))
    print(json.dumps(report))
    return 0


# -- the parent: the world, the rounds, the report -----------------------------------------


def run_child(tree: Path, world_file: Path, what: str, **extra: Any) -> dict[str, Any]:
    command = [
        sys.executable,
        str(HERE / "client_cost.py"),
        "--child",
        "--tree",
        str(tree),
        "--world-file",
        str(world_file),
        "--what",
        what,
        *[f"--{k}={v}" for k, v in extra.items()],
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=tree)
    if done.returncode != 0:
        raise SystemExit(f"child failed in {tree}:\n{done.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def timed_process(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    spent = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, spent


def cli_runs(tree: Path, world: Any, batch_file: Path) -> dict[str, float]:
    host, port = world.nameserver
    address = world.scenarios[SCENARIO].address
    env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    env["PYTHONPATH"] = str(tree)
    base = [sys.executable, "-m", "autoconf", address, "--json", "--nameserver", f"{host}:{port}"]
    base += ["--ispdb-url", world.ispdb_url]
    system_wall, system_cpu = timed_process(base, tree, env)
    ca_wall, ca_cpu = timed_process([*base, "--ca-file", str(world.ca_file)], tree, env)
    batch = [sys.executable, "-m", "autoconf", "--batch", str(batch_file), "--offline"]
    batch_wall, _ = timed_process(batch, tree, env)
    lines = sum(1 for _ in batch_file.open())
    return {
        "cli_system_store_s": system_wall,
        "cli_system_store_cpu_s": system_cpu,
        "cli_ca_file_s": ca_wall,
        "cli_ca_file_cpu_s": ca_cpu,
        "offline_batch_lines_per_s": lines / batch_wall,
    }


def batch_lines(path: Path, count: int) -> None:
    domains = ["gmail.com", "outlook.com", "yahoo.com", "gmx.de", "posteo.de", "unknown.example"]
    with path.open("w") as f:
        for i in range(count):
            f.write("not an address\n" if i % 50 == 0 else f"user{i}@{domains[i % 6]}\n")


def medians(rows: list[dict[str, Any]]) -> dict[str, float]:
    keys = [k for k, v in rows[0].items() if isinstance(v, int | float)]
    return {k: statistics.median(r[k] for r in rows) for k in keys}


def parent(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(HERE))
    from _world import running_world

    trees = [Path(t).resolve() for t in (args.tree or [str(HERE.parent)])]
    load_start = os.getloadavg()
    results: dict[str, dict[str, list[dict[str, Any]]]] = {str(t): {} for t in trees}
    with running_world(args.net) as world, tempfile.TemporaryDirectory() as tmp:
        world_file = Path(tmp) / "world.pickle"
        plain = dataclasses.replace(
            world,
            **{
                f.name: dict(getattr(world, f.name))
                for f in dataclasses.fields(world)
                if isinstance(getattr(world, f.name), Mapping)
            },
        )
        world_file.write_bytes(pickle.dumps(plain))  # read-only views do not pickle
        batch_file = Path(tmp) / "batch.txt"
        batch_lines(batch_file, 5000)
        for _ in range(args.rounds):
            for tree in trees:
                found = results[str(tree)]
                costs = run_child(tree, world_file, "costs", iterations=args.iterations)
                found.setdefault("costs", []).append(costs)
                found.setdefault("cli", []).append(cli_runs(tree, world, batch_file))
        for _ in range(args.concurrency_rounds if args.calls else 0):
            for tree in trees:
                report = run_child(tree, world_file, "concurrency", calls=args.calls)
                results[str(tree)].setdefault("concurrency", []).append(report)
    report = summarise(results, args, load_start, os.getloadavg())
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0


def summarise(
    results: dict[str, dict[str, list[dict[str, Any]]]],
    args: argparse.Namespace,
    load_start: tuple[float, ...],
    load_end: tuple[float, ...],
) -> dict[str, Any]:
    trees: dict[str, Any] = {}
    for tree, found in results.items():
        costs = medians(found["costs"])
        entry: dict[str, Any] = {
            **costs,
            **medians(found["cli"]),
            "fresh_over_floor": costs["fresh_ms"] / costs["floor_ms"],
            "warm_over_floor": costs["warm_ms"] / costs["floor_ms"],
            "fresh_over_floor_exchanges": costs["fresh_ms"] / costs["floor_exchanges_ms"],
            "fresh_ports": found["costs"][0]["fresh_ports"],
            "fresh_work": found["costs"][0]["fresh_work"],
        }
        if "concurrency" in found:
            entry["concurrency"] = [
                {
                    "found": r["found"],
                    "calls": r["calls"],
                    "slowest_s": round(r["slowest_s"], 2),
                    "late": r["late"],
                    "client_cpu_ms_per_admitted": r.get("cpu_ms_per_admitted", {}).get(
                        "client", r["cpu_ms_per_call"]["client"]
                    ),
                    "servers_cpu_ms_per_call": r["cpu_ms_per_call"]["servers"],
                }
                for r in found["concurrency"]
            ]
        trees[tree] = entry
    return {
        "rounds": args.rounds,
        "iterations": args.iterations,
        "cores": os.cpu_count(),
        "load_average_start": [round(x, 2) for x in load_start],
        "load_average_end": [round(x, 2) for x in load_end],
        "trees": trees,
    }


def render(report: dict[str, Any]) -> str:
    lines = [
        f"{report['rounds']} rounds x {report['iterations']} discoveries; "
        f"load average {report['load_average_start']} -> {report['load_average_end']} "
        f"on {report['cores']} cores"
    ]
    for tree, r in report["trees"].items():
        lines.append(f"{tree}:")
        lines.append(
            f"  fresh {r['fresh_ms']:.1f} ms ({r['fresh_over_floor']:.2f}x floor), "
            f"warm {r['warm_ms']:.1f} ms ({r['warm_over_floor']:.2f}x floor), "
            f"floor {r['floor_ms']:.1f} ms for {r['fresh_work']}"
        )
        lines.append(
            f"  floor with the exchanges {r['floor_exchanges_ms']:.1f} ms (fresh "
            f"{r['fresh_over_floor_exchanges']:.2f}x) for connections to ports {r['fresh_ports']}"
        )
        lines.append(
            f"  CLI system store {r['cli_system_store_s']:.3f} s "
            f"({r['cli_system_store_cpu_s']:.3f} s CPU), with --ca-file {r['cli_ca_file_s']:.3f} s "
            f"({r['cli_ca_file_cpu_s']:.3f} s CPU); offline batch "
            f"{r['offline_batch_lines_per_s']:.0f} lines/s"
        )
        for c in r.get("concurrency", []):
            lines.append(f"  {c}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", help="a mail-autoconf checkout (repeatable)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=10, help="discoveries per child")
    parser.add_argument("--calls", type=int, default=0, help="concurrent discoveries (0: none)")
    parser.add_argument("--concurrency-rounds", type=int, default=1)
    parser.add_argument("--net", type=int, default=14, help="the world's 127.0.N.x")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--world-file", help=argparse.SUPPRESS)
    parser.add_argument("--what", default="costs", help=argparse.SUPPRESS)
    args = parser.parse_args()
    return child(args) if args.child else parent(args)


if __name__ == "__main__":
    raise SystemExit(main())
