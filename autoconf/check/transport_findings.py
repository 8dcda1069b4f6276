"""What is wrong with how other mail servers reach the domain: reports in, findings out. PURE.

The rules for the MX hosts on port 25, DANE (TLSA records of MX hosts, RFC 7672, and of the
named servers, RFC 7673), MTA-STS (RFC 8461) and TLS-RPT (RFC 8460); the severities follow
:mod:`autoconf.check.guide`. A certificate the WebPKI refuses on port 25 is only worth knowing
when nothing asks senders to check it: mail servers deliver over TLS opportunistically,
whatever the certificate (RFC 7435); MTA-STS in enforce mode makes it an error (senders then
refuse to deliver), and secure TLSA records make DANE the judge instead of the WebPKI.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..models import DaneStatus, DnssecStatus, TlsStatus
from ..parsers.mtasts import StsMode, mx_matches
from ..parsers.tlsa import TlsaRecord
from .report import (
    Finding,
    FindingCode,
    LookupOutcome,
    Mechanism,
    MtaStsDetails,
    MxHostReport,
    ServerReport,
    Severity,
    TlsaCheck,
    TransportReport,
)

__all__ = [
    "compare_tlsa",
    "mta_sts_findings",
    "server_tlsa_findings",
    "tlsa_findings",
    "transport_findings",
    "with_tlsa",
]

_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO
_OLD_TLS = frozenset({"SSLv3", "TLSv1", "TLSv1.1"})
_LEAF_USAGES = frozenset({1, 3})  # PKIX-EE, DANE-EE: the record is about the leaf itself
_DISCOURAGED_USAGES = frozenset({0, 1})  # PKIX-TA, PKIX-EE (RFC 7672 §3.1.3)


def compare_tlsa(records: Sequence[TlsaRecord], spki_sha256: str | None) -> bool | None:
    """Whether a leaf record ``x 1 1`` holds ``spki_sha256``; None when none can be compared
    (no such record, or no key read). The full DANE matching is :mod:`autoconf.net.dane`'s."""
    comparable = [
        r for r in records if r.usage in _LEAF_USAGES and r.selector == 1 and r.matching_type == 1
    ]
    if not comparable or spki_sha256 is None:
        return None
    return any(r.data.hex() == spki_sha256.lower() for r in comparable)


def with_tlsa(
    server: ServerReport, check: TlsaCheck, records: Sequence[TlsaRecord]
) -> ServerReport:
    """``server`` with its TLSA records, compared with what it presented: the probe's own
    DANE verdict where it made one (DNSSEC on), else the leaf's key against ``x 1 1``."""
    v = server.verification
    matches: bool | None = None
    # No records, nothing to match (a bogus answer too, though the probe refused it by DANE).
    if records and v is not None and v.dane in (DaneStatus.VERIFIED, DaneStatus.FAILED):
        matches = v.dane is DaneStatus.VERIFIED
    elif records and v is not None and v.certificate is not None:
        matches = compare_tlsa(records, v.certificate.spki_sha256)
    return server.model_copy(update={"tlsa": check.model_copy(update={"matches": matches})})


def _f(
    code: FindingCode,
    severity: Severity,
    mechanism: Mechanism,
    message: str,
    fix: str | None = None,
    evidence: Sequence[str] = (),
    host: str | None = None,
    port: int | None = None,
) -> Finding:
    return Finding(
        code=code,
        severity=severity,
        mechanisms=[mechanism],
        message=message,
        fix=fix,
        evidence=[e for e in evidence if e],
        host=host,
        port=port,
    )


def transport_findings(domain: str, report: TransportReport) -> list[Finding]:
    """Every finding about the MX hosts, their TLSA records, MTA-STS and TLS-RPT."""
    sts = report.mta_sts
    enforced = sts.mode if sts.record and sts.mode else None
    found = _zone_findings(domain, report)
    for host in report.mx:
        found += _mx_findings(host, enforced)
        if host.tlsa is not None:
            found += tlsa_findings(host.tlsa, host.host, 25, mx=True)
    found += mta_sts_findings(domain, sts, [h.host for h in report.mx])
    found += _tls_rpt_findings(domain, report)
    return found


