"""SIGINT and SIGTERM at any moment: whole JSON lines, an honest count, 130/143, no traceback.

Each test runs the real program in a subprocess, with network-free sources injected by a small
script, and a deliberately slow reader on its stdout pipe (so writes block, as for a pager or a
slow consumer), then sends the signal at a chosen moment and reads the rest.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="needs /proc and POSIX signals")

SCRIPT = """
import sys
from autoconf.__main__ import run  # light: the handlers are in place before the imports below


def main():
    import asyncio
    from autoconf.cli import main
    from autoconf.models import (
        AttemptStatus, Documentation, LocalizedText, Protocol, ProviderInfo, Security,
        ServerSettings, SourceAttempt, SourceName, Trust,
    )
    from autoconf.sources.base import SourceOutcome

    # A long documentation text makes each JSON line a few kilobytes: the pipe fills quickly.
    doc = Documentation(url="https://example.com/help",
                        descriptions=[LocalizedText(text="how to set up mail " * 200)])

    class Quick:
        name = SourceName.AUTOCONFIG

        async def run(self, ctx):
            await asyncio.sleep(0.001)
            attempt = SourceAttempt(source=self.name, target="t", status=AttemptStatus.OK,
                                    elapsed_ms=1.0)
            imap = ServerSettings(protocol=Protocol.IMAP, host="imap.example.com", port=993,
                                  security=Security.TLS, sources=[self.name], trust=Trust.HIGH)
            smtp = imap.model_copy(update={"protocol": Protocol.SMTP,
                                           "host": "smtp.example.com", "port": 465})
            return SourceOutcome(source=self.name, attempts=[attempt], incoming=[imap],
                                 outgoing=[smtp],
                                 provider=ProviderInfo(id="example.com", documentation=[doc]))

    return main(sys.argv[1:], sources=[Quick()])


sys.exit(run(main))
"""

SUMMARY = re.compile(rb"interrupted; (\d+) lines? written \((\d+) found, (\d+) not found")


@pytest.fixture
def batch_files(tmp_path: Path) -> tuple[str, str]:
    script = tmp_path / "quick_cli.py"
    script.write_text(SCRIPT)
    addresses = tmp_path / "addresses.txt"
    addresses.write_text("".join(f"user{i}@example.com\n" for i in range(3000)))
    return str(script), str(addresses)


class SlowReader:
    """Reads a pipe slowly (about 400 kB/s) until told to hurry, then to its end."""

    def __init__(self, pipe: int) -> None:
        self.pipe = pipe
        self.data = bytearray()
        self.hurry = threading.Event()
        self.running = threading.Event()
        self.running.set()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while True:
            self.running.wait()
            chunk = os.read(self.pipe, 2048)
            if not chunk:
                return
            self.data += chunk
            if not self.hurry.is_set():
                time.sleep(0.005)

    def wait_for(self, size: int, timeout: float = 20.0) -> None:
        until = time.monotonic() + timeout
        while len(self.data) < size:
            assert time.monotonic() < until, f"only {len(self.data)} bytes came"
            time.sleep(0.005)


def _handles_sigterm(pid: int) -> bool:
    """True once the process has its own SIGTERM handler (the first thing autoconf does)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = int(re.search(r"SigCgt:\s*([0-9a-f]+)", status).group(1), 16)  # type: ignore[union-attr]
    return bool(caught & (1 << (signal.SIGTERM - 1)))


def _wait_until_handled(proc: subprocess.Popen[bytes]) -> None:
    until = time.monotonic() + 20
    while not _handles_sigterm(proc.pid):
        assert time.monotonic() < until
        assert proc.poll() is None
        time.sleep(0.0005)


