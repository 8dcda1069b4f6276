#!/usr/bin/env python3
"""mail-autoconf side by side with other discovery tools, against the same world scenarios.

    python benchmarks/peers.py [--runs 3] [--hard-kill 20] [--scenarios a,b,...] [--json]

The peers (myl-discovery and maildiscover from PyPI) live in their own virtual environment,
`benchmarks/.peers/venv`, created on first use. The whole comparison runs inside private
network, mount and PID namespaces (`unshare`), where the test world listens on 127.0.13.x
with its nameserver on 127.0.0.1:53 and `/etc/resolv.conf` names only that nameserver; the
peers get the world's CA through SSL_CERT_FILE / REQUESTS_CA_BUNDLE. mail-autoconf runs in
the same namespace through its CLI with `--nameserver 127.0.0.1:53 --ca-file CA
--ispdb-url https://ispdb.world.test/v1.1/`.

Every run of every tool is a fresh process, timed from start to exit, killed (with its
process group) at the hard limit. Runs are interleaved (round 1: every scenario, every tool;
round 2: ...), so machine noise hits all tools alike. A tool is right on a scenario when its
first incoming and first outgoing server match the scenario's expected host and port.
Must run as root (namespaces, port 53, the world's daemons).
"""

from __future__ import annotations

import argparse
import collections
import importlib.metadata
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _peers_ns import (
    PEERS_PYTHON,
    ensure_peers_venv,
    in_namespace,
    namespace_problem,
    peer_versions,
    private_network,
    reexec_in_namespace,
    world_on_port_53,
)
from _peers_proc import Outcome, run_bounded
from _world import ROOT

from tests.world import Expect, WorldInfo

SHIM = ROOT / "benchmarks" / "_peers_shim.py"
OURS = "mail-autoconf"
OURS_NO_VERIFY = "mail-autoconf --no-verify"
PEERS = ("myl-discovery", "maildiscover")
TOOLS = (OURS, OURS_NO_VERIFY, *PEERS)
SCENARIOS = ("autoconfig", "srv", "mx-hosting", "guess", "silent")
NET = 13
PEERS_ERROR_ENV = "MAIL_AUTOCONF_BENCH_PEERS_ERROR"

Server = dict[str, Any]
Argv = Callable[[str], list[str]]


def tool_argv(world: WorldInfo) -> dict[str, Argv]:
    """The command line of each tool for one address."""
    host, port = world.nameserver

    def ours(address: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "autoconf",
            address,
            "--json",
            "--ca-file",
            str(world.ca_file),
            "--nameserver",
            f"{host}:{port}",
            "--ispdb-url",
            world.ispdb_url,
        ]

    def peer(name: str) -> Argv:
        return lambda address: [str(PEERS_PYTHON), str(SHIM), name, address]

    return {
        OURS: ours,
        OURS_NO_VERIFY: lambda address: [*ours(address), "--no-verify"],
        **{name: peer(name) for name in PEERS},
    }


def _first(servers: Any) -> Server | None:
    if not isinstance(servers, list) or not servers:
        return None
    s = servers[0]
    return {"host": str(s["host"]).lower().rstrip("."), "port": int(s["port"])}


def parse(tool: str, outcome: Outcome) -> dict[str, Any]:
    """One run's answer: status, first incoming and outgoing server, or the error."""
    run: dict[str, Any] = {
        "wall_s": outcome.wall_s,
        "maxrss_kib": outcome.maxrss_kib,
        "exit": outcome.returncode,
        "incoming": None,
        "outgoing": None,
    }
    if outcome.killed:
        return {**run, "status": "timeout"}
    text = outcome.stdout.strip()
    try:
        # A peer's shim prints one JSON line; our CLI prints one (indented) JSON document.
        answer = json.loads(text.splitlines()[-1] if tool in PEERS else text)
    except (json.JSONDecodeError, IndexError):
        tail = outcome.stderr.strip().splitlines()[-1:] or ["no output"]
        return {**run, "status": "error", "error": tail[0][:200]}
    if not isinstance(answer, dict):
        return {**run, "status": "error", "error": "unexpected output"}
    if tool in PEERS:
        if "error" in answer:
            return {**run, "status": "error", "error": str(answer["error"])[:200]}
        inc, out = answer.get("incoming"), answer.get("outgoing")
    else:
        inc, out = _first(answer.get("incoming")), _first(answer.get("outgoing"))
    return {**run, "status": "ok", "incoming": inc, "outgoing": out}


