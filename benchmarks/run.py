#!/usr/bin/env python3
"""Run every benchmark in benchmarks/ and write BENCHMARKS.md from what they measured.

    python benchmarks/run.py [--out BENCHMARKS.md] [--budget 570]

Each benchmark script (every `benchmarks/*.py` but this one and the `_` helpers) runs as a
subprocess with `--json`, with arguments that keep the whole run under ten minutes on a
two-core machine, and a hard time limit. Scripts that bring up the loopback test world run
inside a network and PID namespace of their own (`unshare`), so they never collide with the
test suite or another benchmark and nothing they start outlives them; `peers.py` makes its
own namespaces. A script that is missing, fails or runs out of time is recorded as such in
BENCHMARKS.md; the rest still report. Must run as root (namespaces, the world's daemons).
The raw JSON of the last run is kept in benchmarks/.peers/last-run.json (git-ignored).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _peers_proc import Outcome, run_bounded

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RAW = HERE / ".peers" / "last-run.json"
COMMAND = "python benchmarks/run.py"
# A network namespace with only loopback (brought up), a PID namespace whose end ends every
# process started in it (the world's daemons included), a private mount table for /proc.
ISOLATE = ["unshare", "--net", "--pid", "--fork", "--kill-child", "--mount-proc"]
LO_UP = 'ip link set lo up && exec "$@"'


@dataclasses.dataclass(frozen=True)
class Plan:
    """How run.py calls one benchmark script."""

    script: str
    args: tuple[str, ...]
    limit_s: float  # hard kill, per repeat
    repeats: int = 1
    isolate: bool = True


PLANS = {
    "offline_cli.py": Plan("offline_cli.py", ("--runs", "20"), 120),
    "pipeline_latency.py": Plan("pipeline_latency.py", ("--rounds", "5"), 120),
    "batch.py": Plan("batch.py", ("--count", "1000", "--concurrency", "1", "64"), 120, repeats=3),
    "probe.py": Plan("probe.py", ("--probes", "200"), 90, repeats=3),
    "concurrency.py": Plan("concurrency.py", ("--calls", "1000"), 90, repeats=2),
    "peers.py": Plan("peers.py", ("--runs", "3", "--hard-kill", "20"), 330, isolate=False),
    "scenarios.py": Plan("scenarios.py", ("--runs", "2"), 420),
    "startup.py": Plan("startup.py", ("--runs", "10", "--world", "--bytecode", "both"), 150),
}
# Correctness runs that count outcomes rather than measure speed; their counts are quoted
# from a run by hand (each prints its own report), so they are not part of this file.
# Not measures: tests of robustness, and a profiler whose figures are shares, not timings.
NOT_TIMED = frozenset({"fuzz_parsers.py", "odd_addresses.py", "client_profile.py"})
# The comparison first: it is the largest and the reason for this file.
ORDER = [
    "peers.py",
    "offline_cli.py",
    "startup.py",
    "pipeline_latency.py",
    "probe.py",
    "batch.py",
    "concurrency.py",
    "scenarios.py",
]


@dataclasses.dataclass
class Ran:
    """The outcome of one script's repeats: parsed JSON reports, or why there are none."""

    plan: Plan
    command: str
    reports: list[Any] = dataclasses.field(default_factory=list)
    problem: str | None = None
    seconds: float = 0.0


def isolation_problem() -> str | None:
    if os.geteuid() != 0:
        return "not root"
    for tool in ("unshare", "ip"):
        if shutil.which(tool) is None:
            return f"{tool} not installed"
    done = subprocess.run([*ISOLATE, "true"], capture_output=True, timeout=30, check=False)
    if done.returncode != 0:
        return f"unshare failed: {done.stderr.decode(errors='replace').strip()[:200]}"
    return None


