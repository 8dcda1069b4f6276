"""Shared fixtures: the loopback test world (session-wide) and the system-resolver guard."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# `tests.world` is imported by its package name; plain `pytest` (unlike `python -m pytest`)
# does not put the repository root on sys.path, so do it here.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from tests.world import World, WorldError, WorldInfo, missing_dependencies  # noqa: E402
from tests.world.guard import ResolverGuard  # noqa: E402
from tests.world.redisserver import RedisServer, redis_server_available  # noqa: E402


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


if os.environ.get("MAIL_AUTOCONF_LOOP") == "uvloop":  # CI's second run of the suite

    def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> Any:
        """Every async test runs on uvloop's loop (the CLI runs on it whenever it is
        installed: ``autoconf.new_event_loop``)."""
        import uvloop

        return {"uvloop": uvloop.new_event_loop}


@pytest.fixture(scope="session")
def world_instance() -> Iterator[World]:
    """The running test world (controller); most tests want `world` instead."""
    missing = missing_dependencies()
    if missing:
        reason = "test world needs: " + ", ".join(missing) + "; run scripts/install-world-deps"
        if _in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    instance = World(net=int(os.environ.get("MAIL_AUTOCONF_WORLD_NET", "0")))
    try:
        instance.up()
    except WorldError as exc:
        pytest.fail(f"test world did not come up: {exc}")
    yield instance
    problems = instance.down()
    if problems:
        pytest.fail("test world did not stop cleanly: " + "; ".join(problems))


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A redis-server of the test's own on a loopback port (the shared cache's tests)."""
    if not redis_server_available():
        reason = "the shared cache's tests need redis-server; run scripts/install-world-deps"
        if _in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        server = RedisServer()
    except WorldError as exc:
        pytest.fail(f"redis-server did not come up: {exc}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def world(world_instance: World) -> WorldInfo:
    """Nameserver, CA file, ISPDB URL, user/password, scenarios and hosts of the running world."""
    assert world_instance.info is not None
    return world_instance.info


@pytest.fixture(autouse=True)
def fresh_shared_answers() -> Iterator[None]:
    """Each test starts without the DNS answers earlier tests left in the process-wide cache."""
    from autoconf.net.cache import SHARED_ANSWERS

    SHARED_ANSWERS.clear()
    yield
    SHARED_ANSWERS.clear()


@pytest.fixture(autouse=True)
def resolver_guard(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ResolverGuard | None]:
    """In tests marked `world`, fail the test if any host name reaches the system resolver."""
    if request.node.get_closest_marker("world") is None:
        yield None
        return
    guard = ResolverGuard()
    for name, replacement in guard.patches().items():
        monkeypatch.setattr(socket, name, replacement)
    yield guard
    if guard.violations:
        pytest.fail("resolved through the system resolver: " + ", ".join(guard.violations))
