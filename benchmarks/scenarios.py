#!/usr/bin/env python3
"""Time every world scenario: in-process discovery and whole CLI processes (issue 12).

    python benchmarks/scenarios.py [--runs 3] [--net N] [--json] [--only SCENARIO ...]

For each scenario of the loopback test world, the median over ``--runs`` of:
  - ``discovery_s``: ``DiscoveryResult.elapsed_ms`` of an in-process ``discover()`` with every
    source (guessing included) and ``verify=False`` (what ``--no-verify`` does), in one process
    that has already imported everything;
  - ``cli_no_verify_s``: wall time of ``python -m autoconf ADDRESS --json --no-verify`` pointed
    at the world as ``tests/world/library.py`` does (``--nameserver``, ``--ca-file``,
    ``--ispdb-url``);
  - ``cli_verify_s``: the same without ``--no-verify`` (every top candidate probed live).
The CLI processes run with a bytecode cache of their own (``PYTHONPYCACHEPREFIX`` in a temporary
folder, warmed by one untimed run), as an installed package has its bytecode compiled at install
time; a session with ``PYTHONDONTWRITEBYTECODE=1`` would otherwise recompile autoconf's modules
in every process (about 0.1 s, see ``benchmarks/startup.py --bytecode both``).
Targets: the plain-HTTP-only scenario (``http-only``) under 0.3 s of discovery, and every
scenario's whole process under 1.0 s but the ones whose source is silent by design (they cost
a phase limit: ``silent``, ``silent-guess``, ``endless-line``).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from _world import ROOT, running_world

from autoconf import discover
from tests.world import WorldInfo
from tests.world.library import cli_args, library_options

# Scenarios with a source that never answers (or never ends a line): a phase limit by design.
SILENT = frozenset({"silent", "silent-guess", "endless-line"})
PROCESS_TARGET_S = 1.0
HTTP_ONLY_TARGET_S = 0.3
PROCESS_LIMIT_S = 30.0


async def discovery_seconds(world: WorldInfo, address: str) -> float:
    result = await discover(address, options=library_options(world, verify=False))
    return result.elapsed_ms / 1000.0


_PYCACHE = tempfile.mkdtemp(prefix="autoconf-bench-pycache-")
atexit.register(shutil.rmtree, _PYCACHE, ignore_errors=True)


def process_seconds(world: WorldInfo, address: str, *extra: str) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=_PYCACHE)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    argv = [sys.executable, "-m", "autoconf", *cli_args(world, address, "--json", *extra)]
    started = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, timeout=PROCESS_LIMIT_S)
    return time.perf_counter() - started


def measure(
    world: WorldInfo, runs: int, only: frozenset[str] = frozenset()
) -> dict[str, dict[str, float]]:
    figures: dict[str, dict[str, float]] = {}
    first = world.scenarios[min(world.scenarios)].address
    for extra in ((), ("--no-verify",)):  # untimed: fill the bytecode cache, as an install does
        process_seconds(world, first, *extra)
    for name in sorted(world.scenarios):
        if only and name not in only:
            continue
        address = world.scenarios[name].address
        samples: dict[str, list[float]] = {
            "discovery_s": [],
            "cli_no_verify_s": [],
            "cli_verify_s": [],
        }
        for _ in range(runs):  # interleaved, so machine noise hits all three alike
            samples["discovery_s"].append(asyncio.run(discovery_seconds(world, address)))
            samples["cli_no_verify_s"].append(process_seconds(world, address, "--no-verify"))
            samples["cli_verify_s"].append(process_seconds(world, address))
        figures[name] = {key: round(statistics.median(v), 3) for key, v in samples.items()}
        print(f"scenarios: {name} {figures[name]}", file=sys.stderr, flush=True)
    return figures


def verdicts(figures: dict[str, dict[str, float]]) -> dict[str, object]:
    slow = {
        name: max(f["cli_no_verify_s"], f["cli_verify_s"])
        for name, f in figures.items()
        if name not in SILENT and max(f["cli_no_verify_s"], f["cli_verify_s"]) >= PROCESS_TARGET_S
    }
    http_only = figures.get("http-only", {}).get("discovery_s")
    return {
        "http_only_discovery_s": http_only,
        "http_only_target_met": http_only is not None and http_only < HTTP_ONLY_TARGET_S,
        "process_over_target": slow,
        "process_target_met": not slow,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--net", type=int, default=int(os.environ.get("MAIL_AUTOCONF_WORLD_NET", "9"))
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--only", nargs="+", default=[], metavar="SCENARIO", help="time just these scenarios"
    )
    args = parser.parse_args()
    with running_world(args.net) as world:
        figures = measure(world, args.runs, frozenset(args.only))
    report = {"runs": args.runs, "silent": sorted(SILENT), "scenarios": figures} | verdicts(figures)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{'scenario':<16} {'discovery s':>12} {'cli --no-verify s':>18} {'cli s':>8}")
        for name, f in figures.items():
            mark = " (silent by design)" if name in SILENT else ""
            print(
                f"{name:<16} {f['discovery_s']:>12.3f} {f['cli_no_verify_s']:>18.3f} "
                f"{f['cli_verify_s']:>8.3f}{mark}"
            )
        print({k: v for k, v in report.items() if k not in ("scenarios", "silent")})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
