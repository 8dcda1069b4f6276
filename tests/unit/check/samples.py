"""A broken domain's report, built by hand: every mechanism, servers, findings of each kind."""

from __future__ import annotations

from datetime import UTC, datetime

from autoconf.check.report import (
    DnsRecord,
    DomainReport,
    Finding,
    FindingCode,
    HttpLookup,
    LookupOutcome,
    Mechanism,
    MechanismReport,
    ServerReport,
    Severity,
)
from autoconf.models import FailureKind, Protocol, Security, SourceName, TlsStatus, Verification
from tests.unit.fakes import server

D = "example.com"


def sample_report(*severities: Severity) -> DomainReport:
    """A report for example.com; with ``severities``, only findings of those severities."""
    imap = server(host=f"imap.{D}")
    smtp = server(Protocol.SMTP, host=f"smtp.{D}", port=587, security=Security.STARTTLS)
    ac = f"https://autoconfig.{D}/mail/config-v1.1.xml"
    mechanisms = [
        MechanismReport(
            mechanism=Mechanism.AUTOCONFIG,
            published=True,
            incoming=[imap],
            outgoing=[smtp],
            lookups=[
                HttpLookup(url=ac, outcome=LookupOutcome.OK, status=200, content_type="text/plain"),
                HttpLookup(
                    url=f"https://{D}/.well-known/autoconfig/mail/config-v1.1.xml",
                    outcome=LookupOutcome.NOT_XML,
                    status=200,
                    content_type="text/html",
                ),
            ],
        ),
        MechanismReport(
            mechanism=Mechanism.SRV,
            published=True,
            incoming=[imap],
            dns=[
                DnsRecord(
                    name=f"_imaps._tcp.{D}",
                    rtype="SRV",
                    priority=0,
                    weight=1,
                    port=993,
                    target=f"imap.{D}",
                    resolves=True,
                )
            ],
            records=[f"_imaps._tcp.{D}. SRV 0 1 993 imap.{D}."],
        ),
        MechanismReport(mechanism=Mechanism.AUTODISCOVER, published=False),
        MechanismReport(
            mechanism=Mechanism.ISPDB, published=False, source=SourceName.ISPDB_BUNDLED
        ),
        MechanismReport(mechanism=Mechanism.ISPDB, published=False, source=SourceName.ISPDB),
        MechanismReport(mechanism=Mechanism.MX, published=False),
    ]
    findings = [
        Finding(
            code=FindingCode.AUTOCONFIG_NOT_XML,
            severity=Severity.WARNING,
            mechanisms=[Mechanism.AUTOCONFIG],
            message=f"https://{D}/.well-known/autoconfig/mail/config-v1.1.xml answers with a "
            "web page (text/html), not the autoconfig XML.",
            fix="serve the clientConfig XML there, or answer 404 there",
        ),
        Finding(
            code=FindingCode.SERVER_UNREACHABLE,
            severity=Severity.ERROR,
            mechanisms=[Mechanism.SERVER],
            message=f"SMTP smtp.{D}:587 does not answer.",
            fix=f"publish _submissions._tcp.{D} for port 465 and make the server answer",
            host=f"smtp.{D}",
            port=587,
        ),
        Finding(
            code=FindingCode.SRV_NOT_OFFERED,
            severity=Severity.INFO,
            mechanisms=[Mechanism.SRV],
            message=f"_pop3._tcp.{D} says the service is not offered (target '.').",
        ),
        Finding(
            code=FindingCode.MECHANISMS_DISAGREE,
            severity=Severity.WARNING,
            mechanisms=[Mechanism.AUTOCONFIG, Mechanism.SRV],
            message="autoconfig and srv name different IMAP servers.",
            fix="publish the same IMAP servers in both",
        ),
    ]
    if severities:
        findings = [f for f in findings if f.severity in severities]
    servers = [
        ServerReport(
            protocol=Protocol.IMAP,
            host=f"imap.{D}",
            port=993,
            security=Security.TLS,
            mechanisms=[Mechanism.AUTOCONFIG, Mechanism.SRV],
            verification=Verification(reachable=True, tls=TlsStatus.OK),
        ),
        ServerReport(
            protocol=Protocol.SMTP,
            host=f"smtp.{D}",
            port=587,
            security=Security.STARTTLS,
            mechanisms=[Mechanism.AUTOCONFIG],
            verification=Verification(
                reachable=False, error="timed out", failure=FailureKind.TIMEOUT
            ),
        ),
    ]
    return DomainReport(
        domain=D,
        checked_at=datetime(2026, 12, 1, tzinfo=UTC),
        elapsed_ms=1234.0,
        mechanisms=mechanisms,
        servers=servers,
        findings=findings,
    )
