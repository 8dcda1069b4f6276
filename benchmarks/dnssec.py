#!/usr/bin/env python3
"""What DNSSEC costs a discovery: in-process validation and the AD bit, against none (issue 23).

    python benchmarks/dnssec.py [--runs 5] [--net N] [--json] [--median SCENARIO]

On the loopback test world (Knot signs its root, ``test.`` and the scenario zones; Unbound is
its validating resolver), for two scenarios:
  - ``dnssec-srv``: secure SRV records naming servers in another signed zone;
  - the median world scenario: the one whose discovery with DNSSEC off takes the median time
    of every scenario's (one untimed pass picks it; ``--median`` names it instead);
the median over ``--runs`` of ``DiscoveryResult.elapsed_ms`` of an in-process ``discover()``
(every source but guessing, ``verify=False``) in three modes, interleaved run by run:
  - ``off``: no DNSSEC, every query to Knot;
  - ``resolver``: ``Options.dnssec=resolver``, every query to Unbound (the AD bit trusted);
  - ``validate``: ``Options.dnssec=validate`` from the world root's DS, every query to Knot
    with DO and CD, the chain checked in process.
Each run starts with the process-wide DNS answer cache cleared (each discovery has a Session
of its own), so every run pays its look-ups; Unbound keeps its own cache between runs, as a
resolver on the network does. The verdict ``auto_may_be_default`` says whether in-process
validation costs under 10% of the median scenario's time with DNSSEC off (the rule for making
an ``auto`` mode the default). Needs root and the world's Debian packages; run it in a network
namespace of its own (``benchmarks/run.py`` style: ``unshare --net --pid --fork``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
from typing import Any

from _world import running_world

from autoconf import DnssecMode, Options, SourceName, discover
from autoconf.net.cache import SHARED_ANSWERS
from tests.world import WorldInfo
from tests.world.library import library_options

SIGNED = "dnssec-srv"
MODES = (DnssecMode.OFF, DnssecMode.RESOLVER, DnssecMode.VALIDATE)
AUTO_BUDGET = 0.10  # auto may be the default only under 10 % of the median scenario's time
# Scenarios whose source is silent by design cost a phase limit, not DNS: never the median.
SILENT = frozenset({"silent", "silent-guess", "endless-line"})


def options(world: WorldInfo, mode: DnssecMode) -> Options:
    common: dict[str, Any] = {
        "verify": False,
        "sources": frozenset(SourceName) - {SourceName.GUESS},
    }
    if mode is DnssecMode.VALIDATE:
        return library_options(world, dnssec=mode, trust_anchors=world.trust_anchor, **common)
    if mode is DnssecMode.RESOLVER:
        assert world.resolver is not None
        return library_options(world, dnssec=mode, nameservers=(world.resolver,), **common)
    return library_options(world, **common)


def seconds(world: WorldInfo, address: str, mode: DnssecMode) -> float:
    SHARED_ANSWERS.clear()
    result = asyncio.run(discover(address, options=options(world, mode)))
    return result.elapsed_ms / 1000.0


def median_scenario(world: WorldInfo) -> tuple[str, dict[str, float]]:
    """The scenario whose discovery with DNSSEC off takes the median time (one pass each)."""
    times = {
        name: round(seconds(world, scenario.address, DnssecMode.OFF), 3)
        for name, scenario in sorted(world.scenarios.items())
        if name not in SILENT
    }
    ordered = sorted(times, key=lambda name: times[name])
    return ordered[len(ordered) // 2], times


def measure(world: WorldInfo, name: str, runs: int) -> dict[str, Any]:
    address = world.scenarios[name].address
    for mode in MODES:  # untimed: imports, the DNSSEC module, Unbound's first look-ups
        seconds(world, address, mode)
    samples: dict[str, list[float]] = {mode.value: [] for mode in MODES}
    for _ in range(runs):
        for mode in MODES:
            samples[mode.value].append(seconds(world, address, mode))
    medians = {mode: round(statistics.median(v), 4) for mode, v in samples.items()}
    off = medians[DnssecMode.OFF.value]
    return {
        "scenario": name,
        "median_s": medians,
        "all_s": {mode: [round(x, 4) for x in v] for mode, v in samples.items()},
        "overhead": {
            mode: round((medians[mode] - off) / off, 3) if off > 0 else None
            for mode in medians
            if mode != DnssecMode.OFF.value
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--net", type=int, default=int(os.environ.get("MAIL_AUTOCONF_WORLD_NET", "9"))
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--median", metavar="SCENARIO", help="the median scenario, not measured")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    with running_world(args.net) as world:
        if world.trust_anchor is None or world.resolver is None or SIGNED not in world.scenarios:
            print("this world has no DNSSEC (no trust anchor, resolver or dnssec-srv scenario)")
            return 2
        if args.median:
            median, pass_times = args.median, {}
        else:
            median, pass_times = median_scenario(world)
        figures = [measure(world, SIGNED, args.runs), measure(world, median, args.runs)]
    validate_cost = figures[1]["overhead"][DnssecMode.VALIDATE.value]
    report = {
        "runs": args.runs,
        "scenarios": figures,
        "off_pass_s": pass_times,
        "auto_budget": AUTO_BUDGET,
        "auto_may_be_default": validate_cost is not None and validate_cost < AUTO_BUDGET,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{'scenario':<22} {'off s':>8} {'resolver s':>11} {'validate s':>11}  overhead")
    for f in figures:
        m, o = f["median_s"], f["overhead"]
        print(
            f"{f['scenario']:<22} {m['off']:>8.4f} {m['resolver']:>11.4f} {m['validate']:>11.4f}"
            f"  resolver {o['resolver']:+.0%}, validate {o['validate']:+.0%}"
        )
    print(
        f"auto may be the default (validate < {AUTO_BUDGET:.0%} on the median scenario): "
        f"{report['auto_may_be_default']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
