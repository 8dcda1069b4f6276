"""What to publish: the SRV records (or the PACC document and its TXT record) matching the
servers the domain's own documents name, and with the SRV records the TLSA records of the
keys the probed servers and MX hosts presented.

``--check DOMAIN --format srv-zone`` (or ``--format pacc``) prints them. The servers come
from the first of the domain's own mechanisms that publishes any (PACC, autoconfig, then
Autodiscover, then SRV itself), else from its ISPDB entry, in the published order; the lines
are :mod:`autoconf.export`'s formats, so they say the same as ``--format`` after a discovery.
Pure: no I/O.
"""

from __future__ import annotations

from ..models import DiscoveryResult
from .report import DomainReport, Mechanism, MechanismReport

__all__ = [
    "PUBLISH_FORMATS",
    "SOURCE_ORDER",
    "publish",
    "srv_zone",
    "tlsa_lines",
    "zone_source",
]

# The export formats that publish a domain's settings, and so make sense after --check.
PUBLISH_FORMATS = ("srv-zone", "pacc")

# Where the servers to publish are taken from, best first.
SOURCE_ORDER = (
    Mechanism.PACC,
    Mechanism.AUTOCONFIG,
    Mechanism.AUTODISCOVER,
    Mechanism.SRV,
    Mechanism.ISPDB,
)


def zone_source(report: DomainReport) -> MechanismReport | None:
    """The mechanism report whose servers the zone publishes; None when none names any."""
    for mechanism in SOURCE_ORDER:
        for one in report.mechanisms:
            if one.mechanism is mechanism and one.published and (one.incoming or one.outgoing):
                return one
    return None


def srv_zone(report: DomainReport) -> str | None:
    """Zone-file SRV lines for ``report``'s domain (None: no mechanism names a server)."""
    return publish(report, "srv-zone")


def publish(report: DomainReport, format: str) -> str | None:
    """``format`` (one of :data:`PUBLISH_FORMATS`) for the servers ``report``'s domain already
    publishes; None when no mechanism names a server."""
    source = zone_source(report)
    tlsa = tlsa_lines(report) if format == "srv-zone" else ""
    if source is None:
        return tlsa or None
    from ..export import export

    result = DiscoveryResult(
        # PACC writes a server only when its user name is the address the check resolved it
        # for; zone lines never hold the address (the checked one may hold what they cannot).
        address=(format == "pacc" and report.address) or f"postmaster@{report.domain}",
        domain=report.domain,
        provider=source.provider,
        incoming=list(source.incoming),
        outgoing=list(source.outgoing),
    )
    text = export(result, format)
    head = f"; the servers as {source.mechanism.value} publishes them\n"
    if format == "pacc":  # the document must stay the first line
        return text + head
    return head + text + tlsa


def tlsa_lines(report: DomainReport) -> str:
    """DANE-EE ``3 1 1`` TLSA lines (RFC 7671 §5.1) for every server and MX host whose key
    the check read: the SHA-256 of the presented key, so a renewal that keeps the key keeps
    the record. Publish them only in a DNSSEC-signed zone. "" when no key was read."""
    keys: dict[tuple[str, int], str] = {}
    for server in report.servers:
        cert = server.verification.certificate if server.verification else None
        if cert is not None and cert.spki_sha256:
            keys.setdefault((server.host, server.port), cert.spki_sha256)
    for mx in report.transport.mx if report.transport else []:
        if mx.spki_sha256:
            keys.setdefault((mx.host, 25), mx.spki_sha256)
    if not keys:
        return ""
    head = "; DANE: the keys the servers presented (publish only in a DNSSEC-signed zone)\n"
    return head + "".join(
        f"_{port}._tcp.{host}. IN TLSA 3 1 1 {digest}\n" for (host, port), digest in keys.items()
    )
