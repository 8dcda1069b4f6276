"""`python -m tests.world up [--net N] [--dns-port PORT]`: run the world until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

from tests.world.core import World, WorldInfo
from tests.world.process import WorldError


def describe(info: WorldInfo) -> str:
    """Human-readable summary of a running world."""
    host, port = info.nameserver
    lines = [
        f"nameserver   {host}:{port}",
        f"CA file      {info.ca_file}",
        f"ISPDB URL    {info.ispdb_url}",
        f"user         {info.user}@<scenario domain>   password: {info.password}",
        f"state        {info.state_dir}",
        f"trust anchor {info.trust_anchor}   (the world root's DS, for --dnssec validate)",
        f"resolver     {':'.join(map(str, info.resolver or ()))}   (Unbound, validating)",
        "",
        f"{'scenario':14} {'domain':24} {'first incoming':36} first outgoing",
    ]
    for name, s in info.scenarios.items():
        inc = f"{s.incoming.host}:{s.incoming.port} {s.incoming.security}" if s.incoming else "-"
        out = f"{s.outgoing.host}:{s.outgoing.port} {s.outgoing.security}" if s.outgoing else "-"
        lines.append(f"{name:14} {s.domain:24} {inc:36} {out}")
    lines += ["", "hosts:"]
    lines += [f"  {h:40} {ip}" for h, ip in info.hosts.items()]
    lines += ["", "hostile endpoints:"]
    lines += [f"  {name:40} {ip}:{port}" for name, (ip, port) in info.hostile.items()]
    lines += ["", "try:", f"  {info.cli_example()}"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.world")
    parser.add_argument("command", choices=["up"], help="start the world and wait for Ctrl-C")
    parser.add_argument("--net", type=int, default=0, help="use addresses 127.0.NET.x")
    parser.add_argument("--dns-port", type=int, default=None, help="nameserver port")
    args = parser.parse_args(argv)

    world = World(net=args.net, dns_port=args.dns_port)
    # SIGTERM behaves like Ctrl-C, so `kill PID` also stops everything cleanly. SIGINT is set
    # explicitly because a shell starts background jobs with SIGINT ignored.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        info = world.up()
    except WorldError as exc:
        print(f"world: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    print(describe(info), flush=True)
    print(f"\nup in {world.up_seconds:.2f} s; Ctrl-C stops it.", file=sys.stderr, flush=True)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        problems = world.down()
        print(f"down in {world.down_seconds:.2f} s", file=sys.stderr)
        for problem in problems:
            print(f"world: {problem}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
