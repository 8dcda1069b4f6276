#!/usr/bin/env python3
"""Wall time of a full domain check (issue 15): the clean domain and the most broken one.

    python benchmarks/check.py [--runs 3] [--net N] [--json]

A full check runs every mechanism (six autoconfig look-ups, six SRV services with their
targets resolved, Autodiscover, both ISPDBs, MX) and then probes every server they name, as
``python -m autoconf --check`` does. Measured against the loopback test world, the median over
``--runs`` of:
  - ``check_s``: wall time of an in-process ``check_domain()`` (everything imported already);
  - ``cli_s``: wall time of the whole ``python -m autoconf --check DOMAIN --json`` process.
Scenarios: ``check-clean`` (everything right), the ``check-*`` or ``audit-*`` scenario with
the most warnings and errors (found by one check of each first), and ``silent`` (every host
silent: the phase limits, not the 10 s deadline, decide its time).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from _world import ROOT, running_world

from autoconf.api import check_domain_sync
from autoconf.check.report import Severity
from tests.world import WorldInfo
from tests.world.library import cli_args, library_options

PROCESS_LIMIT_S = 30.0


def check_seconds(world: WorldInfo, domain: str) -> tuple[float, int]:
    """Seconds of one in-process check, and how many warnings and errors it found."""
    started = time.perf_counter()
    report = check_domain_sync(domain, options=library_options(world))
    problems = sum(f.severity is not Severity.INFO for f in report.findings)
    return time.perf_counter() - started, problems


def process_seconds(world: WorldInfo, domain: str) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    argv = [sys.executable, "-m", "autoconf", *cli_args(world, domain, "--check", "--json")]
    started = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, timeout=PROCESS_LIMIT_S)
    return time.perf_counter() - started


def most_broken(world: WorldInfo) -> tuple[str, int]:
    """The check-* or audit-* scenario with the most warnings and errors (one check of each;
    notes, such as the SASL mechanisms of every server, do not count)."""
    counts = {
        name: check_seconds(world, s.domain)[1]
        for name, s in sorted(world.scenarios.items())
        if name.startswith(("check-", "audit-")) and name not in ("check-clean", "audit-clean")
    }
    name = max(counts, key=lambda n: counts[n])
    return name, counts[name]


def measure(world: WorldInfo, runs: int) -> dict[str, dict[str, float]]:
    broken, _ = most_broken(world)
    figures: dict[str, dict[str, float]] = {}
    for label, name in (("clean", "check-clean"), ("most-broken", broken), ("silent", "silent")):
        domain = world.scenarios[name].domain
        in_process: list[float] = []
        cli: list[float] = []
        findings = 0
        for _ in range(runs):  # interleaved, so machine noise hits both alike
            seconds, findings = check_seconds(world, domain)
            in_process.append(seconds)
            cli.append(process_seconds(world, domain))
        figures[label] = {
            "scenario": name,  # type: ignore[dict-item]
            "problems": findings,  # warnings and errors
            "check_s": round(statistics.median(in_process), 3),
            "cli_s": round(statistics.median(cli), 3),
        }
        print(f"check: {label} {figures[label]}", file=sys.stderr, flush=True)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--net", type=int, default=int(os.environ.get("MAIL_AUTOCONF_WORLD_NET", "9"))
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with running_world(args.net) as world:
        figures = measure(world, args.runs)
    report = {"runs": args.runs, "checks": figures}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{'check':<12} {'scenario':<22} {'problems':>8} {'in-process s':>13} {'cli s':>7}")
        for label, f in figures.items():
            print(
                f"{label:<12} {f['scenario']!s:<22} {f['problems']:>8} {f['check_s']:>13.3f} "
                f"{f['cli_s']:>7.3f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
