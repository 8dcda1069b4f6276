"""The world starts and stops quickly, leaves nothing behind, and the resolver guard holds."""

from __future__ import annotations

import asyncio
import os
import re
import socket
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.world import World, WorldError, WorldInfo, missing_dependencies
from tests.world.client import http, resolve_a
from tests.world.guard import ResolverGuard
from tests.world.process import session_members, tcp_open

pytestmark = pytest.mark.world

# A separate instance on 127.0.SECOND_NET.x runs beside the session's world.
SECOND_NET = int(os.environ.get("MAIL_AUTOCONF_WORLD_NET", "0")) + 1
# A net no helper's world uses, for a world that must refuse to start.
BLOCKED_NET = 200 + int(os.environ.get("MAIL_AUTOCONF_WORLD_NET", "0"))
INSTALL_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "install-world-deps"


def test_second_world_up_and_down_leaving_nothing(
    world: WorldInfo, record_property: Callable[[str, object], None]
) -> None:
    """A fresh world comes up and goes down within its own limits; its ports, PIDs, state go."""
    assert not missing_dependencies()
    instance = World(net=SECOND_NET)
    try:
        info = instance.up()
        assert info.nameserver != world.nameserver
        host = f"imap.{info.domains['guess']}"
        assert resolve_a(info, host) == f"127.0.{SECOND_NET}.10"
        assert http(info, "GET", info.ispdb_url + "hostingco.test").status == 200
        endpoints = instance.endpoints()
        pids = dict(info.pids)
        state = info.state_dir
    finally:
        problems = instance.down()
    record_property("world_up_seconds", round(instance.up_seconds, 3))
    record_property("world_down_seconds", round(instance.down_seconds, 3))
    print(f"\nworld up {instance.up_seconds:.2f} s, down {instance.down_seconds:.2f} s")
    # up() raises past its listening limit and down() names what outlived its stop limit, so
    # "within its limits" is `problems == []`; the seconds are a figure (printed and recorded),
    # which a loaded machine stretches, so they are not asserted.
    assert problems == []
    assert len(endpoints) > 40
    assert [ep for ep in endpoints if tcp_open(*ep)] == []
    for name, pid in pids.items():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        assert session_members(pid) == [], name
    assert not state.exists()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(info.nameserver)  # the nameserver's UDP port is free again


def test_guard_refuses_names_and_passes_ip_literals(resolver_guard: ResolverGuard) -> None:
    """Under the guard, getaddrinfo/gethostbyname refuse host names but accept IP literals."""
    assert socket.getaddrinfo("127.0.0.1", 80, type=socket.SOCK_STREAM)
    assert socket.gethostbyname("127.0.0.1") == "127.0.0.1"
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("imap.guess-only.test", 993)
    with pytest.raises(socket.gaierror):
        socket.gethostbyname("localhost")
    assert len(resolver_guard.violations) == 2
    resolver_guard.violations.clear()  # expected violations: do not fail this test


async def test_guard_covers_asyncio_and_httpx(resolver_guard: ResolverGuard) -> None:
    """asyncio's loop.getaddrinfo and an ordinary httpx request are refused too."""
    loop = asyncio.get_running_loop()
    with pytest.raises(socket.gaierror):
        await loop.getaddrinfo("autoconfig.https-autoconfig.test", 443)
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient(trust_env=False) as client:
            await client.get("https://autoconfig.https-autoconfig.test/")
    assert len(resolver_guard.violations) == 2
    resolver_guard.violations.clear()


def test_taken_port_fails_in_one_sentence_naming_port_and_holder() -> None:
    """A port the world needs, held by this test, stops `up()` with one sentence naming both."""
    if missing_dependencies():
        pytest.skip("test world dependencies missing")
    instance = World(net=BLOCKED_NET)
    ip, port = f"127.0.{BLOCKED_NET}.13", 8000  # automx2's address and port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind((ip, port))
        squatter.listen()
        with pytest.raises(WorldError) as caught:
            instance.up()
    message = str(caught.value)
    assert f"{ip}:{port}" in message
    assert f"pid {os.getpid()} (" in message
    assert "\n" not in message
    assert re.search(r"\.\s", message) is None  # one sentence
    assert instance.daemons == []
    assert instance.stopped == []
    assert instance.state is None


def test_install_script_stops_no_process() -> None:
    """scripts/install-world-deps never kills or stops a process (it started none)."""
    code = INSTALL_SCRIPT.read_text()
    forbidden = r"\b(kill|pkill|killall|systemctl|start-stop-daemon)\b|\bservice\s+\S+\s+stop\b"
    assert re.search(forbidden, code) is None
    assert re.search(r"\binvoke-rc\.d\b.*\bstop\b", code) is None
