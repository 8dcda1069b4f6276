"""The CLI in a real (pseudo-)terminal: progress, colour, NO_COLOR, prompts and Ctrl-C.

Each test starts ``python`` on a fresh pty that is its controlling terminal, so the terminal
itself turns a typed Ctrl-C into SIGINT and ``getpass`` prompts on it, as for a person. The
sources are injected (slow, network-free) by a small script written to a temporary folder.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import IO, Any

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")

# Become the session leader's controlling terminal holder, then run the real program.
_CTTY = (
    "import fcntl, os, sys, termios\n"
    "fcntl.ioctl(0, termios.TIOCSCTTY, 0)\n"
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])\n"
)

SCRIPT = """
import asyncio, sys
from autoconf.cli import main
from autoconf.models import (
    AttemptStatus, Protocol, Security, ServerSettings, SourceAttempt, SourceName, Trust,
)
from autoconf.sources.base import SourceOutcome


class Slow:
    def __init__(self, name, delay, found):
        self.name, self.delay, self.found = name, delay, found

    async def run(self, ctx):
        if ctx.options.credentials is not None:
            secret = ctx.options.credentials.password.get_secret_value()
            print(f"source got a password of {len(secret)} characters", file=sys.stderr)
        await asyncio.sleep(self.delay)
        status = AttemptStatus.OK if self.found else AttemptStatus.EMPTY
        attempt = SourceAttempt(source=self.name, target="t", status=status, elapsed_ms=1.0)
        if not self.found:
            return SourceOutcome(source=self.name, attempts=[attempt])
        imap = ServerSettings(protocol=Protocol.IMAP, host="imap.example.com", port=993,
                              security=Security.TLS, sources=[self.name], trust=Trust.HIGH)
        smtp = imap.model_copy(update={"protocol": Protocol.SMTP, "host": "smtp.example.com",
                                       "port": 465})
        return SourceOutcome(source=self.name, attempts=[attempt], incoming=[imap],
                             outgoing=[smtp])


DELAY = float(__import__("os").environ.get("SLOW_DELAY", "0.6"))
sys.exit(main(sys.argv[1:], sources=[Slow(SourceName.AUTOCONFIG, DELAY, True),
                                     Slow(SourceName.SRV, DELAY / 3, False)]))
