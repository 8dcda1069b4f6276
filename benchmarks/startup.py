#!/usr/bin/env python3
"""Start-up cost of the CLI: imports, ``--version``, ``--offline`` and a networked run.

    python benchmarks/startup.py [--runs 10] [--world [--net N] [--scenario srv]]
                                 [--baseline PATH] [--bytecode env|cached|both] [--json]

Each command runs as a whole process, ``--runs`` times, interleaved (A, B, C, A, B, C, …) so
that machine noise hits all alike; the report gives the median, p10–p90 and minimum of the
wall time and the median CPU time (user + system, from ``wait4``) of each. The commands:

  - ``python -c pass``: the interpreter alone (the floor);
  - ``python -c "import autoconf"`` and ``python -c "import autoconf.cli"``;
  - ``python -m autoconf --version`` and ``python -m autoconf someone@gmail.com --offline
    --json``;
  - with ``--world``: ``python -m autoconf ADDRESS --json --no-verify`` and the same with
    verification, against one scenario of the loopback test world (``srv`` unless
    ``--scenario``; ``all``: every one but the silent-source ones), pointed at it as
    ``tests/world/library.py`` does.

Bytecode: ``env`` runs the commands in this process's environment. Where
``PYTHONDONTWRITEBYTECODE`` is set (as in this project's sessions) and the tree has no
``__pycache__``, every run compiles each imported module of ``autoconf`` from source again.
``cached`` gives the children a bytecode cache of their own (``PYTHONPYCACHEPREFIX``, a
temporary folder, filled by a warm-up run), which is what an installed package sees.

``--baseline PATH`` runs every command a second time from another checkout (e.g. ``/work/main``,
with ``PYTHONPATH`` and the working folder there), interleaved with this one: a before/after in
one run, under the same load. Finally ``-X importtime`` of the offline command and, with
``--world``, of the networked one (median of 3) gives the top contributors to import time,
per top-level package and per module (self time; ``-X importtime`` itself adds some).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
LIMIT_S = 60.0
# Scenarios whose source never answers: they cost a phase limit by design (benchmarks/scenarios.py).
SILENT = frozenset({"silent", "silent-guess", "endless-line"})
IMPORTTIME = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def commands(world: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Name -> argv of every command measured (``world``: scenario -> its CLI arguments)."""
    out = {
        "python -c pass": [PY, "-c", "pass"],
        'python -c "import autoconf"': [PY, "-c", "import autoconf"],
        'python -c "import autoconf.cli"': [PY, "-c", "import autoconf.cli"],
        "python -m autoconf --version": [PY, "-m", "autoconf", "--version"],
        "python -m autoconf someone@gmail.com --offline --json": [
            PY,
            "-m",
            "autoconf",
            "someone@gmail.com",
            "--offline",
            "--json",
        ],
    }
    for scenario, cli in world.items():
        out[f"world {scenario}: --json --no-verify"] = [
            PY,
            "-m",
            "autoconf",
            *cli,
            "--json",
            "--no-verify",
        ]
        out[f"world {scenario}: --json (verified)"] = [PY, "-m", "autoconf", *cli, "--json"]
    return out


def child_env(tree: Path, cache: Path | None) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    if cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def time_once(argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system) and exit status of one run of ``argv``."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return wall, usage.ru_utime + usage.ru_stime, proc.returncode


