"""Can this machine check anything at all? Told apart from "the domain publishes nothing". PURE.

Before a finding blames the domain, the check asks whether the failures it saw say anything
about the domain:

- **DNS down**: the lookup's own rule (:func:`autoconf.engine.diagnosis.diagnose`, the one
  behind ``domain_status: dns-down``): the domain's MX look-up got NXDOMAIN or no answer, and
  a name that must exist (the online ISPDB's host, from ``ispdb_url``) does not resolve
  either.
- **network down**: that name resolves, yet the online ISPDB did not answer at all, and no
  web host of the domain gave any HTTP answer either.

Then the report is one finding, ``local-dns-down`` or ``local-network-down``, and no finding
about the domain (``--check`` exits with 6). Decided on attempt statuses and lookup fields only.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..engine.diagnosis import diagnose
from ..models import AttemptStatus, DomainStatus, SourceAttempt, SourceName
from .report import Finding, FindingCode, LocalProblem, Mechanism, MechanismReport, Severity

__all__ = ["local_finding", "local_problem"]


def local_problem(
    mechanisms: Sequence[MechanismReport], must_exist: SourceAttempt
) -> LocalProblem | None:
    """What keeps this machine from checking anything, from the mechanisms' reports and the
    look-up of a name that must exist; None when the reports can be judged."""
    mx = [a for m in mechanisms if m.mechanism is Mechanism.MX for a in m.attempts]
    if diagnose([*mx, must_exist], found=False) is DomainStatus.DNS_DOWN:
        return LocalProblem.DNS_DOWN
    if must_exist.status is AttemptStatus.OK and not _anything_answered(mechanisms):
        return LocalProblem.NETWORK_DOWN
    return None


def _anything_answered(mechanisms: Sequence[MechanismReport]) -> bool:
    """Did the online ISPDB, or any web host of the domain, give any HTTP answer at all?"""
    for report in mechanisms:
        if report.source is SourceName.ISPDB and report.reached is not False:
            return True
        if any(lookup.status is not None for lookup in report.lookups):
            return True
    return False


_WORDS = {
    LocalProblem.DNS_DOWN: (
        FindingCode.LOCAL_DNS_DOWN,
        "This machine cannot resolve names: neither {domain} nor {host}, a name that must "
        "exist, could be looked up, so nothing about {domain} could be checked from here.",
        "check this machine's network connection and DNS settings (or the --nameserver "
        "given), then run the check again",
    ),
    LocalProblem.NETWORK_DOWN: (
        FindingCode.LOCAL_NETWORK_DOWN,
        "This machine cannot reach the network: {host} resolves but did not answer, and no "
        "web host of {domain} answered either, so nothing about {domain} could be checked "
        "from here.",
        "check this machine's network connection (and any firewall or proxy in the way), "
        "then run the check again",
    ),
}


def local_finding(
    problem: LocalProblem,
    domain: str,
    mechanisms: Sequence[MechanismReport],
    must_exist: SourceAttempt,
) -> Finding:
    """The one finding of a report that could not judge the domain, with the look-ups that
    show it as evidence."""
    code, message, fix = _WORDS[problem]
    host = must_exist.target.split(" ", 1)[0]
    mx = [a for m in mechanisms if m.mechanism is Mechanism.MX for a in m.attempts[:1]]
    evidence = [
        f"{a.target}: {a.status.value}" + (f" ({a.detail})" if a.detail else "")
        for a in (*mx, must_exist)
    ]
    return Finding(
        code=code,
        severity=Severity.ERROR,
        mechanisms=[],
        message=message.format(domain=domain, host=host or "the online ISPDB"),
        fix=fix,
        evidence=evidence,
    )
