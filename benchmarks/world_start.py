#!/usr/bin/env python3
"""How long the loopback test world takes to come up and go down.

    python benchmarks/world_start.py [--runs 5] [--net 9] [--json]

Starts and stops ``tests.world.World`` --runs times in a row on 127.0.<net>.x and reports the
median, minimum and maximum of ``World.up_seconds`` (from the first check to every daemon
listening and the nameserver answering for every zone, its DNSSEC keys and signed zones
included) and ``World.down_seconds``. Needs root and the world's Debian packages
(scripts/install-world-deps); run it in a network namespace of its own (``benchmarks/run.py``
does) so that it never meets the test suite's world.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.world import World, missing_dependencies  # noqa: E402


def _summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(values), 3),
        "min_s": round(min(values), 3),
        "max_s": round(max(values), 3),
    }


def measure(runs: int, net: int) -> dict[str, object]:
    """Bring the world up and down `runs` times; the seconds of each."""
    ups: list[float] = []
    downs: list[float] = []
    for _ in range(runs):
        world = World(net=net)
        try:
            world.up()
        finally:
            problems = world.down()
        if problems:
            raise SystemExit(f"the world did not stop cleanly: {'; '.join(problems)}")
        ups.append(world.up_seconds)
        downs.append(world.down_seconds)
    return {"runs": runs, "up": _summary(ups), "down": _summary(downs), "up_all_s": ups}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/world_start.py")
    parser.add_argument("--runs", type=int, default=5, help="starts and stops (default 5)")
    parser.add_argument("--net", type=int, default=9, help="use addresses 127.0.NET.x")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    missing = missing_dependencies()
    if missing:
        print(f"the test world needs {', '.join(missing)}: run scripts/install-world-deps")
        return 2
    result = measure(args.runs, args.net)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for what in ("up", "down"):
            fig = result[what]
            assert isinstance(fig, dict)
            print(
                f"world {what:4}: median {fig['median_s']:.3f} s "
                f"(min {fig['min_s']:.3f}, max {fig['max_s']:.3f}) over {args.runs} runs"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