def run_script(plan: Plan, limit_s: float, isolate: bool) -> Ran:
    argv = [sys.executable, str(HERE / plan.script), *plan.args, "--json"]
    command = " ".join(["python", f"benchmarks/{plan.script}", *plan.args, "--json"])
    ran = Ran(plan, command)
    if not (HERE / plan.script).exists():
        ran.problem = f"benchmarks/{plan.script} is missing"
        return ran
    if isolate and plan.isolate:
        argv = [*ISOLATE, "sh", "-c", LO_UP, "sh", *argv]
    started = time.perf_counter()
    for i in range(plan.repeats):
        left = limit_s - (time.perf_counter() - started)
        if left < 5:
            ran.problem = f"out of time after {i} of {plan.repeats} runs"
            break
        print(f"run: {command} [{i + 1}/{plan.repeats}]", file=sys.stderr, flush=True)
        out: Outcome = run_bounded(argv, min(plan.limit_s, left), cwd=str(ROOT))
        if out.killed:
            ran.problem = f"killed at its time limit ({min(plan.limit_s, left):.0f} s)"
            break
        if out.returncode != 0:
            tail = " | ".join(out.stderr.strip().splitlines()[-3:]) or "no output"
            ran.problem = f"exit {out.returncode}: {tail[-400:]}"
            break
        try:
            ran.reports.append(json.loads(out.stdout))
        except json.JSONDecodeError:
            ran.problem = "output is not JSON"
            break
    ran.seconds = time.perf_counter() - started
    return ran


def cli_memory(runs: int = 5) -> dict[str, Any]:
    """Peak RSS of single CLI runs (offline), beside `python -c "import pydantic"`."""
    commands = {
        "offline CLI (someone@gmail.com --offline --json)": [
            sys.executable,
            "-m",
            "autoconf",
            "someone@gmail.com",
            "--offline",
            "--json",
        ],
        'python -c "import pydantic"': [sys.executable, "-c", "import pydantic"],
    }
    out: dict[str, Any] = {}
    for name, argv in commands.items():
        rss = [run_bounded(argv, 30, cwd=str(ROOT)).maxrss_kib for _ in range(runs)]
        out[name] = {
            "median_mib": statistics.median(rss) / 1024,
            "min_mib": min(rss) / 1024,
            "max_mib": max(rss) / 1024,
            "runs": runs,
        }
    return out


# ---------------------------------------------------------------- the machine


def machine() -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "unknown"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    osname = platform.system()
    try:
        info = platform.freedesktop_os_release()
        osname = info.get("PRETTY_NAME", osname)
    except OSError:
        pass
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "memory": mem,
        "Python": f"{platform.python_version()} ({platform.python_implementation()})",
        "OS": f"{osname}, kernel {platform.release()}",
        "load average (1/5/15 min) when the run ended": load,
    }


def git_head() -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "log", "-1", "--format=%h %s"],
        capture_output=True,
        text=True,
        check=False,
    )
    head = done.stdout.strip()[:100] or "unknown"
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "autoconf", "pyproject.toml"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return f"`{head}`" + (" (with uncommitted changes to `autoconf/`)" if dirty else "")


# ---------------------------------------------------------------- rendering


def spread(values: list[float], fmt: str = "{:.3f}") -> str:
    med = statistics.median(values)
    if len(values) == 1:
        return fmt.format(med)
    return f"{fmt.format(med)} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return [*lines, ""]


def cmd(ran: Ran) -> str:
    """The command as Markdown, with how often it ran."""
    times = f", run {ran.plan.repeats} times" if ran.plan.repeats > 1 else ""
    return f"`{ran.command}`{times}"


def problem_lines(ran: Ran) -> list[str]:
    return [f"**Not measured in this run** — {cmd(ran)}: {ran.problem}", ""]


def offline_section(ran: Ran, heads: dict[str, str]) -> list[str]:
    lines = ["## Offline CLI latency", "", f"{cmd(ran)} — wall time of whole processes.", ""]
    if not ran.reports:
        return lines + problem_lines(ran)
    r = ran.reports[0]
    rows = [
        [
            name,
            f"{s['median_s']:.3f}",
            f"{s['p10_s']:.3f}–{s['p90_s']:.3f}",
            str(s["runs"]),
        ]
        for name, s in r["commands"].items()
    ]
    lines += table(["command", "median s", "p10–p90 s", "runs"], rows)
    ratio = r["ratio_cli_to_baseline"]
    lines += [f"Offline CLI / `import pydantic`: **{ratio:.2f}x** (target < 2.5x).", ""]
    median_ms = next(iter(r["commands"].values()))["median_s"] * 1000
    heads["offline"] = (
        f'offline CLI: {median_ms:.0f} ms median, {ratio:.2f}x `python -c "import pydantic"`'
    )
    return lines


