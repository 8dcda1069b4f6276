"""Exit statuses that say what happened: typos in flags, bugs and a closed output pipe are not
"not found" (1); the entry point is light enough to handle signals before the heavy imports."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from autoconf.cli import main

ROOT = Path(__file__).parents[3]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.mark.parametrize("flag", ["--jso", "--off", "--conc=4"])
def test_an_abbreviated_flag_is_a_usage_error(flag: str):
    """argparse's prefix matching is off: --jso is a typo (exit 2), not --json."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["someone@gmail.com", "--offline", flag], stdout=out, stderr=err)
    assert code == 2
    assert out.getvalue() == ""
    assert "unrecognized arguments" in err.getvalue()


def test_a_closed_output_pipe_exits_141_quietly():
    """The reader of stdout goes away mid-batch (`| head -1`): exit 141, no traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "autoconf", "--batch", "-", "--offline"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    assert proc.stderr is not None

    def feed() -> None:
        assert proc.stdin is not None
        # The program may be gone before it read it all.
        with contextlib.suppress(OSError), proc.stdin:
            proc.stdin.write(b"someone@gmail.com\n" * 20_000)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    with proc.stdout, proc.stderr:
        assert proc.stdout.readline().startswith(b"{")
        proc.stdout.close()  # go away, like `head -1`
        err = proc.stderr.read()
        assert proc.wait(timeout=60) == 141
    feeder.join(timeout=10)
    assert b"Traceback" not in err
    assert err == b""


def test_importing_the_package_is_light():
    """`import autoconf` alone loads none of pydantic, httpx, dns or rich (PEP 562 exports)."""
    code = (
        "import sys, autoconf\n"
        "heavy = {'pydantic', 'httpx', 'dns', 'rich', 'asyncio'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=60
    )
    assert proc.stdout.strip() == "[]", proc.stderr


def test_every_public_name_resolves_lazily():
    """Each name of autoconf.__all__ is importable and is what its module defines."""
    import autoconf

    for name in autoconf.__all__:
        assert getattr(autoconf, name) is not None, name
    assert set(autoconf.__all__) <= set(dir(autoconf))
    with pytest.raises(AttributeError):
        autoconf.no_such_name  # noqa: B018
