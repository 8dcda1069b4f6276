#!/usr/bin/env python3
"""Time and peak memory of ``--check`` on a domain with 6 x 1,000 SRV records (issue 19.5).

    python benchmarks/srv_thousands.py [--runs 3] [--net N] [--timeout 10] [--json]
                                       [--autoconf-root PATH]

Against the loopback test world's ``srv-thousands.test`` (1,000 records for each of the six
RFC 6186 / RFC 8314 services; tests/world/scenarios_check.py), the median over ``--runs`` of
whole ``python -m autoconf --check DOMAIN --json --timeout T`` processes:
  - ``wall_s``: from start to exit;
  - ``result_s``: the report's own ``elapsed_ms`` (the check, without start-up and output);
  - ``peak_rss_mb``: the process's peak resident memory (``ru_maxrss`` from ``wait4``);
  - ``json_kb``: the size of the report;
  and, from the last run, how many servers were probed and how many left out.
``--autoconf-root`` runs the CLI of another checkout (``/work/main`` for the figures before
a change) against this checkout's world. Run it in a network namespace of its own, as
``benchmarks/run.py`` does, so the world's loopback ports collide with nothing:
``unshare --net --pid --fork --kill-child --mount-proc sh -c 'ip link set lo up && exec "$@"'
sh python benchmarks/srv_thousands.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _world import ROOT, running_world

from tests.world import WorldInfo
from tests.world.library import cli_args

SCENARIO = "srv-thousands"


def one_run(world: WorldInfo, root: Path, timeout: float) -> dict[str, float]:
    """One whole CLI process: its wall time, peak memory and what its report says."""
    domain = world.scenarios[SCENARIO].domain
    argv = [sys.executable, "-m", "autoconf"]
    argv += cli_args(world, domain, "--check", "--json", "--timeout", f"{timeout:g}")
    env = dict(os.environ, PYTHONPATH=str(root))
    started = time.perf_counter()
    with subprocess.Popen(argv, cwd=root, env=env, stdout=subprocess.PIPE) as child:
        out = child.stdout.read() if child.stdout else b""
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    report = json.loads(out)
    srv = next(m for m in report["mechanisms"] if m["mechanism"] == "srv")
    return {
        "wall_s": wall,
        "result_s": report["elapsed_ms"] / 1000.0,
        "peak_rss_mb": usage.ru_maxrss / 1024.0,  # Linux: kilobytes
        "json_kb": len(out) / 1024.0,
        "exit": child.returncode,
        "servers_probed": len(report["servers"]),
        "servers_left_out": report.get("servers_left_out", 0),
        "records_listed": len(srv["dns"]),
        "records_left_out": srv.get("records_left_out", 0),
    }


def measure(world: WorldInfo, root: Path, runs: int, timeout: float) -> dict[str, float]:
    results = [one_run(world, root, timeout) for _ in range(runs)]
    figures = {
        key: round(statistics.median(r[key] for r in results), 3)
        for key in ("wall_s", "result_s", "peak_rss_mb", "json_kb")
    }
    last = results[-1]
    for key in ("exit", "servers_probed", "servers_left_out", "records_listed", "records_left_out"):
        figures[key] = last[key]
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    net = int(os.environ.get("MAIL_AUTOCONF_WORLD_NET", "9"))
    parser.add_argument("--net", type=int, default=net)
    parser.add_argument("--autoconf-root", type=Path, default=ROOT)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with running_world(args.net) as world:
        figures = measure(world, args.autoconf_root.resolve(), args.runs, args.timeout)
    report = {"runs": args.runs, "timeout_s": args.timeout, "srv_thousands": figures}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:<18} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
