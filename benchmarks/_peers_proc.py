"""Run one command with a hard kill at a time limit; report wall time, exit and peak memory.

The child starts in a session (and process group) of its own. A thread blocks in
`os.wait4` on its PID, which gives the exact moment it ended and its resource usage (peak
resident set size of the child and every descendant it waited for). If the limit passes
first, the whole process group is sent SIGKILL and the run is marked as killed. Output goes
to temporary files, so a chatty child can never block on a full pipe.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import resource
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one bounded run did."""

    argv: tuple[str, ...]
    wall_s: float
    returncode: int | None  # None when killed at the limit
    killed: bool
    stdout: str
    stderr: str
    maxrss_kib: int


def run_bounded(
    argv: Sequence[str],
    limit_s: float,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
) -> Outcome:
    """Run `argv`, killing its process group after `limit_s` seconds."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
            env=dict(env) if env is not None else None,
            cwd=cwd,
        )
        done: list[tuple[float, int, resource.struct_rusage]] = []

        def reap() -> None:
            _, status, usage = os.wait4(proc.pid, 0)
            done.append((time.perf_counter(), status, usage))

        waiter = threading.Thread(target=reap, daemon=True)
        waiter.start()
        waiter.join(limit_s)
        killed = waiter.is_alive()
        if killed:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            waiter.join()
        else:
            # Anything the child left behind in its own process group goes too.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        ended, status, usage = done[0]
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped by wait4
        out.seek(0)
        err.seek(0)
        return Outcome(
            argv=tuple(argv),
            wall_s=ended - start,
            returncode=None if killed else proc.returncode,
            killed=killed,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
            maxrss_kib=int(usage.ru_maxrss),
        )
