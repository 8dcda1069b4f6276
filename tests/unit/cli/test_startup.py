"""The entry point's start-up: the imports run without the cyclic collector, then are frozen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[3]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

# Runs the real entry point with --version, then reports the collector's state.
SCRIPT = """
import gc, sys
if sys.argv[1] == "off":
    gc.disable()
sys.argv[1:] = ["--version"]
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
    assert printed.startswith("mail-autoconf ")
    assert enabled
    assert frozen > 20_000  # the imports of the CLI alone build far more objects than this


def test_a_collector_turned_off_by_the_embedding_program_stays_off():
    """run() does not switch on a collector that was off before it, nor freeze anything."""
    code, enabled, frozen, _ = _after_run("off")
    assert code == 0
    assert not enabled
    assert frozen == 0
