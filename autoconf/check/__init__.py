"""Check everything a domain publishes for mail clients, and say exactly what is wrong.

``report`` holds the vocabulary (:class:`DomainReport`, :class:`Finding` and their enums).
"""

from __future__ import annotations

from .report import (
    DomainReport,
    Finding,
    FindingCode,
    LegacyTls,
    Mechanism,
    MechanismReport,
    ServerReport,
    Severity,
)

__all__ = [
    "DomainReport",
    "Finding",
    "FindingCode",
    "LegacyTls",
    "Mechanism",
    "MechanismReport",
    "ServerReport",
    "Severity",
]