def summary(walls: list[float], cpus: list[float], codes: set[int]) -> dict[str, Any]:
    ordered = sorted(walls)
    return {
        "median_s": round(statistics.median(walls), 4),
        "p10_s": round(ordered[len(ordered) // 10], 4),
        "p90_s": round(ordered[(len(ordered) * 9) // 10], 4),
        "min_s": round(ordered[0], 4),
        "cpu_median_s": round(statistics.median(cpus), 4),
        "runs": len(walls),
        "exit_codes": sorted(codes),
    }


Key = tuple[str, str, str]  # (tree, bytecode mode, command)


def measure(
    trees: Mapping[str, Path],
    modes: Mapping[str, Path | None],
    cmds: Mapping[str, list[str]],
    runs: int,
) -> dict[Key, dict[str, Any]]:
    plan = [
        (tree, mode, name, argv, child_env(path, modes[mode]), path)
        for tree, path in trees.items()
        for mode in modes
        for name, argv in cmds.items()
    ]
    for _, _, _, argv, env, cwd in plan:  # warm the page cache and fill the bytecode caches
        time_once(argv, env, cwd)
    samples: dict[Key, tuple[list[float], list[float], set[int]]] = {
        (t, m, n): ([], [], set()) for t, m, n, *_ in plan
    }
    for i in range(runs):
        print(f"startup: round {i + 1}/{runs}", file=sys.stderr, flush=True)
        for tree, mode, name, argv, env, cwd in plan:
            wall, cpu, code = time_once(argv, env, cwd)
            walls, cpus, codes = samples[(tree, mode, name)]
            walls.append(wall)
            cpus.append(cpu)
            codes.add(code)
    return {key: summary(*value) for key, value in samples.items()}


def import_profile(argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> dict[str, Any]:
    """Median self time per module and per top-level package under ``-X importtime``."""
    per_module: dict[str, list[int]] = collections.defaultdict(list)
    totals: list[float] = []
    for _ in range(3):
        done = subprocess.run(
            [argv[0], "-X", "importtime", *argv[1:]],
            env=dict(env),
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=LIMIT_S,
            check=False,
        )
        rows = [m for m in map(IMPORTTIME.match, done.stderr.splitlines()) if m]
        totals.append(sum(int(m[1]) for m in rows) / 1e6)
        for m in rows:
            per_module[m[4]].append(int(m[1]))
    selfs = {name: statistics.median(v) / 1e6 for name, v in per_module.items()}
    packages: dict[str, float] = collections.Counter()
    for name, s in selfs.items():
        packages[name.split(".")[0]] += s
    top = sorted(selfs.items(), key=lambda kv: -kv[1])[:15]
    return {
        "modules_imported": len(selfs),
        "total_self_s": round(statistics.median(totals), 4),
        "top_packages_s": {k: round(v, 4) for k, v in packages.most_common(15)},
        "top_modules_s": {k: round(v, 4) for k, v in top},
    }


@contextlib.contextmanager
def world_args(enabled: bool, net: int, scenario: str) -> Iterator[dict[str, list[str]]]:
    """Scenario -> CLI arguments pointed at a running world (none without ``--world``)."""
    if not enabled:
        yield {}
        return
    from _world import running_world

    from tests.world.library import cli_args

    with running_world(net) as world:
        names = [scenario] if scenario != "all" else sorted(set(world.scenarios) - SILENT)
        yield {name: cli_args(world, world.scenarios[name].address) for name in names}


def report(args: argparse.Namespace) -> dict[str, Any]:
    trees = {"this": ROOT}
    if args.baseline is not None:
        trees["baseline"] = args.baseline.resolve()
    load_before = os.getloadavg()
    with (
        tempfile.TemporaryDirectory(prefix="startup-pyc-") as cache,
        world_args(args.world, args.net, args.scenario) as wargs,
    ):
        modes: dict[str, Path | None] = {}
        if args.bytecode in ("env", "both"):
            modes["env"] = None
        if args.bytecode in ("cached", "both"):
            modes["cached"] = Path(cache)
        cmds = commands(wargs)
        figures = measure(trees, modes, cmds, args.runs)
        profiled = {"offline": cmds["python -m autoconf someone@gmail.com --offline --json"]}
        if wargs:
            first = next(iter(wargs))
            profiled[f"world {first} (verified)"] = cmds[f"world {first}: --json (verified)"]
        last_mode = next(reversed(modes))
        imports = {
            name: import_profile(argv, child_env(ROOT, modes[last_mode]), ROOT)
            for name, argv in profiled.items()
        }
    out: dict[str, Any] = {
        "runs": args.runs,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "pythondontwritebytecode": bool(os.environ.get("PYTHONDONTWRITEBYTECODE")),
        "trees": {name: str(path) for name, path in trees.items()},
        "scenario": args.scenario if args.world else None,
        "figures": {},
        "imports_mode": last_mode,
        "imports": imports,
    }
    for (tree, mode, name), fig in figures.items():
        out["figures"].setdefault(tree, {}).setdefault(mode, {})[name] = fig
    return out


def print_text(r: dict[str, Any]) -> None:
    print(f"load average before {r['load_before']}, after {r['load_after']}; {r['runs']} runs")
    for tree, modes in r["figures"].items():
        for mode, cmds in modes.items():
            print(f"\n{tree} ({r['trees'][tree]}), bytecode {mode}:")
            print(f"  {'command':55} {'median':>7} {'p10–p90':>13} {'min':>6} {'cpu':>6}")
            for name, f in cmds.items():
                spread = f"{f['p10_s']:.3f}–{f['p90_s']:.3f}"
                print(
                    f"  {name:55} {f['median_s']:7.3f} {spread:>13} {f['min_s']:6.3f} "
                    f"{f['cpu_median_s']:6.3f}  exit {f['exit_codes']}"
                )
    print_world_table(r)
    for name, prof in r["imports"].items():
        print(f"\nimport time of the {name} run ({prof['modules_imported']} modules, self total")
        print(f"{prof['total_self_s']:.3f} s under -X importtime, bytecode {r['imports_mode']}):")
        for pkg, s in prof["top_packages_s"].items():
            print(f"  {pkg:40} {s * 1000:7.1f} ms")
        print("  top modules (self):")
        for mod, s in prof["top_modules_s"].items():
            print(f"    {mod:38} {s * 1000:7.1f} ms")


def print_world_table(r: dict[str, Any]) -> None:
    """Per scenario: median wall time of the two world commands, for each tree side by side."""
    trees = list(r["figures"])
    for mode in r["figures"][trees[0]]:
        names = [n for n in r["figures"][trees[0]][mode] if n.startswith("world ")]
        scenarios = sorted({n.split(":")[0].removeprefix("world ") for n in names})
        if not scenarios:
            continue
        print(f"\nworld scenarios, median wall s, bytecode {mode} (--no-verify / verified):")
        print(f"  {'scenario':22}" + "".join(f" {t:>19}" for t in trees))
        for sc in scenarios:
            cells = []
            for t in trees:
                got = r["figures"][t][mode]
                nv = got[f"world {sc}: --json --no-verify"]["median_s"]
                v = got[f"world {sc}: --json (verified)"]["median_s"]
                cells.append(f"{nv:8.3f} / {v:6.3f}")
            print(f"  {sc:22}" + "".join(f" {c:>19}" for c in cells))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--world", action="store_true", help="also time a networked run")
    parser.add_argument(
        "--net", type=int, default=int(os.environ.get("MAIL_AUTOCONF_WORLD_NET", "9"))
    )
    parser.add_argument(
        "--scenario", default="srv", help="world scenario of the networked run, or all"
    )
    parser.add_argument("--baseline", type=Path, help="another checkout to time side by side")
    parser.add_argument("--bytecode", choices=["env", "cached", "both"], default="both")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    r = report(args)
    if args.json:
        print(json.dumps(r, indent=2))
    else:
        print_text(r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
