"""Addresses that are not valid UTF-8, from argv and from batch input, in a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[3]


def _run(argv: list[bytes | str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "autoconf", *argv],
        input=stdin,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"},
        timeout=60,
        check=False,
    )


def test_an_argv_address_with_a_bad_byte_exits_2_with_one_sentence():
    """`python -m autoconf $'\\xffu@example.com'`: exit 2, one line naming the byte, no bug."""
    proc = _run([b"\xffu@example.com", "--offline"])
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == b""
    err = proc.stderr.decode("utf-8")
    assert err.count("\n") == 1
    assert "not valid UTF-8" in err
    assert "\\xffu@example.com" in err
    assert "internal error" not in err


def test_a_batch_line_with_a_bad_byte_is_an_invalid_address_line_not_a_lookup():
    """A batch line that is not UTF-8 becomes an invalid-address line; its neighbours work."""
    data = b"\xffu@gmail.com\nsomeone@gmail.com\njane@gm\xe9il.com\n"
    proc = _run(["--batch", "-", "--offline"], stdin=data)
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == 3, proc.stderr
    assert rows[0]["error"] == "invalid-address"
    assert rows[0]["address"] == "\\xffu@gmail.com"
    assert rows[0]["line"] == 1
    assert "not valid UTF-8" in rows[0]["message"]
    assert rows[1]["incoming"][0]["host"] == "imap.gmail.com"
    assert rows[2]["error"] == "invalid-address"
    assert rows[2]["address"] == "jane@gm\\xe9il.com"
    assert proc.returncode == 0
    assert proc.stderr == b"3 addresses: 1 found, 0 not found, 2 invalid\n"