def _zone_findings(domain: str, report: TransportReport) -> list[Finding]:
    """The zone's DNSSEC status: bogus is an error, unsigned a note (DANE needs it)."""
    evidence = [report.dnssec_detail or ""]
    if report.dnssec is DnssecStatus.BOGUS:
        return [
            _f(
                FindingCode.ZONE_DNSSEC_BOGUS,
                _E,
                Mechanism.DANE,
                f"{domain} is signed, but its DNSSEC chain of trust fails: validating resolvers "
                "answer nothing for it, so mail to it and its servers' names fail there.",
                "fix the failing link: re-sign the zone, or correct the DS record at the parent "
                "(often a key rollover gone wrong)",
                evidence,
            )
        ]
    if report.dnssec is DnssecStatus.INSECURE:
        return [
            _f(
                FindingCode.ZONE_UNSIGNED,
                _I,
                Mechanism.DANE,
                f"{domain} is not DNSSEC-signed (or its parent holds no DS for it), so DANE "
                "cannot protect mail to it.",
                "sign the zone and publish its DS record at the registrar, then TLSA records",
                evidence,
            )
        ]
    return []


def _secure_tlsa(host: MxHostReport) -> bool:
    tlsa = host.tlsa
    return tlsa is not None and bool(tlsa.records) and tlsa.dnssec is DnssecStatus.SECURE


def _mx_findings(host: MxHostReport, mode: str | None) -> list[Finding]:
    """Port 25 of one MX host: reachable, STARTTLS, the certificate, the TLS version."""
    v, where = host.verification, f"MX {host.host}:25"
    if v is None or not v.reachable:
        why = v.error if v is not None else "not probed"
        return [
            _f(
                FindingCode.MX_UNREACHABLE,
                _W,
                Mechanism.MX,
                f"{where} does not answer SMTP, so mail goes to the other MX hosts or waits.",
                "make the host accept connections on port 25 (a firewall?), or remove the MX",
                [why or ""],
                host=host.host,
                port=25,
            )
        ]
    strict = mode == StsMode.ENFORCE.value or _secure_tlsa(host)
    found: list[Finding] = []
    if v.tls is TlsStatus.NOT_OFFERED or (v.tls is TlsStatus.FAILED and host.tls_version is None):
        found.append(
            _f(
                FindingCode.MX_STARTTLS_MISSING,
                _E if strict else _W,
                Mechanism.MX,
                f"{where} does not start TLS, so mail to the domain travels in plain text"
                + (" or, as MTA-STS or DANE asks, is not delivered." if strict else "."),
                "offer STARTTLS on port 25 with a certificate for the MX host name",
                [v.error or ""],
                host=host.host,
                port=25,
            )
        )
    return found + _mx_certificate(host, mode) + _mx_old_tls(host)


def _mx_certificate(host: MxHostReport, mode: str | None) -> list[Finding]:
    """The WebPKI verdict on port 25: a note unless MTA-STS asks senders to check it."""
    v, where = host.verification, f"MX {host.host}:25"
    cert = v.certificate if v is not None else None
    found: list[Finding] = []
    if cert is not None and not cert.valid and host.tls_version and not _secure_tlsa(host):
        severity = {StsMode.ENFORCE.value: _E, StsMode.TESTING.value: _W}.get(mode or "", _I)
        found.append(
            _f(
                FindingCode.MX_CERTIFICATE,
                severity,
                Mechanism.MX,
                f"{where} presents a certificate the WebPKI refuses ({cert.kind or cert.error})"
                + (
                    "; senders that follow MTA-STS refuse to deliver."
                    if severity is _E
                    else "; senders still deliver over TLS (opportunistic), unchecked."
                ),
                f"install a certificate from a public CA for {host.host}, or publish TLSA "
                "records for it in a DNSSEC-signed zone (DANE)",
                [cert.error or ""],
                host=host.host,
                port=25,
            )
        )
    return found


def _mx_old_tls(host: MxHostReport) -> list[Finding]:
    where = f"MX {host.host}:25"
    found: list[Finding] = []
    if host.tls_version in _OLD_TLS:
        found.append(
            _f(
                FindingCode.MX_OLD_TLS,
                _W,
                Mechanism.MX,
                f"{where} agreed to {host.tls_version}, which RFC 8996 retires.",
                "allow TLS 1.2 and 1.3 only",
                [host.tls_version or ""],
                host=host.host,
                port=25,
            )
        )
    return found