def startup_section(ran: Ran, heads: dict[str, str]) -> list[str]:
    lines = [
        "## Start-up: imports, --version, --offline and one networked run",
        "",
        f"{cmd(ran)} — wall time of whole processes, interleaved; `env`: this environment "
        "(with `PYTHONDONTWRITEBYTECODE` every run compiles `autoconf` from source again), "
        "`cached`: a bytecode cache of their own, as an installed package has.",
        "",
    ]
    if not ran.reports:
        return lines + problem_lines(ran)
    r = ran.reports[0]
    try:
        modes = r["figures"]["this"]
        names = list(next(iter(modes.values())))
        header = ["command"] + [f"{m} median s (CPU s)" for m in modes]
        rows = [
            [f"`{n}`"]
            + [f"{modes[m][n]['median_s']:.3f} ({modes[m][n]['cpu_median_s']:.3f})" for m in modes]
            for n in names
        ]
        lines += table(header, rows)
        for name, prof in r["imports"].items():
            top = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in prof["top_packages_s"].items())
            lines += [f"Import time by package, {name} run (self, `-X importtime`): {top}.", ""]
        world = [n for n in names if n.endswith("(verified)")]
        if world:
            fig = modes[next(iter(modes))][world[0]]
            heads["startup"] = f"a networked CLI run ({world[0]}): {fig['median_s']:.3f} s median"
    except (KeyError, TypeError, StopIteration):
        return [*lines, "```json", json.dumps(r, indent=2)[:4000], "```", ""]
    return lines


def pipeline_section(ran: Ran, heads: dict[str, str]) -> list[str]:
    lines = [
        "## Pipeline latency: concurrent sources against the same sources one after another",
        "",
        f"{cmd(ran)} — five network sources against the loopback world, each behind the "
        "same injected delay.",
        "",
    ]
    if not ran.reports:
        return lines + problem_lines(ran)
    r = ran.reports[0]
    labels = {
        "ours": "mail-autoconf, all five at once",
        "slowest_single": "slowest single source alone",
        "sequential": "the five one after another",
    }
    rows = []
    for key, label in labels.items():
        lo, hi = r["spread_s"][key]
        rows.append([label, f"{r['median_s'][key]:.3f}", f"{lo:.3f}–{hi:.3f}"])
    lines += table(["run", "median s", "min–max s"], rows)
    seq, single = r["sequential_over_ours"], r["ours_over_slowest_single"]
    lines += [
        f"Delay {r['delay_s']} s per source, {r['rounds']} rounds. Sequential / concurrent: "
        f"**{seq:.2f}x** (target ≥ 3); concurrent / slowest single: **{single:.2f}** "
        "(target ≤ 1.3).",
        "",
    ]
    heads["pipeline"] = (
        f"five sources at once: {seq:.1f}x faster than one after another, {single:.2f}x the "
        "slowest single source"
    )
    return lines


def probe_section(ran: Ran, heads: dict[str, str]) -> list[str]:
    lines = [
        "## Probe throughput",
        "",
        f"{cmd(ran)} — real IMAP/POP3/SMTP probes (TCP, TLS or STARTTLS with certificate "
        "check, capabilities, goodbye) against the world's Dovecot and Postfix; median and "
        "min–max over the script's repeats.",
        "",
    ]
    if not ran.reports:
        return lines + problem_lines(ran)
    rows = []
    levels = list(ran.reports[0]["throughput"])
    for level in levels:
        per = [r["throughput"][level]["per_second"] for r in ran.reports]
        fails = sum(int(r["throughput"][level]["failures"]) for r in ran.reports)
        probes = ran.reports[0]["throughput"][level]["probes"]
        rows.append([level, spread(per, "{:.1f}"), str(probes), str(fails)])
    lines += table(["concurrency", "probes/s", "probes per run", "failed (all runs)"], rows)
    sg = [r["silent_guess"]["wall_s"] for r in ran.reports]
    deadline = ran.reports[0]["silent_guess"]["deadline_s"]
    lines += [
        f"Full guess of a domain whose every guessed host is silent: {spread(sg, '{:.2f}')} s "
        f"(deadline {deadline:.0f} s).",
        "",
    ]
    if "1" in levels and "10" in levels:
        one = statistics.median(r["throughput"]["1"]["per_second"] for r in ran.reports)
        ten = statistics.median(r["throughput"]["10"]["per_second"] for r in ran.reports)
        heads["probe"] = (
            f"probes: {ten:.0f}/s at concurrency 10, {ten / one:.1f}x concurrency 1 ({one:.0f}/s)"
        )
    return lines


