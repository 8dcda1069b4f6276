"""The model values that the JSON contract pins."""

from __future__ import annotations

from autoconf import (
    AttemptStatus,
)


def test_attempt_status_values_are_stable():
    """The attempt statuses the contract names are the enum's values (12.11 added two, 25 one)."""
    assert [s.value for s in AttemptStatus] == [
        "ok",
        "empty",
        "error",
        "timeout",
        "skipped",
        "no-domain",
        "unresolved",
        "blocked",
    ]