"""

COLOUR = re.compile(rb"\x1b\[(?:3[0-7]|9[0-7]|38;)")  # a foreground colour
ANY_ESCAPE = re.compile(rb"\x1b\[")


class PtyRun:
    """One program on its own pseudo-terminal; stdout may be redirected elsewhere."""

    def __init__(
        self,
        argv: list[str],
        *,
        env: dict[str, str] | None = None,
        stdout: IO[Any] | None = None,
        columns: int = 120,
        rows: int = 40,
    ) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        environ = {
            k: v
            for k, v in os.environ.items()
            if k not in {"NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "TTY_COMPATIBLE"}
        }
        environ["TERM"] = "xterm-256color"
        environ.update(env or {})
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _CTTY, *argv],
            stdin=slave,
            stdout=stdout if stdout is not None else slave,
            stderr=slave,
            env=environ,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.output = b""

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the program closed the terminal
            return False
        self.output += chunk
        return bool(chunk)

    def expect(self, text: bytes, timeout: float = 20.0) -> None:
        until = time.monotonic() + timeout
        while text not in self.output:
            if time.monotonic() > until or not self._read(0.05):
                raise AssertionError(f"{text!r} never appeared in {self.output!r}")

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def finish(self, timeout: float = 30.0) -> int:
        until = time.monotonic() + timeout
        while time.monotonic() < until and self._read(0.05):
            if self.proc.poll() is not None:
                while self._read(0.05) and select.select([self.master], [], [], 0)[0]:
                    pass
                break
        code = self.proc.wait(timeout=max(until - time.monotonic(), 1.0))
        os.close(self.master)
        return code


@pytest.fixture
def script(tmp_path: Path) -> str:
    path = tmp_path / "slow_cli.py"
    path.write_text(SCRIPT)
    return str(path)


def _after_last_erase(output: bytes) -> bytes:
    return output.rsplit(b"\x1b[J", 1)[-1]


def test_progress_shows_each_source_and_is_gone_before_the_answer(script: str):
    """On a terminal: a spinner row per source, then its outcome and time; erased at the end."""
    run = PtyRun([script, "jane@example.com", "--no-verify"])
    run.expect(b"Looking up jane@example.com")
    code = run.finish()
    assert code == 0
    out = run.output
    assert b"still running" in out
    assert b"autoconfig" in out
    assert re.search(rb"srv +\d+ ms  nothing there", out)
    assert re.search(rb"autoconfig +\d+ ms  found", out)
    answer = _after_last_erase(out)
    assert b"Looking up" not in answer
    assert b"Recommended" in answer
    assert b"\x1b[?25h" in out  # the cursor is shown again
    assert COLOUR.search(answer)  # colour on a terminal


def test_no_color_turns_colour_off_but_keeps_the_display(script: str):
    """NO_COLOR=1: no colour codes anywhere, the progress display still works."""
    run = PtyRun([script, "jane@example.com", "--no-verify"], env={"NO_COLOR": "1"})
    code = run.finish()
    assert code == 0
    assert b"Looking up jane@example.com" in run.output
    assert not COLOUR.search(run.output)


def test_quiet_shows_no_progress(script: str):
    """-q on a terminal: the answer only, no progress display."""
    run = PtyRun([script, "jane@example.com", "--no-verify", "-q"])
    code = run.finish()
    assert code == 0
    assert b"Looking up" not in run.output
    assert b"Recommended" in run.output


def test_piped_stdout_has_no_escape_codes_while_stderr_shows_progress(script: str, tmp_path: Path):
    """stdout to a file, stderr on the terminal: the file is plain, the terminal has progress."""
    target = tmp_path / "answer.txt"
    with target.open("wb") as handle:
        run = PtyRun([script, "jane@example.com", "--no-verify"], stdout=handle)
        code = run.finish()
    assert code == 0
    text = target.read_bytes()
    assert not ANY_ESCAPE.search(text)
    assert b"Incoming:  IMAP imap.example.com port 993, SSL/TLS" in text
    assert b"Looking up jane@example.com" in run.output


def test_json_on_a_terminal_is_plain_json(script: str, tmp_path: Path):
    """--json to a file is exactly JSON even when stderr is a terminal."""
    import json

    target = tmp_path / "answer.json"
    with target.open("wb") as handle:
        run = PtyRun([script, "jane@example.com", "--no-verify", "--json"], stdout=handle)
        code = run.finish()
    assert code == 0
    assert json.loads(target.read_bytes())["incoming"][0]["host"] == "imap.example.com"


def test_ctrl_c_ends_cleanly_with_130(script: str):
    """Ctrl-C typed during a discovery: exit 130, one line, no traceback, cursor restored."""
    run = PtyRun([script, "jane@example.com", "--no-verify"], env={"SLOW_DELAY": "30"})
    run.expect(b"still running")
    run.send(b"\x03")
    code = run.finish()
    assert code == 130
    assert b"Traceback" not in run.output
    assert b"interrupted" in run.output
    assert run.output.rfind(b"\x1b[?25h") > run.output.rfind(b"\x1b[?25l")


def test_login_prompts_without_echo(script: str):
    """--login asks for the password on the terminal, does not echo it, and passes it on."""
    run = PtyRun([script, "jane@example.com", "--login", "jane@example.com"])
    run.expect(b"Password for jane@example.com")
    run.send(b"hunter2\n")
    code = run.finish()
    assert code == 0
    assert b"hunter2" not in run.output
    assert b"source got a password of 7 characters" in run.output


def test_batch_progress_bar_and_summary(script: str, tmp_path: Path):
    """--batch on a terminal: a progress bar with counts on stderr, then a one-line summary."""
    batch = tmp_path / "list.txt"
    batch.write_text("".join(f"user{i}@example.com\n" for i in range(40)) + "bad line\n")
    target = tmp_path / "out.jsonl"
    with target.open("wb") as handle:
        run = PtyRun(
            [script, "--batch", str(batch), "--no-verify", "--concurrency", "8"],
            env={"SLOW_DELAY": "0.3"},
            stdout=handle,
        )
        code = run.finish()
    assert code == 0
    assert re.search(rb"\[[\xe2\x96\x88\xe2\x96\x91]+\] \d+/41  found \d+", run.output)
    assert _after_last_erase(run.output).replace(b"\x1b[?25h", b"").strip() == (
        b"41 addresses: 40 found, 0 not found, 1 invalid"
    )
    assert len(target.read_bytes().splitlines()) == 41
    assert not ANY_ESCAPE.search(target.read_bytes())


def test_ctrl_c_during_batch_keeps_what_was_written(script: str, tmp_path: Path):
    """Ctrl-C in a batch: exit 130, no traceback, lines already written are whole and in order."""
    batch = tmp_path / "list.txt"
    batch.write_text("".join(f"user{i}@example.com\n" for i in range(500)))
    target = tmp_path / "out.jsonl"
    with target.open("wb") as handle:
        run = PtyRun(
            [script, "--batch", str(batch), "--no-verify", "--concurrency", "4"],
            env={"SLOW_DELAY": "0.2"},
            stdout=handle,
        )
        run.expect(b"found 8")
        run.send(b"\x03")
        code = run.finish()
    assert code == 130
    assert b"Traceback" not in run.output
    assert b"interrupted; " in run.output
    import json

    written = [json.loads(line)["address"] for line in target.read_bytes().splitlines()]
    assert written == [f"user{i}@example.com" for i in range(len(written))]
    assert 8 <= len(written) < 500