def matches(found: Server | None, expect: Expect | None) -> bool:
    if expect is None:
        return found is None
    return (
        found is not None and found.get("host") == expect.host and found.get("port") == expect.port
    )


def describe(server: Server | None) -> str:
    if server is None:
        return "none"
    return f"{server['host']}:{server['port'] if server['port'] is not None else '?'}"


def summarise(runs: list[dict[str, Any]], hard_kill: float) -> dict[str, Any]:
    """Median and spread of the times, and what the tool answered (most common answer)."""
    walls = [r["wall_s"] for r in runs]
    right = sum(r["right"] for r in runs)
    answers = collections.Counter(r["answer"] for r in runs)
    answer, _ = answers.most_common(1)[0]
    return {
        "runs": len(runs),
        "right_runs": right,
        "verdict": "right" if right == len(runs) else ("wrong" if right == 0 else "mixed"),
        "answer": answer
        if len(answers) == 1
        else "; ".join(f"{a} ({n}x)" for a, n in answers.items()),
        "timeouts": sum(r["status"] == "timeout" for r in runs),
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        "maxrss_kib_median": int(statistics.median(r["maxrss_kib"] for r in runs)),
        "hard_kill_s": hard_kill,
        "samples": runs,
    }


def answer_text(run: dict[str, Any], hard_kill: float) -> str:
    if run["status"] == "timeout":
        return f"timeout at hard kill ({hard_kill:.0f} s)"
    if run["status"] == "error":
        return f"error: {run.get('error', '')}"
    return f"{describe(run['incoming'])} / {describe(run['outgoing'])}"


def measure(
    world: WorldInfo, scenarios: list[str], tools: list[str], runs: int, hard_kill: float
) -> dict[str, dict[str, Any]]:
    argv = tool_argv(world)
    env = dict(os.environ)
    env["SSL_CERT_FILE"] = str(world.ca_file)
    env["REQUESTS_CA_BUNDLE"] = str(world.ca_file)
    env.pop("PYTHONPATH", None)
    warm = "autoconfig" if "autoconfig" in scenarios else scenarios[0]
    first = world.scenarios[warm].address
    for tool in tools:  # warm-up, not recorded: page cache and .pyc files
        run_bounded(argv[tool](first), hard_kill, env=env, cwd=str(ROOT))
    samples: dict[str, dict[str, list[dict[str, Any]]]] = {
        s: {t: [] for t in tools} for s in scenarios
    }
    for round_no in range(runs):
        for name in scenarios:
            scenario = world.scenarios[name]
            for tool in tools:
                outcome = run_bounded(
                    argv[tool](scenario.address), hard_kill, env=env, cwd=str(ROOT)
                )
                run = parse(tool, outcome)
                run["right"] = matches(run["incoming"], scenario.incoming) and matches(
                    run["outgoing"], scenario.outgoing
                )
                run["answer"] = answer_text(run, hard_kill)
                samples[name][tool].append(run)
                print(
                    f"peers: round {round_no + 1}/{runs} {name:11} {tool:26} "
                    f"{run['wall_s']:6.2f} s  {'right' if run['right'] else 'WRONG'}  "
                    f"{run['answer']}",
                    file=sys.stderr,
                    flush=True,
                )
    return {s: {t: summarise(v, hard_kill) for t, v in per.items()} for s, per in samples.items()}


def expected(e: Expect | None) -> str:
    return "none" if e is None else f"{e.host}:{e.port} ({e.security})"


