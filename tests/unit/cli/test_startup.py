"""The entry point's start-up: the imports run without the cyclic collector, then are frozen;
``--version`` alone is answered without the heavy imports."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[3]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

# Runs the real entry point offline, then reports the collector's state on a line of its own.
SCRIPT = """
import gc, sys
if sys.argv[1] == "off":
    gc.disable()
sys.argv[1:] = ["someone@gmail.com", "--offline", "--json"]
from autoconf.__main__ import run
code = run()
print(code, gc.isenabled(), gc.get_freeze_count())
"""


def _after_run(collector: str) -> tuple[int, bool, int, str]:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, collector],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    *printed, last = proc.stdout.strip().splitlines()
    code, enabled, frozen = last.split()
    return int(code), enabled == "True", int(frozen), "\n".join(printed)


def test_the_imports_are_frozen_and_the_collector_is_back_on():
    """After `python -m autoconf`'s imports their objects are frozen and gc runs again."""
    code, enabled, frozen, printed = _after_run("on")
    assert code == 0
    assert json.loads(printed)["incoming"]
    assert enabled
    assert frozen > 20_000  # the imports of the CLI alone build far more objects than this


def test_a_collector_turned_off_by_the_embedding_program_stays_off():
    """run() does not switch on a collector that was off before it, nor freeze anything."""
    code, enabled, frozen, _ = _after_run("off")
    assert code == 0
    assert not enabled
    assert frozen == 0


def test_version_alone_is_what_the_cli_says_without_its_imports():
    """`python -m autoconf --version` prints the CLI's version line and loads no pydantic."""
    from autoconf.cli import main

    out = io.StringIO()
    assert main(["--version"], stdout=out) == 0
    script = "import runpy, sys\nsys.argv = ['autoconf', '--version']\n" + (
        "try:\n    runpy.run_module('autoconf', run_name='__main__')\n"
        "except SystemExit as exc:\n    code = exc.code\n"
        "print(code, sorted({'pydantic', 'asyncio', 'argparse'} & set(sys.modules)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=ENV, timeout=60
    )
    version, status = proc.stdout.splitlines()
    assert version + "\n" == out.getvalue()
    assert status == "0 []", proc.stderr


def test_version_into_a_closed_pipe_exits_141_quietly():
    """--version to a reader that is gone: exit 141 as the CLI, and no "Exception ignored"."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "autoconf", "--version"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env={k: v for k, v in ENV.items() if k != "PYTHONUNBUFFERED"},
            cwd=ROOT,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 141
    assert proc.stderr == b""


def test_the_startup_benchmark_runs_small():
    """benchmarks/startup.py, one round without the world: every command ran and exited 0."""
    script = str(ROOT / "benchmarks" / "startup.py")
    proc = subprocess.run(
        [sys.executable, script, "--runs", "1", "--bytecode", "cached", "--json"],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=ROOT,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    figures = report["figures"]["this"]["cached"]
    assert "python -m autoconf --version" in figures
    assert all(f["exit_codes"] == [0] and f["runs"] == 1 for f in figures.values())
    assert "pydantic" in report["imports"]["offline"]["top_packages_s"]
