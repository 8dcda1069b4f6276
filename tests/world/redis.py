"""A real redis-server (Debian's) on loopback for the tests: no persistence, stopped by PID."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.world.process import Daemon, spawn, stop_all, wait_listening

REDIS_SERVER = "/usr/bin/redis-server"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 at this moment."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One redis-server on 127.0.0.1:``port``; :meth:`stop` and :meth:`start` again at will."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.daemon: Daemon | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        argv = [
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
        ]
        self.daemon = spawn("redis", argv, self.folder / "redis.log", [("127.0.0.1", self.port)])
        wait_listening([self.daemon], timeout=30.0)

    def stop(self) -> None:
        if self.daemon is not None:
            stop_all([self.daemon])
            self.daemon = None