def batch_section(ran: Ran, heads: dict[str, str]) -> list[str]:
    lines = [
        "## Batch throughput and peak memory",
        "",
        f"{cmd(ran)} — `python -m autoconf --batch FILE` over 1,000 addresses of the world's "
        "domains, bundled-ISPDB domains, unknown domains and malformed lines (see "
        "`benchmarks/batch.py`); median and min–max over the repeats.",
        "",
    ]
    if not ran.reports:
        return lines + problem_lines(ran)
    rows_by_label: dict[str, list[dict[str, Any]]] = {}
    try:
        for report in ran.reports:
            for row in report["runs"]:
                rows_by_label.setdefault(str(row["run"]), []).append(row)
        rows = []
        for label, got in rows_by_label.items():
            rate = [float(g["addresses_per_second"]) for g in got]
            rss = [float(g["peak_rss_mib"]) for g in got]
            rows.append(
                [
                    label,
                    spread(rate, "{:.0f}"),
                    spread(rss, "{:.0f}"),
                    str(got[0].get("with_servers", "?")),
                    str(len(got)),
                ]
            )
    except (KeyError, TypeError, ValueError):
        return [*lines, "```json", json.dumps(ran.reports[0], indent=2)[:4000], "```", ""]
    count = ran.reports[0].get("count", "?")
    lines += table(
        ["run", "addresses/s", "peak RSS MiB", f"with servers (of {count})", "runs"], rows
    )
    network = {k: v for k, v in rows_by_label.items() if not k.startswith("offline")}
    if network:
        label, got = max(
            network.items(),
            key=lambda kv: statistics.median(float(g["addresses_per_second"]) for g in kv[1]),
        )
        best_rate = statistics.median(float(g["addresses_per_second"]) for g in got)
        best_rss = statistics.median(float(g["peak_rss_mib"]) for g in got)
        heads["batch"] = (
            f"a {count}-address batch against the world: {best_rate:.0f} addresses/s ({label}), "
            f"peak RSS {best_rss:.0f} MiB"
        )
    return lines


def concurrency_section(ran: Ran, heads: dict[str, str]) -> list[str]:
    lines = [
        "## Many concurrent discoveries in one Session",
        "",
        f"{cmd(ran)} — 1,000 discoveries started at once in one `autoconf.Session` against "
        "the world's published domains, each verified as the library does by default "
        "(`--no-verify` measures the search alone), with the Session's default bounds; one "
        "row per repeat. Targets: every call within its deadline + 0.5 s, ≥ 99% found, no "
        "file descriptor left. Calls the Session could not admit in time are counted as "
        "queued out: they return on time saying so.",
        "",
    ]
    if not ran.reports:
        return lines + problem_lines(ran)
    rows = []
    try:
        for r in ran.reports:
            fds = r["fds"]
            rows.append(
                [
                    f"{r['found']}/{r['calls']}",
                    f"{r['slowest_s']:.2f} (deadline {r['deadline_s']:.0f})",
                    str(r["late"]),
                    f"{r['peak_rss_mib']:.0f}",
                    f"{fds['before']} / {fds['peak']} / {fds['after']}",
                ]
            )
    except (KeyError, TypeError):
        return [*lines, "```json", json.dumps(ran.reports[0], indent=2)[:4000], "```", ""]
    lines += table(
        ["found", "slowest call s", "late", "peak RSS MiB", "descriptors before / peak / after"],
        rows,
    )
    found = statistics.median(r["found_ratio"] for r in ran.reports)
    slowest = max(r["slowest_s"] for r in ran.reports)
    heads["concurrency"] = (
        f"1,000 concurrent discoveries in one Session: {found:.0%} found (median), slowest "
        f"call {slowest:.2f} s against a {ran.reports[0]['deadline_s']:.0f} s deadline"
    )
    return lines


