"""The finding guide (autoconf.check.guide) covers every code, in words an admin can act on."""

from __future__ import annotations

from autoconf.check import FindingCode
from autoconf.check.guide import GUIDE


def test_every_finding_code_has_a_guide_entry():
    """Each FindingCode has severities, a 'when' and a fix; no entry names an unknown code."""
    assert set(GUIDE) == set(FindingCode)
    for code, entry in GUIDE.items():
        assert entry.severities, code
        assert entry.when.strip(), code
        assert entry.fix.strip(), code
