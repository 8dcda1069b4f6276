#!/usr/bin/env python3
"""Where the client's CPU goes in a verified discovery: cProfile of fresh and warm discoveries.

    python benchmarks/client_profile.py [--iterations 30] [--top 40] [--sort tottime]
                                        [--out DIR]

Brings up the loopback test world and, in this process, profiles ``--iterations`` fresh
discoveries (``discover()`` without a Session) and as many warm ones (``Session.discover`` of
another user at a domain the Session already answered) of the ``autoconfig`` scenario, the
same calls ``client_cost.py`` times. Prints the top functions of each profile; with ``--out``
also writes ``fresh.prof`` and ``warm.prof`` there (for ``python -m pstats`` or snakeviz).
The profiles count CPU time (``time.process_time``), not waiting. Profiling slows every
Python call, so the shares matter, not the absolute figures: the figures themselves come
from ``client_cost.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _world import running_world  # noqa: E402

SCENARIO = "autoconfig"


async def profiles(world: Any, iterations: int) -> tuple[cProfile.Profile, cProfile.Profile]:
    import autoconf
    from tests.world.library import library_options

    domain = world.scenarios[SCENARIO].domain
    options = library_options(world)
    await autoconf.discover(f"warmup@{domain}", options=options)  # imports, first contexts
    fresh, warm = cProfile.Profile(time.process_time), cProfile.Profile(time.process_time)
    async with autoconf.Session(options) as session:
        await session.discover(f"first@{domain}")
        for i in range(iterations):
            fresh.enable()
            result = await autoconf.discover(f"fresh{i}@{domain}", options=options)
            fresh.disable()
            assert result.incoming, result.attempts
            warm.enable()
            result = await session.discover(f"warm{i}@{domain}")
            warm.disable()
            assert result.incoming, result.attempts
    return fresh, warm


def top(profile: cProfile.Profile, sort: str, count: int) -> str:
    out = io.StringIO()
    pstats.Stats(profile, stream=out).strip_dirs().sort_stats(sort).print_stats(count)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime", help="a pstats sort key (cumulative, ...)")
    parser.add_argument("--out", type=Path, help="write fresh.prof and warm.prof here")
    parser.add_argument("--net", type=int, default=15, help="the world's 127.0.N.x")
    args = parser.parse_args()
    with running_world(args.net) as world:
        fresh, warm = asyncio.run(profiles(world, args.iterations))
    for name, profile in (("fresh", fresh), ("warm", warm)):
        print(f"== {name}: {args.iterations} discoveries ==")
        print(top(profile, args.sort, args.top))
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            profile.dump_stats(str(args.out / f"{name}.prof"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