def scenarios_section(ran: Ran, heads: dict[str, str]) -> list[str]:
    lines = [
        "## Every world scenario: discovery and whole-process time",
        "",
        f"{cmd(ran)} — per scenario, the median of: in-process `discover()` `elapsed_ms` "
        "with every source and `verify=False`; the wall time of `python -m autoconf ADDRESS "
        "--json --no-verify` and of the same with verification, pointed at the world. "
        "Targets: `http-only` discovery < 0.3 s; every process < 1.0 s but the scenarios "
        "with a silent source.",
        "",
    ]
    if not ran.reports:
        return lines + problem_lines(ran)
    r = ran.reports[0]
    try:
        rows = [
            [
                f"`{name}`" + (" (silent)" if name in r["silent"] else ""),
                f"{f['discovery_s']:.3f}",
                f"{f['cli_no_verify_s']:.3f}",
                f"{f['cli_verify_s']:.3f}",
            ]
            for name, f in r["scenarios"].items()
        ]
    except (KeyError, TypeError):
        return [*lines, "```json", json.dumps(r, indent=2)[:4000], "```", ""]
    lines += table(["scenario", "discovery s", "CLI --no-verify s", "CLI s"], rows)
    over = r["process_over_target"]
    heads["scenarios"] = (
        f"`http-only` discovery {r['http_only_discovery_s']:.3f} s (target < 0.3 s); "
        + (
            f"{len(over)} scenarios' processes at 1.0 s or more"
            if over
            else "every process < 1.0 s"
        )
    )
    return lines


def memory_section(mem: dict[str, Any], peers: Ran, heads: dict[str, str]) -> list[str]:
    lines = [
        "## Peak memory of a single CLI run",
        "",
        "Peak resident set size (`ru_maxrss` from `wait4` on the process), median and "
        "min–max of 5 runs each:",
        "",
    ]
    rows = [
        [name, spread([m["median_mib"]], "{:.1f}"), f"{m['min_mib']:.1f}–{m['max_mib']:.1f}"]
        for name, m in mem.items()
    ]
    lines += table(["command", "median MiB", "min–max MiB"], rows)
    first = next(iter(mem.values()))
    heads["memory"] = f"peak memory of one offline CLI run: {first['median_mib']:.0f} MiB"
    if peers.reports:
        res = peers.reports[0]["results"]
        if "autoconfig" in res and "mail-autoconf" in res["autoconfig"]:
            rss = res["autoconfig"]["mail-autoconf"]["maxrss_kib_median"] / 1024
            lines += [
                f"A networked run with live verification (`autoconfig` scenario, from the "
                f"comparison below): {rss:.1f} MiB.",
                "",
            ]
            heads["memory"] += f"; of one networked run with verification: {rss:.0f} MiB"
    return lines


PEERS_ABOUT = """\
Each tool is asked for the settings of the world user's address in each scenario, in a fresh
process per run, timed from start to exit, and killed (with its process group) at the hard
limit. All runs happen inside one private network, mount and PID namespace: the loopback test
world (Knot DNS, nginx, Dovecot, Postfix) answers on 127.0.13.x with its nameserver on
127.0.0.1:53, `/etc/resolv.conf` is bind-mounted to name only that nameserver, and the peers
get the world's CA through `SSL_CERT_FILE` / `REQUESTS_CA_BUNDLE`. mail-autoconf runs through
its CLI: `python -m autoconf ADDRESS --json --ca-file CA --nameserver 127.0.0.1:53
--ispdb-url https://ispdb.world.test/v1.1/` (with live verification of the servers, its
default) and the same with `--no-verify`. The peers run from their own virtual environment
(`benchmarks/.peers/venv`, installed from PyPI on first use; never a dependency of the
library) through their Python entry points, `myldiscovery.autodiscover(address)` and
`maildiscover.get(address)`, called by `benchmarks/_peers_shim.py`. Runs are interleaved
(every scenario and tool once per round) so machine noise hits all alike.

The peers do not connect to the mail servers they report (myl-discovery's TCP port scan
aside), so `mail-autoconf --no-verify` is the like-for-like column; plain `mail-autoconf` also
verifies every candidate with a real IMAP/SMTP conversation over TLS before answering.

A tool is **right** on a scenario when the first incoming and the first outgoing server it
gives match the scenario's expected host and port. For maildiscover, which returns up to six
services, the first incoming server is the first present of imaps, imap, pop3s, pop3 and the
first outgoing the first present of smtp, submission (its own field order). The peers look
up the ISPDB at its public address, which does not exist in the private network, so they
cannot use the world's ISPDB; neither follows MX records to one, so this changes no result.
"""


