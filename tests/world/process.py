"""Start daemons as direct children in their own sessions, wait until they listen, stop by PID."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Sequence
from pathlib import Path


class WorldError(RuntimeError):
    """The world could not be brought up (a daemon failed, a port is taken, ...)."""


@dataclasses.dataclass
class Daemon:
    """One running daemon: its process, log file, and the TCP endpoints it must open."""

    name: str
    proc: subprocess.Popen[bytes]
    log: Path
    endpoints: tuple[tuple[str, int], ...]

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def spawn(
    name: str,
    argv: Sequence[str],
    log: Path,
    endpoints: Iterable[tuple[str, int]] = (),
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Daemon:
    """Start `argv` in the foreground, in a session of its own, output appended to `log`."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
            cwd=cwd,
        )
    return Daemon(name, proc, log, tuple(endpoints))


def run(argv: Sequence[str], what: str, env: dict[str, str] | None = None) -> None:
    """Run a short command; raise WorldError with its output if it fails."""
    done = subprocess.run(
        list(argv), capture_output=True, stdin=subprocess.DEVNULL, env=env, check=False
    )
    if done.returncode != 0:
        out = (done.stdout + done.stderr).decode(errors="replace").strip()
        raise WorldError(f"{what} failed (exit {done.returncode}): {out or '(no output)'}")


def tcp_open(ip: str, port: int) -> bool:
    """True if something accepts TCP connections on ip:port (ip must be a literal)."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex((ip, port)) == 0


def wait_listening(daemons: Sequence[Daemon], timeout: float = 8.0) -> None:
    """Wait until every daemon's endpoints accept connections, or raise with its log."""
    deadline = time.monotonic() + timeout
    pending = {(d.name, ip, port): d for d in daemons for ip, port in d.endpoints}
    while pending:
        for key, d in list(pending.items()):
            if d.proc.poll() is not None:
                raise WorldError(
                    f"{d.name} exited with {d.proc.returncode} before listening on "
                    f"{key[1]}:{key[2]}; log {d.log}:\n{d.log_tail()}"
                )
            if tcp_open(key[1], key[2]):
                del pending[key]
        if not pending:
            break
        if time.monotonic() > deadline:
            missing = ", ".join(f"{n} {ip}:{port}" for n, ip, port in pending)
            raise WorldError(f"not listening after {timeout}s: {missing}")
        time.sleep(0.01)


def session_members(sid: int) -> list[int]:
    """PIDs of every live process whose session ID is `sid` (read from /proc)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command: state ppid pgrp session ...
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[3]) == sid:
            found.append(int(entry.name))
    return found


def stop_all(daemons: Sequence[Daemon], timeout: float = 15.0) -> list[str]:
    """SIGTERM every daemon at once, reap it, then SIGKILL any straggler of its session.

    ``timeout`` is generous: Postfix's master waits for every smtpd it started (a world with a
    port-25 listener per scenario address has many) and a loaded 2-core machine stretches that
    well past a few seconds; a daemon that stops promptly is not held up by it.

    Returns a list of problems (empty when everything stopped cleanly)."""
    problems: list[str] = []
    for d in daemons:
        if d.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                d.proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for d in daemons:
        try:
            d.proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            problems.append(f"{d.name} (pid {d.pid}) ignored SIGTERM; killed")
            d.proc.kill()
            d.proc.wait()
    # Children of a daemon (Dovecot's and Postfix's services, nginx workers) share its session.
    for d in daemons:
        for _ in range(50):
            left = session_members(d.pid)
            if not left:
                break
            time.sleep(0.01)
        else:
            problems.append(f"{d.name}: processes {left} outlived the master; killed")
            for pid in left:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    return problems
