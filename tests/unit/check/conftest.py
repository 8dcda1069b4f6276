"""Every finding a check test produces has a severity its code's guide entry allows."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest

import autoconf.check
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
    """Each check module that builds findings builds them through guided_finding."""
    for info in pkgutil.iter_modules(autoconf.check.__path__, "autoconf.check."):
        module = importlib.import_module(info.name)
        if info.name != "autoconf.check.report" and getattr(module, "Finding", None) is Finding:
            monkeypatch.setattr(module, "Finding", guided_finding)