def peers_sections(ran: Ran, heads: dict[str, str]) -> list[str]:
    lines = ["## Side by side with other discovery tools", ""]
    if not ran.reports:
        return lines + problem_lines(ran)
    r = ran.reports[0]
    tools: list[str] = r["tools"]
    versions = r["versions"]
    lines += [f"{cmd(ran)} ({ran.seconds:.0f} s including the world's start).", ""]
    lines += [
        "Tools: " + ", ".join(f"{name} {version}" for name, version in versions.items()) + ".",
        "",
        PEERS_ABOUT,
        f"{r['runs']} timed runs per scenario and tool (after one untimed warm-up run of each "
        f"tool); hard kill at {r['hard_kill_s']:.0f} s.",
        "",
    ]
    if r.get("peers_error"):
        lines += [f"**The peers could not be installed or run:** {r['peers_error']}", ""]
    res = r["results"]
    sc = r["scenarios"]
    # Correctness.
    rows = []
    score = dict.fromkeys(tools, 0)
    for name, per in res.items():
        row = [f"`{name}`", f"{sc[name]['expect_incoming']} / {sc[name]['expect_outgoing']}"]
        for t in tools:
            s = per[t]
            if s["verdict"] == "right":
                score[t] += 1
                row.append(f"**right** ({s['right_runs']}/{s['runs']})")
            elif s["verdict"] == "wrong":
                row.append(f"wrong: {s['answer']}")
            else:
                row.append(f"{s['right_runs']}/{s['runs']} right: {s['answer']}")
        rows.append(row)
    rows.append(["**right**", ""] + [f"**{score[t]} of {len(res)}**" for t in tools])
    lines += ["### Correctness (first incoming / first outgoing server, host:port)", ""]
    lines += table(["scenario", "expected", *tools], rows)
    # Time.
    rows = []
    for name, per in res.items():
        row = [f"`{name}`"]
        for t in tools:
            s = per[t]
            cell = f"{s['median_s']:.2f} ({s['min_s']:.2f}–{s['max_s']:.2f})"
            if s["timeouts"]:
                cell += f" — timeout at hard kill ({s['timeouts']}/{s['runs']})"
            row.append(cell)
        rows.append(row)
    lines += ["### Time (seconds, median and min–max, whole process)", ""]
    lines += table(["scenario", *tools], rows)
    # Memory.
    row = ["all five"]
    for t in tools:
        rss = [run["maxrss_kib"] / 1024 for per in res.values() for run in per[t]["samples"]]
        row.append(spread(rss, "{:.0f}"))
    lines += ["### Peak memory (MiB, whole process, median and min–max over every run)", ""]
    lines += table(["scenarios", *tools], [row])
    lines += ["### Scenarios", ""]
    lines += [f"- `{n}` ({s['domain']}): {s['description']}" for n, s in sc.items()]
    lines.append("")
    ours = "mail-autoconf"
    heads["peers_score"] = "right answers on the comparison scenarios: " + ", ".join(
        f"{t} {score[t]} of {len(res)}" for t in tools
    )
    if "autoconfig" in res:
        heads["peers_time"] = "time on `autoconfig` (median): " + ", ".join(
            f"{t} {res['autoconfig'][t]['median_s']:.2f} s" for t in tools
        )
    if "silent" in res and ours in res["silent"]:
        s = res["silent"][ours]
        others = [
            f"{t} {res['silent'][t]['verdict']} in {res['silent'][t]['median_s']:.1f} s"
            + (" (timeout at hard kill)" if res["silent"][t]["timeouts"] else "")
            for t in tools
            if t != ours
        ]
        heads["silent"] = (
            f"`silent` (a source that never answers): mail-autoconf {s['verdict']} in "
            f"{s['median_s']:.1f} s (deadline {r.get('our_deadline_s', 10):.0f} s); "
            + "; ".join(others)
        )
    return lines