def inside(args: argparse.Namespace) -> int:
    """The comparison proper, run inside the namespaces."""
    peers_error = os.environ.get(PEERS_ERROR_ENV) or None
    tools = [t for t in args.tools if t not in PEERS or peers_error is None]
    scenarios = list(args.scenarios)
    started = time.perf_counter()
    with private_network(), world_on_port_53(args.net) as (world, _handle):
        up_s = time.perf_counter() - started
        unknown = [s for s in scenarios if s not in world.scenarios]
        if unknown:
            raise SystemExit(f"unknown scenarios: {', '.join(unknown)}")
        results = measure(world, scenarios, tools, args.runs, args.hard_kill)
        scenario_info = {
            s: {
                "domain": world.scenarios[s].domain,
                "address": world.scenarios[s].address,
                "description": world.scenarios[s].description,
                "expect_incoming": expected(world.scenarios[s].incoming),
                "expect_outgoing": expected(world.scenarios[s].outgoing),
            }
            for s in scenarios
        }
    versions = {OURS: importlib.metadata.version(OURS)}
    if peers_error is None:
        versions.update(peer_versions())
    report = {
        "runs": args.runs,
        "hard_kill_s": args.hard_kill,
        "net": args.net,
        "world_up_s": up_s,
        "our_deadline_s": 10.0,
        "tools": tools,
        "versions": versions,
        "peers_error": peers_error,
        "scenarios": scenario_info,
        "results": results,
        "elapsed_s": time.perf_counter() - started,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(render_text(report))
    return 0


def render_text(report: dict[str, Any]) -> str:
    tools = report["tools"]
    lines = [f"{report['runs']} runs each, hard kill at {report['hard_kill_s']:.0f} s", ""]
    lines.append(f"{'scenario':12}" + "".join(f"{t:>30}" for t in tools))
    for name, per in report["results"].items():
        cells = []
        for t in tools:
            r = per[t]
            cells.append(
                f"{r['verdict']} {r['median_s']:.2f} s ({r['min_s']:.2f}-{r['max_s']:.2f})"
            )
        lines.append(f"{name:12}" + "".join(f"{c:>30}" for c in cells))
    lines.append("")
    for name, per in report["results"].items():
        sc = report["scenarios"][name]
        lines.append(f"{name}: expected {sc['expect_incoming']} / {sc['expect_outgoing']}")
        for t in tools:
            lines.append(f"  {t:14} {per[t]['answer']}")
    if report["peers_error"]:
        lines.append(f"\npeers not run: {report['peers_error']}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs per scenario and tool")
    parser.add_argument("--hard-kill", type=float, default=20.0, help="seconds before SIGKILL")
    parser.add_argument("--scenarios", type=lambda s: s.split(","), default=list(SCENARIOS))
    parser.add_argument("--tools", type=lambda s: s.split(","), default=list(TOOLS))
    parser.add_argument("--net", type=int, default=NET, help="world addresses 127.0.NET.x")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    args.runs = max(1, min(args.runs, 20))
    args.hard_kill = max(1.0, min(args.hard_kill, 60.0))
    if in_namespace():
        return inside(args)
    if os.geteuid() != 0:
        print(
            "peers: needs root (network namespace, port 53, the world's daemons)", file=sys.stderr
        )
        return 2
    problem = namespace_problem()
    if problem:
        print(f"peers: cannot make a private network: {problem}", file=sys.stderr)
        return 2
    peers_error = ensure_peers_venv() if any(t in PEERS for t in args.tools) else None
    if peers_error:
        print(
            f"peers: peer tools unavailable, measuring mail-autoconf only: {peers_error}",
            file=sys.stderr,
        )
        os.environ[PEERS_ERROR_ENV] = peers_error
    # Bound for the whole comparison: every run at the hard limit, plus the world's start.
    bound = 120 + len(args.scenarios) * len(args.tools) * (args.runs + 1) * (args.hard_kill + 1)
    return reexec_in_namespace(Path(__file__).resolve(), sys.argv[1:], bound)


if __name__ == "__main__":
    raise SystemExit(main())
