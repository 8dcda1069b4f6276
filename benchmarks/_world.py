"""Bring the loopback test world up for a benchmark and build Options that point at it."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autoconf import Options, SourceName  # noqa: E402
from tests.world import World, WorldInfo, missing_dependencies  # noqa: E402
from tests.world.library import library_options  # noqa: E402


@contextlib.contextmanager
def running_world(net: int = 9) -> Iterator[WorldInfo]:
    """A world on 127.0.<net>.x (apart from the test suite's), stopped afterwards."""
    missing = missing_dependencies()
    if missing:
        raise SystemExit(
            f"the test world needs {', '.join(missing)}: run bash scripts/install-world-deps"
        )
    world = World(net=net)
    info = world.up()
    try:
        yield info
    finally:
        world.down()


def world_options(world: WorldInfo, **extra: Any) -> Options:
    """Hermetic options for the world; no guessing and no probes unless asked."""
    settings: dict[str, Any] = {
        "verify": False,
        "sources": frozenset(SourceName) - {SourceName.GUESS},
    }
    settings.update(extra)
    return library_options(world, **settings)