def tlsa_findings(tlsa: TlsaCheck, host: str, port: int, *, mx: bool) -> list[Finding]:
    """One server's TLSA records: validation, match, usages mail should not use."""
    name = f"_{port}._tcp.{host}"
    if not tlsa.records and tlsa.dnssec is not DnssecStatus.BOGUS:
        if tlsa.dnssec is not DnssecStatus.SECURE:
            return []
        return [
            _f(
                FindingCode.TLSA_MISSING,
                _I,
                Mechanism.DANE,
                f"{host} is in a DNSSEC-signed zone but has no TLSA record at {name}.",
                f"publish {name}. IN TLSA 3 1 1 <SHA-256 of its public key> (--format srv-zone "
                "prints it)",
                host=host,
                port=port,
            )
        ]
    found: list[Finding] = []
    found += _tlsa_validation(tlsa, host, port, name)
    return found + _tlsa_match(tlsa, host, port, name, mx=mx)


def _tlsa_validation(tlsa: TlsaCheck, host: str, port: int, name: str) -> list[Finding]:
    found: list[Finding] = []
    if tlsa.dnssec is DnssecStatus.BOGUS:
        found.append(
            _f(
                FindingCode.TLSA_BOGUS,
                _E,
                Mechanism.DANE,
                f"The TLSA records at {name} fail DNSSEC validation: DANE senders and clients "
                "refuse to connect.",
                "fix the zone's signatures or DS records (e.g. a key rollover gone wrong)",
                [*tlsa.records, tlsa.error or ""],
                host=host,
                port=port,
            )
        )
    elif tlsa.dnssec is DnssecStatus.INSECURE:
        found.append(
            _f(
                FindingCode.TLSA_NOT_SECURE,
                _W,
                Mechanism.DANE,
                f"TLSA records are published at {name}, but the zone is not DNSSEC-signed, so "
                "everyone ignores them.",
                "sign the zone with DNSSEC (and publish its DS at the parent), or remove them",
                tlsa.records,
                host=host,
                port=port,
            )
        )
    return found


def _tlsa_match(tlsa: TlsaCheck, host: str, port: int, name: str, *, mx: bool) -> list[Finding]:
    found: list[Finding] = []
    if tlsa.matches is False:
        secure = tlsa.dnssec is DnssecStatus.SECURE
        found.append(
            _f(
                FindingCode.TLSA_MISMATCH,
                _E if secure else _W,
                Mechanism.DANE,
                f"No TLSA record at {name} matches the certificate {host}:{port} presents"
                + ("; DANE senders and clients refuse it." if secure else "."),
                "publish the record for the current key before the old one goes (--format "
                "srv-zone prints it), then remove the stale one",
                tlsa.records,
                host=host,
                port=port,
            )
        )
    discouraged = [r for r in tlsa.records if r.split(" ", 1)[0] in ("0", "1")]
    if discouraged:
        found.append(
            _f(
                FindingCode.TLSA_USAGE_DISCOURAGED,
                _W if mx else _I,
                Mechanism.DANE,
                f"{name} has PKIX-TA/PKIX-EE records (usage 0 or 1), which "
                + (
                    "SMTP senders ignore (RFC 7672 §3.1.3)."
                    if mx
                    else "RFC 7671 §4 advises against for mail."
                ),
                "publish DANE-EE (3 1 1) or DANE-TA (2 1 1) records instead",
                discouraged,
                host=host,
                port=port,
            )
        )
    return found


def server_tlsa_findings(servers: Sequence[ServerReport]) -> list[Finding]:
    """The TLSA findings of the named servers (RFC 7673)."""
    return [
        finding
        for s in servers
        if s.tlsa is not None
        for finding in tlsa_findings(s.tlsa, s.host, s.port, mx=False)
    ]


def mta_sts_findings(domain: str, sts: MtaStsDetails, mx_hosts: Sequence[str]) -> list[Finding]:
    """The ``_mta-sts`` record, the policy, and the policy's MX patterns against the MX."""
    lookup = sts.policy
    served = lookup is not None and lookup.outcome is LookupOutcome.OK
    url = lookup.url if lookup is not None else f"https://mta-sts.{domain}/.well-known/mta-sts.txt"
    found = _sts_record_findings(domain, sts, served, url)
    if not sts.record:
        return found
    if not served:
        detail = lookup.detail if lookup is not None else None
        found.append(
            _f(
                FindingCode.MTA_STS_POLICY_UNREACHABLE,
                _E,
                Mechanism.MTA_STS,
                f"_mta-sts.{domain} is published, but the policy is not served at {url} "
                f"({lookup.outcome.value if lookup else 'not fetched'}).",
                f"serve the policy at {url} (HTTPS with a valid certificate for "
                f"mta-sts.{domain}, a 200 answer, no redirect), or remove the TXT record",
                [url, detail or ""],
            )
        )
        return found
    if sts.policy_problem:
        found.append(
            _f(
                FindingCode.MTA_STS_BAD_POLICY,
                _E,
                Mechanism.MTA_STS,
                f"The MTA-STS policy at {url} does not parse, so senders ignore it.",
                "serve lines 'version: STSv1', 'mode: enforce|testing|none', 'mx: <host or "
                "*.domain>' (one per MX) and 'max_age: <seconds, at most 31557600>'",
                [url, sts.policy_problem],
            )
        )
        return found
    return found + _policy_findings(sts, mx_hosts, url)


