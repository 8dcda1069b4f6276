"""A small world of real mail infrastructure on 127.0.0.0/8 for the integration tests.

Knot DNS, nginx, Dovecot, Postfix, automx2 and automua (plus two misbehaving Python servers),
all started as children of the harness, configured under a throwaway state folder, stopped by
PID. `python -m tests.world up` runs it by hand; the pytest fixture `world` runs it once per
session.
"""

from __future__ import annotations

from tests.world.core import World, WorldInfo, missing_dependencies
from tests.world.process import WorldError
from tests.world.scenarios import Expect, Scenario

__all__ = ["Expect", "Scenario", "World", "WorldError", "WorldInfo", "missing_dependencies"]
