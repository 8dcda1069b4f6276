#!/usr/bin/env python3
"""Where a CLI process's memory goes: one networked verified run, and a long batch.

    python benchmarks/memory.py [--runs 3] [--count 2000] [--net 13] [--json]

Brings up the loopback test world, then:

1. runs ``python -m autoconf ADDRESS --json`` (live verification, the CLI's default) on the
   ``autoconfig`` scenario ``--runs`` times: the peak RSS of each process (``ru_maxrss`` from
   ``wait4``) and which of the heavy optional packages the run imported (``cryptography``,
   ``dns.dnssec``, ``uvloop``, ``rich``, the service's ``fastapi``/``uvicorn``/``redis``);
2. runs ``python -m autoconf --batch FILE --concurrency 1 --no-verify`` over ``--count``
   addresses (the mix of ``benchmarks/batch.py``, its unknown domains made all distinct) and
   samples the process's RSS from ``/proc`` twice a second: the RSS when each tenth of the
   input has been written, and how much it grew over the last four fifths. A batch whose
   memory is bounded by its caches' caps levels off; one that keeps what it met grows with
   the input.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _world import running_world
from batch import addresses

from tests.world import WorldInfo
from tests.world.library import NO_GUESS_ARG, cli_args

HEAVY = ("cryptography", "dns.dnssec", "uvloop", "rich", "fastapi", "uvicorn", "redis")

# Runs the CLI and writes the names of the modules it imported to the file named first.
_CLI = (
    "import atexit, json, runpy, sys\n"
    "out = sys.argv.pop(1)\n"
    "def note():\n"
    "    with open(out, 'w') as f:\n"
    "        json.dump(sorted(sys.modules), f)\n"
    "atexit.register(note)\n"
    "sys.argv[0] = 'autoconf'\n"
    "runpy.run_module('autoconf', run_name='__main__', alter_sys=True)\n"
)


def one_run(world: WorldInfo, tmp: Path) -> dict[str, object]:
    """Peak RSS and heavy imports of one verified networked CLI run."""
    address = f"user@{world.scenarios['autoconfig'].domain}"
    modules = tmp / "modules.json"
    argv = [sys.executable, "-c", _CLI, str(modules), *cli_args(world, address, "--json")]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    loaded = set(json.loads(modules.read_text()))
    return {
        "exit": proc.returncode,
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "imported": [name for name in HEAVY if name in loaded],
    }


def rss_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def long_batch(world: WorldInfo, count: int, tmp: Path) -> dict[str, object]:
    """RSS of one batch process at each tenth of its input written."""
    lines = [
        f"user{i}@distinct-{i}.test" if "@nowhere-" in line else line
        for i, line in enumerate(addresses(world, count))
    ]
    source, output = tmp / "addresses.txt", tmp / "out.jsonl"
    source.write_text("\n".join(lines) + "\n")
    host, port = world.nameserver
    argv = [
        *(sys.executable, "-m", "autoconf", "--batch", str(source), "-q", "--no-verify"),
        *("--sources", NO_GUESS_ARG, "--nameserver", f"{host}:{port}", "--concurrency", "1"),
        *("--ca-file", str(world.ca_file), "--ispdb-url", world.ispdb_url),
    ]
    started = time.perf_counter()
    with output.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL)
        samples: list[tuple[int, float]] = []  # (lines written, RSS MiB)
        while proc.poll() is None:
            rss = rss_mib(proc.pid)
            if rss is not None:
                with output.open("rb") as written:
                    samples.append((sum(1 for _ in written), rss))
            time.sleep(0.5)
    tenths: list[dict[str, float]] = []
    for tenth in range(1, 11):
        upto = [rss for done, rss in samples if done <= count * tenth // 10]
        if upto:
            tenths.append({"written": count * tenth // 10, "rss_mib": round(upto[-1], 1)})
    fifth = next((t["rss_mib"] for t in tenths if t["written"] >= count // 5), None)
    last = tenths[-1]["rss_mib"] if tenths else None
    return {
        "count": count,
        "seconds": round(time.perf_counter() - started, 1),
        "exit": proc.returncode,
        "rss_by_tenth": tenths,
        "peak_rss_mib": round(max((rss for _, rss in samples), default=0.0), 1),
        "growth_last_four_fifths_mib": (
            round(last - fifth, 1) if last is not None and fifth is not None else None
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--net", type=int, default=13, help="the world's 127.0.N.x")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    load_start = list(os.getloadavg())
    with running_world(args.net) as world, tempfile.TemporaryDirectory() as tmp:
        runs = [one_run(world, Path(tmp)) for _ in range(args.runs)]
        batch = long_batch(world, args.count, Path(tmp))
    report = {
        "load_average_start": load_start,
        "load_average_end": list(os.getloadavg()),
        "cli": {
            "runs": runs,
            "median_peak_rss_mib": statistics.median(float(str(r["peak_rss_mib"])) for r in runs),
        },
        "batch": batch,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    cli = report["cli"]
    print(f"networked verified CLI run: peak RSS {cli['median_peak_rss_mib']:.1f} MiB (median)")
    print(
        f"  imported: {', '.join(str(n) for n in runs[0]['imported']) or 'none of ' + str(HEAVY)}"
    )
    print(f"batch of {args.count} at concurrency 1 ({batch['seconds']} s):")
    for tenth in batch["rss_by_tenth"]:  # type: ignore[attr-defined]
        print(f"  {tenth['written']:6d} written  {tenth['rss_mib']:6.1f} MiB")
    print(f"  growth over the last four fifths: {batch['growth_last_four_fifths_mib']} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
