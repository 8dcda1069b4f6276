"""Check everything a domain publishes for mail clients, and say exactly what is wrong.

``report`` holds the vocabulary (:class:`DomainReport`, :class:`Finding` and their enums).
"""

from __future__ import annotations

from .report import (
    DnsRecord,
    DomainReport,
    Finding,
    FindingCode,
    HttpLookup,
    LegacyTls,
    LocalProblem,
    LookupOutcome,
    Mechanism,
    MechanismReport,
    OAuthCheck,
    PaccDetails,
    PaccRecord,
    ServerReport,
    ServiceCheck,
    Severity,
)

__all__ = [
    "DnsRecord",
    "DomainReport",
    "Finding",
    "FindingCode",
    "HttpLookup",
    "LegacyTls",
    "LocalProblem",
    "LookupOutcome",
    "Mechanism",
    "MechanismReport",
    "OAuthCheck",
    "PaccDetails",
    "PaccRecord",
    "ServerReport",
    "ServiceCheck",
    "Severity",
]
