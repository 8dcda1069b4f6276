"""What to publish: the SRV records matching the servers the domain's own documents name.

``--check DOMAIN --format srv-zone`` prints them. The servers come from the first of the
domain's own mechanisms that publishes any (autoconfig, then Autodiscover, then SRV itself),
else from its ISPDB entry, in the published order; the zone lines are
:mod:`autoconf.export`'s ``srv-zone`` format, so they say the same as ``--format srv-zone``
after a discovery. Pure: no I/O.
"""

from __future__ import annotations

from ..models import DiscoveryResult
from .report import DomainReport, Mechanism, MechanismReport

__all__ = ["SOURCE_ORDER", "srv_zone", "zone_source"]

# Where the servers to publish are taken from, best first.
SOURCE_ORDER = (Mechanism.AUTOCONFIG, Mechanism.AUTODISCOVER, Mechanism.SRV, Mechanism.ISPDB)


def zone_source(report: DomainReport) -> MechanismReport | None:
    """The mechanism report whose servers the zone publishes; None when none names any."""
    for mechanism in SOURCE_ORDER:
        for one in report.mechanisms:
            if one.mechanism is mechanism and one.published and (one.incoming or one.outgoing):
                return one
    return None


def srv_zone(report: DomainReport) -> str | None:
    """Zone-file SRV lines for ``report``'s domain (None: no mechanism names a server)."""
    source = zone_source(report)
    if source is None:
        return None
    from ..export import export

    result = DiscoveryResult(
        # Zone lines never hold the address; the checked one may hold what a file cannot.
        address=f"postmaster@{report.domain}",
        domain=report.domain,
        incoming=list(source.incoming),
        outgoing=list(source.outgoing),
    )
    text = export(result, "srv-zone")
    head = f"; the servers as {source.mechanism.value} publishes them\n"
    return head + text