def render(
    ran: dict[str, Ran],
    mem: dict[str, Any],
    total_s: float,
    isolated: str | None,
    load_start: str,
) -> tuple[str, dict[str, str]]:
    heads: dict[str, str] = {}
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks",
        "",
        f"Produced by `{COMMAND}` on {now} in {total_s:.0f} s, at commit {git_head()}. "
        "Every figure below was measured in that one run; every comparison side by side in "
        "it. Rerun the same command (as root) to refresh this file.",
        "",
        "## Machine",
        "",
    ]
    described = machine()
    described["load average (1/5/15 min) at the start / end of the run"] = (
        f"{load_start} — {described.pop('load average (1/5/15 min) when the run ended')}"
    )
    lines += table(["what", "this machine"], [[k, v] for k, v in described.items()])
    if isolated:
        lines += [f"Benchmarks ran without their own namespaces: {isolated}.", ""]
    body: list[str] = []
    body += peers_sections(ran["peers.py"], heads)
    body += offline_section(ran["offline_cli.py"], heads)
    body += startup_section(ran["startup.py"], heads)
    body += memory_section(mem, ran["peers.py"], heads)
    body += pipeline_section(ran["pipeline_latency.py"], heads)
    body += batch_section(ran["batch.py"], heads)
    body += probe_section(ran["probe.py"], heads)
    body += concurrency_section(ran["concurrency.py"], heads)
    body += scenarios_section(ran["scenarios.py"], heads)
    for name, r in ran.items():
        if name in PLANS:
            continue
        body += [f"## {name}", "", cmd(r), ""]
        if r.reports:
            body += ["```json", json.dumps(r.reports[0], indent=2)[:4000], "```", ""]
        else:
            body += problem_lines(r)
    summary = ["## Headline figures", ""]
    summary += [f"- {v}" for v in heads.values()]
    summary.append("")
    lines += summary + body
    lines += ["## Commands of this run", ""]
    lines += [f"- {cmd(r)} — {r.seconds:.0f} s" for r in ran.values()]
    lines.append("")
    return "\n".join(lines), heads


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument(
        "--budget", type=float, default=570.0, help="seconds for the whole run (hard)"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    load_start = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    isolated = isolation_problem()
    if isolated:
        print(f"run: no namespaces ({isolated}); running scripts directly", file=sys.stderr)
    scripts = sorted(
        p.name
        for p in HERE.glob("*.py")
        if not p.name.startswith("_") and p.name != "run.py" and p.name not in NOT_TIMED
    )
    names = [n for n in ORDER if n in PLANS] + [n for n in scripts if n not in PLANS]
    ran: dict[str, Ran] = {}
    mem = cli_memory()
    for name in names:
        plan = PLANS.get(name) or Plan(name, (), 120)
        reserve = sum(
            PLANS[n].limit_s * PLANS[n].repeats
            for n in names[names.index(name) + 1 :]
            if n in PLANS
        )
        left = args.budget - (time.perf_counter() - started)
        # Never let one script eat the time the later ones need (peers last: it is the largest).
        limit = min(plan.limit_s * plan.repeats, max(left - 0.25 * reserve, 0))
        ran[name] = run_script(plan, limit, isolated is None)
        print(f"run: {name} {ran[name].seconds:.0f} s {ran[name].problem or 'ok'}", file=sys.stderr)
    total = time.perf_counter() - started
    text, heads = render(ran, mem, total, isolated, load_start)
    args.out.write_text(text)
    RAW.parent.mkdir(parents=True, exist_ok=True)
    RAW.write_text(
        json.dumps(
            {
                n: {"command": r.command, "problem": r.problem, "reports": r.reports}
                for n, r in ran.items()
            }
            | {"cli_memory": mem, "headline": heads},
            indent=2,
        )
    )
    print(f"run: wrote {args.out} in {total:.0f} s", file=sys.stderr)
    for k, v in heads.items():
        print(f"  {k}: {v}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
