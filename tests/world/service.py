"""Replicas of the service (``python -m autoconf serve``) as real processes against the world."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import httpx

from tests.world.core import WorldInfo
from tests.world.library import network_flags
from tests.world.process import Daemon, WorldError, spawn, stop_all


def free_port() -> int:
    """A TCP port free on 127.0.0.1 at this moment."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Seconds a replica may take to answer /healthz after it was started (a loaded machine).
START_TIMEOUT = 60.0


def world_networks(world: WorldInfo) -> list[str]:
    """The private ranges the world's hosts live in (loopback): what --allow-network opens."""
    networks = {"127.0.0.0/8"}
    networks |= {f"{ip}/128" for ip in world.hosts.values() if ":" in ip}
    networks |= {f"{world.nameserver[0]}/32"} if "." in world.nameserver[0] else set()
    return sorted(networks)


class Replica:
    """One service process on 127.0.0.1 with the world's nameserver, CA and ISPDB."""

    def __init__(self, name: str, folder: Path, world: WorldInfo, *flags: str) -> None:
        self.name = name
        self.port = free_port()
        argv = [sys.executable, "-m", "autoconf", "serve", "--host", "127.0.0.1"]
        argv += ["--port", str(self.port), *network_flags(world), *flags]
        self.log = folder / f"{name}.log"
        self.daemon: Daemon = spawn(name, argv, self.log)
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> None:
        """Until /healthz answers, or WorldError with the replica's log."""
        give_up = time.monotonic() + START_TIMEOUT
        while time.monotonic() < give_up:
            if self.daemon.proc.poll() is not None:
                break
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise WorldError(f"the service {self.name} did not start:\n{self.daemon.log_tail(30)}")

    def stop(self) -> None:
        stop_all([self.daemon], timeout=15.0)