def _sts_record_findings(domain: str, sts: MtaStsDetails, served: bool, url: str) -> list[Finding]:
    """The ``_mta-sts`` record itself: unusable, or missing beside a served policy."""
    found: list[Finding] = []
    if sts.record_problem:
        found.append(
            _f(
                FindingCode.MTA_STS_BAD_RECORD,
                _E,
                Mechanism.MTA_STS,
                f"The TXT record at _mta-sts.{domain} is unusable, so senders ignore MTA-STS.",
                f'publish one record: _mta-sts.{domain}. IN TXT "v=STSv1; id=<1-32 letters '
                'and digits, changed with each policy change>"',
                [sts.record_problem],
            )
        )
    if not sts.record and not sts.record_problem and served and not sts.policy_problem:
        found.append(
            _f(
                FindingCode.MTA_STS_NO_RECORD,
                _W,
                Mechanism.MTA_STS,
                f"A policy is served at {url}, but no TXT record at _mta-sts.{domain} tells "
                "senders to fetch it.",
                f'publish _mta-sts.{domain}. IN TXT "v=STSv1; id=<a new id>"',
                [url],
            )
        )
    return found


def _policy_findings(sts: MtaStsDetails, mx_hosts: Sequence[str], url: str) -> list[Finding]:
    found: list[Finding] = []
    if sts.mode in (StsMode.TESTING.value, StsMode.NONE.value):
        found.append(
            _f(
                FindingCode.MTA_STS_TESTING,
                _I,
                Mechanism.MTA_STS,
                f"The MTA-STS policy's mode is {sts.mode}: senders deliver even when TLS or "
                "the certificate fails.",
                "switch to 'mode: enforce' once the TLS reports show no failures",
                [url],
            )
        )
    if sts.mode == StsMode.NONE.value:
        return found
    for host in mx_hosts:
        if not any(mx_matches(p, host) for p in sts.mx):
            found.append(
                _f(
                    FindingCode.MTA_STS_MX_MISMATCH,
                    _E if sts.mode == StsMode.ENFORCE.value else _W,
                    Mechanism.MTA_STS,
                    f"The MX host {host} matches no mx line of the MTA-STS policy, so "
                    "senders that follow it do not deliver there.",
                    f"add 'mx: {host}' to the policy (and change the TXT record's id)",
                    [url, *(f"mx: {p}" for p in sts.mx)],
                    host=host,
                )
            )
    return found


def _tls_rpt_findings(domain: str, report: TransportReport) -> list[Finding]:
    name = f"_smtp._tls.{domain}"
    if report.tls_rpt_problem:
        return [
            _f(
                FindingCode.TLS_RPT_BAD_RECORD,
                _W,
                Mechanism.TLS_RPT,
                f"The TXT record at {name} is unusable, so senders send no TLS reports.",
                f'publish one record: {name}. IN TXT "v=TLSRPTv1; rua=mailto:tls-reports@{domain}"',
                [report.tls_rpt or "", report.tls_rpt_problem],
            )
        ]
    dane = any(_secure_tlsa(h) for h in report.mx)
    sts = bool(report.mta_sts.record)
    if not report.mx:
        return []
    if not sts and not dane:
        return [
            _f(
                FindingCode.MTA_STS_MISSING,
                _I,
                Mechanism.MTA_STS,
                f"Neither MTA-STS nor DANE asks senders to use TLS for mail to {domain}: an "
                "attacker on the path can strip STARTTLS.",
                f"publish an MTA-STS policy (https://mta-sts.{domain}/.well-known/mta-sts.txt "
                f"and _mta-sts.{domain} TXT), or TLSA records in a DNSSEC-signed zone",
            )
        ]
    if report.tls_rpt is None:
        return [
            _f(
                FindingCode.TLS_RPT_MISSING,
                _I,
                Mechanism.TLS_RPT,
                f"MTA-STS or DANE is in use but no {name} record asks for reports, so TLS "
                "failures at senders go unseen.",
                f'publish {name}. IN TXT "v=TLSRPTv1; rua=mailto:tls-reports@{domain}"',
            )
        ]
    return []
