"""Wall-clock bounds for tests that prove which limit ended a wait, on a loaded machine.

A test that proves "limit A ended this wait, not limit B" (a phase limit and not the deadline;
the deadline and not a silent host; the cap and not the phase limit) sets A and B seconds apart
and asserts that the wait ended before the point halfway between them. A busy machine (two
cores, load average 10, coverage on) stretches a short wait by a second or two: that fits in
the gap, while a wait that ran to B does not. A bound tighter than that is a race, and speed
itself is a figure for ``benchmarks/``, never asserted by a test.
"""

from __future__ import annotations

__all__ = ["MIN_GAP_S", "halfway", "soon_after"]

# The least room, in seconds, on either side of the bound: what a loaded machine may add to a
# short wait on the side of A, and what separates the bound from B on the other.
MIN_GAP_S = 2.0


def halfway(limit: float, other: float) -> float:
    """The bound on a wait that ``limit`` must end and the larger ``other`` must not."""
    if other - limit < 2 * MIN_GAP_S:
        raise ValueError(
            f"limits {limit} s and {other} s are too close to tell apart on a loaded machine"
        )
    return (limit + other) / 2


def soon_after(deadline: float) -> float:
    """The bound on a wait that ``deadline`` must end and that would otherwise never end (a
    fake that hangs for an hour): the deadline, plus the room a loaded machine may add."""
    return deadline + 2 * MIN_GAP_S
