#!/usr/bin/env python3
"""In-process cost of the bundled provider index: load it and answer the first look-ups.

    PYTHONPATH=. python benchmarks/provider_index.py [--runs 200] [--json]

Each run loads the index afresh (``BundledIspdb.load()``) and resolves gmail.com and gmx.net
to templates, as the first offline discovery of a process does. Prints the minimum and the
median in milliseconds, the index's size, and how many domains it answers. Run it with
PYTHONPATH pointing at another checkout to compare (format-1 indexes are read too).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from autoconf._data import BundledIspdb, data_dir


def once() -> float:
    start = time.perf_counter()
    index = BundledIspdb.load()
    for domain in ("gmail.com", "gmx.net"):
        index.lookup(domain)
    return (time.perf_counter() - start) * 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    once()  # the file into the page cache, the modules imported
    times = sorted(once() for _ in range(args.runs))
    index = BundledIspdb.load()
    files = sorted(data_dir().glob("*-index.json"))
    size = sum(f.stat().st_size for f in files)
    if args.json:
        figures = {
            "runs": args.runs,
            "min_ms": round(times[0], 3),
            "median_ms": round(statistics.median(times), 3),
            "index_files": [f.name for f in files],
            "index_kb": round(size / 1000),
            "domains": len(index),
        }
        print(json.dumps(figures, indent=2))
        return
    print(
        f"load + 2 look-ups: min {times[0]:.2f} ms, median {statistics.median(times):.2f} ms "
        f"({args.runs} runs); {', '.join(f.name for f in files)} {size / 1000:.0f} kB, "
        f"{len(index)} domains"
    )


if __name__ == "__main__":
    main()
