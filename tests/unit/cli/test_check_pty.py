"""``--check`` on real (pseudo-)terminals of 60, 80 and 120 columns: every finding reads whole."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.unit.check.samples import sample_report

from .test_pty import PtyRun

pytestmark = pytest.mark.skipif(
    not hasattr(__import__("os"), "openpty"), reason="needs a pseudo-terminal"
)

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from autoconf import api
from autoconf.cli import main
from tests.unit.check.samples import sample_report


async def fake(target, **kw):
    return sample_report()


api.check_domain = fake
sys.exit(main(sys.argv[1:]))
"""
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_the_report_reads_completely_on_a_terminal(columns: int, tmp_path: Path):
    """Each finding's sentence, code and fix is on screen, no line wider than the terminal,
    the marks coloured, and the exit status 5 (the sample has an error)."""
    script = tmp_path / "check_cli.py"
    script.write_text(SCRIPT)
    run = PtyRun([str(script), "--check", "example.com"], columns=columns)
    code = run.finish()
    assert code == 5
    raw = run.output.decode("utf-8").replace("\r", "")
    assert "\x1b[31m✗\x1b[0m" in raw  # the error mark in red
    text = ESCAPES.sub("", raw)
    assert all(len(line) <= columns for line in text.splitlines()), text
    flat = re.sub(r"\s+", "", text)
    for finding in sample_report().findings:
        assert re.sub(r"\s+", "", finding.message) in flat
        assert f"[{finding.code.value}]" in flat
        if finding.fix:
            assert re.sub(r"\s+", "", finding.fix) in flat