def _start(script: str, addresses: str) -> tuple[subprocess.Popen[bytes], SlowReader]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])}
    proc = subprocess.Popen(
        [sys.executable, script, "--batch", addresses, "--no-verify", "--concurrency", "8"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    return proc, SlowReader(proc.stdout.fileno())


def _finish(proc: subprocess.Popen[bytes], reader: SlowReader) -> tuple[int, bytes, bytes]:
    time.sleep(0.3)  # still slow for a while: the program must not cut the line it writes
    reader.hurry.set()
    assert proc.stderr is not None
    assert proc.stdout is not None
    with proc.stdout, proc.stderr:
        err = proc.stderr.read()
        code = proc.wait(timeout=30)
        reader.thread.join(timeout=10)
    return code, bytes(reader.data), err


def _check_whole_lines(out: bytes) -> list[dict[str, object]]:
    assert out == b"" or out.endswith(b"\n"), f"the last line was cut: {out[-80:]!r}"
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["address"] for r in rows] == [f"user{i}@example.com" for i in range(len(rows))]
    return rows


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("after_bytes", [1, 150_000], ids=["first-line", "later"])
def test_a_signal_during_a_slow_batch_leaves_whole_lines_and_an_honest_count(
    batch_files: tuple[str, str], sig: signal.Signals, after_bytes: int
):
    """A signal while writes block: every line whole JSON, the summary's count = lines read."""
    proc, reader = _start(*batch_files)
    reader.wait_for(after_bytes)
    proc.send_signal(sig)
    code, out, err = _finish(proc, reader)
    assert code == 128 + sig, err
    assert b"Traceback" not in err
    rows = _check_whole_lines(out)
    match = SUMMARY.search(err)
    assert match is not None, err
    assert int(match.group(1)) == len(rows)
    assert int(match.group(2)) == len(rows)  # every address of this batch is found
    assert len(rows) < 3000


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_starting_ends_quietly(batch_files: tuple[str, str], sig: signal.Signals):
    """A signal during the heavy imports: exit 130/143, "interrupted", no traceback."""
    proc, reader = _start(*batch_files)
    _wait_until_handled(proc)
    proc.send_signal(sig)
    code, out, err = _finish(proc, reader)
    assert code == 128 + sig, err
    assert b"Traceback" not in err
    assert b"interrupted" in err
    assert len(out) < 50_000  # at most the first lines, if the imports were already done
    _check_whole_lines(out)


@pytest.mark.parametrize("delay", [0.01, 0.05, 0.15, 0.3, 0.6])
def test_sigint_at_any_moment_of_a_batch_never_shows_a_traceback(
    batch_files: tuple[str, str], delay: float
):
    """SIGINT at any moment from imports to writing: 130, no traceback, no cut line."""
    proc, reader = _start(*batch_files)
    _wait_until_handled(proc)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    code, out, err = _finish(proc, reader)
    assert code == 130, err
    assert b"Traceback" not in err
    rows = _check_whole_lines(out)
    match = SUMMARY.search(err)
    if match is not None:
        assert int(match.group(1)) == len(rows)
    else:
        assert err == b"interrupted\n"
        assert not rows


def test_a_second_sigint_during_the_clean_up_still_leaves_whole_lines(
    batch_files: tuple[str, str],
):
    """Ctrl-C twice while a write blocks on a full pipe: 130, whole lines, honest count."""
    proc, reader = _start(*batch_files)
    reader.wait_for(100_000)
    reader.running.clear()  # the pipe fills up: the program blocks in the middle of a line
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.1)
    reader.running.set()
    code, out, err = _finish(proc, reader)
    assert code == 130, err
    assert b"Traceback" not in err
    rows = _check_whole_lines(out)
    match = SUMMARY.search(err)
    assert match is not None, err
    assert int(match.group(1)) == len(rows)


def test_a_signal_during_the_imports_is_acted_on_after_them():
    """SIGINT while the CLI's modules are imported is noted, never raised inside an import (an
    extension module's initialisation would abort the process), then raised once they are done."""
    import autoconf.__main__ as entry

    previous = signal.signal(signal.SIGINT, entry._starting)
    entry._received.clear()
    finished_block = False

    def signalled_while_importing() -> None:
        nonlocal finished_block
        with entry._quiet_imports():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # the handler runs here: it must not raise
            finished_block = True

    try:
        with pytest.raises(KeyboardInterrupt):
            signalled_while_importing()
        assert finished_block
        assert entry._received == [signal.SIGINT]
    finally:
        signal.signal(signal.SIGINT, previous)
        entry._received.clear()
