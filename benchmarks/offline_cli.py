#!/usr/bin/env python3
"""Wall time of the offline CLI beside `python -c "import pydantic"`, measured in one run.

    python benchmarks/offline_cli.py [--runs 30] [--json]

Commands are run interleaved (A, B, C, A, B, C, …) so that machine noise hits all alike.
Prints the median and spread of each, and the ratio of the CLI to the pydantic baseline.
Targets from the issue: median under 0.20 s and under 2.5x the baseline.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

CLI = [sys.executable, "-m", "autoconf", "someone@gmail.com", "--offline", "--json"]
BASELINE = [sys.executable, "-c", "import pydantic"]
# For context: the least any program that builds and dumps one pydantic model can cost.
FLOOR = [
    sys.executable,
    "-c",
    "from pydantic import BaseModel\n"
    "class A(BaseModel):\n    x: int\n"
    "A(x=1).model_dump(mode='json')",
]
COMMANDS = {
    "offline CLI (someone@gmail.com --offline --json)": CLI,
    'python -c "import pydantic" (baseline)': BASELINE,
    "one pydantic model built and dumped (floor)": FLOOR,
}


def time_once(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(runs: int) -> dict[str, list[float]]:
    for argv in COMMANDS.values():  # warm the page cache and the .pyc files once
        time_once(argv)
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, argv in COMMANDS.items():
            samples[name].append(time_once(argv))
    return samples


def summarise(samples: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    out = {}
    for name, values in samples.items():
        ordered = sorted(values)
        out[name] = {
            "median_s": statistics.median(values),
            "p10_s": ordered[len(ordered) // 10],
            "p90_s": ordered[(len(ordered) * 9) // 10],
            "min_s": ordered[0],
            "runs": len(values),
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    stats = summarise(measure(max(args.runs, 20)))
    cli = stats[next(iter(COMMANDS))]["median_s"]
    base = stats['python -c "import pydantic" (baseline)']["median_s"]
    ratio = cli / base
    if args.json:
        print(json.dumps({"commands": stats, "ratio_cli_to_baseline": ratio}, indent=2))
        return 0
    print(f"{'command':55} {'median':>8} {'p10':>8} {'p90':>8} {'runs':>5}")
    for name, s in stats.items():
        print(f"{name:55} {s['median_s']:8.3f} {s['p10_s']:8.3f} {s['p90_s']:8.3f} {s['runs']:5d}")
    print(
        f"\nCLI / baseline = {ratio:.2f}x (target < 2.5x); CLI median {cli:.3f} s (target < 0.20 s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
