"""A real redis-server (the Debian package) on a loopback port, for the shared cache's tests.

No snapshots, no append-only file, a directory of its own; stopped (SIGSTOP, to be slow),
resumed, or terminated (to be down) by the test that needs it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import tempfile
import time
from pathlib import Path

from tests.world.process import Daemon, WorldError, spawn, tcp_open

REDIS_SERVER = "/usr/bin/redis-server"


def redis_server_available() -> bool:
    return os.access(REDIS_SERVER, os.X_OK)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """One redis-server: ``url`` to reach it, ``pause()``/``resume()``/``stop()``."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="autoconf-redis-"))
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.daemon: Daemon = spawn(
            "redis-server",
            [
                REDIS_SERVER,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
                "--protected-mode",
                "yes",
            ],
            self.folder / "redis.log",
            cwd=self.folder,
        )
        self._wait_until_listening()

    def _wait_until_listening(self) -> None:
        until = time.monotonic() + 20
        while time.monotonic() < until:
            if self.daemon.proc.poll() is not None:
                raise WorldError(f"redis-server exited: {self.daemon.log_tail()}")
            if tcp_open("127.0.0.1", self.port):
                return
            time.sleep(0.05)
        self.stop()
        raise WorldError(f"redis-server did not listen on {self.port}: {self.daemon.log_tail()}")

    def pause(self) -> None:
        """Stop the process without closing its sockets: Redis slow (it never answers)."""
        os.kill(self.daemon.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.daemon.pid, signal.SIGCONT)

    def stop(self) -> None:
        """Terminate it (resumed first, so that it can exit); its folder is removed."""
        if self.daemon.proc.poll() is None:
            self.resume()
            self.daemon.proc.terminate()
            try:
                self.daemon.proc.wait(10)
            except Exception:
                self.daemon.proc.kill()
                self.daemon.proc.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)
