"""The CLI's loop is uvloop's when it is installed; library callers can opt in to it."""

from __future__ import annotations

import asyncio
import os

import pytest

import autoconf
from autoconf import Options
from autoconf.engine.runner import run_sync


def test_new_event_loop_is_uvloops_when_installed() -> None:
    """autoconf.new_event_loop() makes a uvloop loop if uvloop imports, else asyncio's."""
    loop = autoconf.new_event_loop()
    try:
        try:
            import uvloop
        except ImportError:
            assert isinstance(loop, asyncio.AbstractEventLoop)
        else:
            assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


def test_a_discovery_runs_on_the_opted_in_loop() -> None:
    """run_sync with new_event_loop runs a (offline) discovery to its end on that loop."""
    seen: list[str] = []

    async def find() -> autoconf.DiscoveryResult:
        seen.append(type(asyncio.get_running_loop()).__module__)
        return await autoconf.discover("jane@gmail.com", options=Options(offline=True))

    result = run_sync(find(), loop_factory=autoconf.new_event_loop)
    assert result.incoming
    assert seen[0].startswith("uvloop") or seen[0].startswith("asyncio")


@pytest.mark.skipif(os.environ.get("MAIL_AUTOCONF_LOOP") != "uvloop", reason="asyncio run")
async def test_the_suite_runs_on_uvloop_when_asked() -> None:
    """With MAIL_AUTOCONF_LOOP=uvloop the async tests really run on uvloop's loop."""
    assert type(asyncio.get_running_loop()).__module__.startswith("uvloop")
