#!/usr/bin/env python3
"""Throughput and peak memory of ``python -m autoconf --batch`` at several concurrencies.

    python benchmarks/batch.py [--count 1000] [--concurrency 1 16 64] [--json]

Brings up the loopback test world (addresses 127.0.11.x, or ``--net N``) and feeds the CLI, as
a subprocess, a file of ``--count`` addresses spread over the world's domains (published in
every way the world knows, plus domains that publish nothing) and the bundled ISPDB's domains,
with some unknown domains and malformed lines. Each run uses ``--no-verify`` and every source
except ``guess`` (as the batch integration test does), so the figures measure discovery, not
probing. For each concurrency it prints addresses per second and the batch process's peak RSS
(``getrusage(RUSAGE_CHILDREN).ru_maxrss`` of a wrapper that runs only that process). An
``--offline`` run over the same file is added for reference: the cost of the CLI itself."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _world import running_world

from autoconf._data import default_ispdb
from tests.world import WorldInfo
from tests.world.library import NO_GUESS_ARG, PUBLISHED, UNPUBLISHED

# Runs one command and prints its exit status, wall time and peak RSS (KiB) as JSON.
_WRAPPER = (
    "import json, resource, subprocess, sys, time\n"
    "started = time.perf_counter()\n"
    "with open(sys.argv[1], 'wb') as out:\n"
    "    code = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.PIPE).returncode\n"
    "elapsed = time.perf_counter() - started\n"
    "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(json.dumps({'code': code, 'seconds': elapsed, 'max_rss_kib': rss}))\n"
)


def addresses(world: WorldInfo, count: int) -> list[str]:
    bundled = sorted(default_ispdb())
    lines: list[str] = []
    for i in range(count):
        kind = i % 10
        if kind < 4:
            lines.append(f"user{i}@{world.scenarios[PUBLISHED[i % len(PUBLISHED)]].domain}")
        elif kind == 4:
            lines.append(f"user{i}@{world.scenarios[UNPUBLISHED[i % len(UNPUBLISHED)]].domain}")
        elif kind < 8:
            lines.append(f"user{i}@{bundled[(i * 7) % len(bundled)]}")
        elif kind == 8:
            lines.append(f"user{i}@nowhere-{i % 25}.test")
        else:
            lines.append(f"user {i} at nowhere")
    return lines


def run_batch(argv: list[str], output: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", _WRAPPER, str(output), *argv],
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, float] = json.loads(proc.stdout)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--net", type=int, default=11, help="the world's 127.0.N.x")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report: dict[str, object] = {"count": args.count, "runs": []}
    runs: list[dict[str, object]] = []
    with running_world(net=args.net) as world, tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "addresses.txt"
        source.write_text("\n".join(addresses(world, args.count)) + "\n")
        host, port = world.nameserver
        common = [sys.executable, "-m", "autoconf", "--batch", str(source), "-q"]
        network = [
            "--no-verify",
            "--sources",
            NO_GUESS_ARG,
            "--nameserver",
            f"{host}:{port}",
            "--ca-file",
            str(world.ca_file),
            "--ispdb-url",
            world.ispdb_url,
        ]
        plans = [
            (f"concurrency {n}", [*common, *network, "--concurrency", str(n)])
            for n in args.concurrency
        ]
        plans.append(("offline, concurrency 16", [*common, "--offline"]))
        for label, argv in plans:
            output = Path(tmp) / "out.jsonl"
            started = time.perf_counter()
            figures = run_batch(argv, output)
            lines = output.read_text().splitlines()
            assert len(lines) == args.count, f"{label}: {len(lines)} lines for {args.count}"
            found = sum(1 for line in lines if json.loads(line).get("incoming"))
            runs.append(
                {
                    "run": label,
                    "seconds": round(figures["seconds"], 3),
                    "addresses_per_second": round(args.count / figures["seconds"], 1),
                    "peak_rss_mib": round(figures["max_rss_kib"] / 1024, 1),
                    "exit": int(figures["code"]),
                    "with_servers": found,
                    "wall_s": round(time.perf_counter() - started, 3),
                }
            )
            if not args.json:
                r = runs[-1]
                print(
                    f"{label:24} {r['seconds']:8.2f} s  {r['addresses_per_second']:8.1f} addr/s  "
                    f"peak RSS {r['peak_rss_mib']:6.1f} MiB  "
                    f"({found} with servers, exit {r['exit']})",
                    flush=True,
                )
    report["runs"] = runs
    if args.json:
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
