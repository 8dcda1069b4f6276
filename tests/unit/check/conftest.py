"""Every finding a check test produces has a severity its code's guide entry allows."""

from __future__ import annotations

from typing import Any

import pytest

from autoconf.check import findings, run, servers
from autoconf.check.guide import GUIDE
from autoconf.check.report import Finding


def guided_finding(**fields: Any) -> Finding:
    """A Finding, refused when its severity is not one its guide entry names."""
    finding = Finding(**fields)
    allowed = GUIDE[finding.code].severities
    assert finding.severity in allowed, f"{finding.code}: {finding.severity} not in {allowed}"
    return finding


@pytest.fixture(autouse=True)
def _findings_follow_the_guide(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (findings, run, servers):
        monkeypatch.setattr(module, "Finding", guided_finding)
