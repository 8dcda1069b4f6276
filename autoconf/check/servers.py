"""Probe every server the domain's mechanisms name, and say what is wrong with each.

All servers are probed at once, within the one deadline: the ordinary probe (reachability,
TLS, certificate, capabilities before and after TLS, SASL), a second handshake that offers
only TLS 1.0/1.1, and, when the certificate was refused as untrusted, a third that reads the
chain the server sends. Findings come from those records only (enums and fields, never
messages); the set of named servers adds what is missing (implicit TLS, submission).

An incomplete chain is told from an untrusted certificate by what the server sent: the
verification failed for want of an issuer (kind ``untrusted``: OpenSSL's "unable to get local
issuer certificate") and the server sent one certificate, not signed by itself. A leaf signed
directly by a CA the client does not trust looks the same from here, so the fix names both.
Reading what the server sent needs ``get_unverified_chain`` (public in Python 3.13, on the
private ``_ssl`` object in 3.10-3.12: :func:`autoconf.net.certificates.presented_chain` is the
one place that reaches for it); without it the refusal stays certificate-invalid.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ..errors import DeadlineExceeded
from ..models import (
    Certificate,
    CertificateKind,
    DaneStatus,
    FailureKind,
    Protocol,
    Security,
    ServerSettings,
    TlsStatus,
    Verification,
)
from ..net.certificates import sends_leaf_only
from ..net.session import CallNetwork
from ..options import Deadline, Options
from ..parsers.srv import SERVICES as SRV_SERVICES
from ..probe.driver import (
    LegacyTlsOutcome,
    LegacyTlsProbe,
    ProbeLimits,
    fetch_presented_chain,
    probe_legacy_tls,
    probe_server,
)
from .report import Finding, FindingCode, LegacyTls, Mechanism, ServerReport, Severity

__all__ = ["EXPIRY_WARNING_DAYS", "check_servers", "deadline_passed"]

EXPIRY_WARNING_DAYS = 21  # a certificate expiring sooner than this is a warning
_STARTTLS_PORTS = {143: Protocol.IMAP, 110: Protocol.POP3, 587: Protocol.SMTP}
_IMPLICIT_PORT = {Protocol.IMAP: 993, Protocol.POP3: 995, Protocol.SMTP: 465}
_IMPLICIT_SRV = {p: label for label, (p, sec) in SRV_SERVICES.items() if sec is Security.TLS}
_NAME = {p: p.value.upper() for p in Protocol}
_MECHANISM_ORDER = list(Mechanism)
_LEGACY_STATE = {
    LegacyTlsOutcome.ACCEPTED: LegacyTls.ACCEPTED,
    LegacyTlsOutcome.REFUSED: LegacyTls.REFUSED,
}
# Failures that say the server answered but did not start TLS as published.
_NO_STARTTLS = frozenset({FailureKind.STARTTLS_NOT_OFFERED, FailureKind.STARTTLS_REFUSED})
# Failures after which the server is still usable (it refused only the caller's password).
_USABLE = frozenset({FailureKind.AUTH_REFUSED})


@dataclass(frozen=True, slots=True)
class _Probed:
    """Everything learned about one named server."""

    server: ServerSettings
    mechanisms: list[Mechanism]
    verification: Verification
    legacy: LegacyTlsProbe | None = None  # None: not tried (the server is published plain)
    chain: list[bytes] | None = None  # what the server sent, when its certificate was refused
    webpki: Certificate | None = None  # the CA store's verdict, when DANE alone decided

    @property
    def where(self) -> str:
        return f"{_NAME[self.server.protocol]} server {self.server.host}:{self.server.port}"


async def check_servers(
    servers: Sequence[tuple[ServerSettings, frozenset[Mechanism]]],
    *,
    network: CallNetwork,
    options: Options,
    deadline: Deadline,
    domain: str,
) -> tuple[list[ServerReport], list[Finding]]:
    """Probe every server at once within ``deadline``; their reports, then the findings.

    ``servers`` are the servers the mechanisms tell mail clients to use, each with the
    mechanisms that name it (the same endpoint twice is probed once, its mechanisms merged);
    not MX hosts, since SMTP named only on port 25 is reported as submission missing.
    ``domain`` is the domain being checked. ``options`` gives the phase limits; no login is
    ever tried, whatever its credentials. Never raises (but cancellation); a server the
    deadline cut short is reported unreachable with the deadline as its evidence.
    """
    del domain  # every finding here is about a server; the domain is the caller's context
    named = _merge(servers)
    limits = ProbeLimits.from_options(options)
    tasks = [
        asyncio.create_task(_probe(server, mechanisms, network, limits, deadline))
        for server, mechanisms in named
    ]
    probed = await _collect(tasks, named, deadline)
    now = datetime.now(UTC)
    findings = [finding for p in probed for finding in _server_findings(p, now)]
    findings += _published_findings(named)
    return [_report(p) for p in probed], findings


def _merge(
    servers: Iterable[tuple[ServerSettings, frozenset[Mechanism]]],
) -> list[tuple[ServerSettings, list[Mechanism]]]:
    """One entry per endpoint, in first-named order, with every mechanism that named it."""
    merged: dict[tuple[object, ...], tuple[ServerSettings, set[Mechanism]]] = {}
    for server, mechanisms in servers:
        entry = merged.setdefault(server.endpoint, (server, set()))
        entry[1].update(mechanisms)
    return [
        (server, sorted(mechanisms, key=_MECHANISM_ORDER.index) or [Mechanism.SERVER])
        for server, mechanisms in merged.values()
    ]


async def _probe(
    server: ServerSettings,
    mechanisms: list[Mechanism],
    network: CallNetwork,
    limits: ProbeLimits,
    deadline: Deadline,
) -> _Probed:
    """:func:`_probe_now` behind the session's bound on work in flight to one host
    (``Options.max_per_host``): many names for one host never make the check hammer it."""
    try:
        async with network.hosts.admitted(server.host, deadline):
            return await _probe_now(server, mechanisms, network, limits, deadline)
    except DeadlineExceeded:
        return _Probed(server, mechanisms, deadline_passed())


def deadline_passed() -> Verification:
    """The verification of a probe the check's deadline cut short (or never let start)."""
    return Verification(
        reachable=False,
        error="the check's deadline passed before the probe ended",
        failure=FailureKind.DEADLINE,
    )


async def _probe_now(
    server: ServerSettings,
    mechanisms: list[Mechanism],
    network: CallNetwork,
    limits: ProbeLimits,
    deadline: Deadline,
) -> _Probed:
    """The probe and the legacy-TLS handshake side by side; the chain when it was refused."""
    dns, private = network.dns, network.block_private
    probe = probe_server(
        server,
        dns=dns,
        ssl_context=network.ssl_context,
        deadline=deadline,
        limits=limits,
        block_private=private,
    )
    if server.security is Security.PLAIN:
        return _Probed(server, mechanisms, await probe)
    verification, legacy = await asyncio.gather(
        probe,
        probe_legacy_tls(server, dns=dns, deadline=deadline, limits=limits, block_private=private),
    )
    chain = webpki = None
    if _refused_as_untrusted(verification) and not deadline.expired:
        chain = await fetch_presented_chain(
            server, dns=dns, deadline=deadline, limits=limits, block_private=private
        )
    if verification.dane is DaneStatus.VERIFIED and not deadline.expired:
        webpki = await _webpki_verdict(server, network, limits, deadline)
    return _Probed(server, mechanisms, verification, legacy, chain, webpki)


async def _webpki_verdict(
    server: ServerSettings, network: CallNetwork, limits: ProbeLimits, deadline: Deadline
) -> Certificate | None:
    """What the CA store alone (public CAs, or ``--ca-file``) says of the certificate of a
    server DANE verified: the probe again without TLSA records, as a client without DANE
    sees it. None when that probe did not reach a verdict on the certificate."""
    seen = await probe_server(
        server,
        dns=network.dns,
        ssl_context=network.ssl_context,
        deadline=deadline,
        limits=dataclasses.replace(limits, dane=False),
        block_private=network.block_private,
    )
    if seen.ok or seen.failure is FailureKind.CERTIFICATE:
        return seen.certificate
    return None


async def _collect(
    tasks: list[asyncio.Task[_Probed]],
    named: list[tuple[ServerSettings, list[Mechanism]]],
    deadline: Deadline,
) -> list[_Probed]:
    """Every task's result; the ones still running when the deadline passes are cancelled."""
    if not tasks:
        return []
    try:
        _, pending = await asyncio.wait(tasks, timeout=deadline.remaining())
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        raise
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    late = deadline_passed()
    return [
        task.result() if task not in pending else _Probed(server, mechanisms, late)
        for task, (server, mechanisms) in zip(tasks, named, strict=True)
    ]


def _refused_as_untrusted(verification: Verification) -> bool:
    certificate = verification.certificate
    return (
        verification.failure is FailureKind.CERTIFICATE
        and certificate is not None
        and certificate.kind is CertificateKind.UNTRUSTED
    )


def _report(p: _Probed) -> ServerReport:
    legacy = p.legacy.outcome if p.legacy is not None else LegacyTlsOutcome.NOT_REACHED
    return ServerReport(
        protocol=p.server.protocol,
        host=p.server.host,
        port=p.server.port,
        security=p.server.security,
        mechanisms=p.mechanisms,
        verification=p.verification,
        legacy_tls=_LEGACY_STATE.get(legacy, LegacyTls.NOT_TESTED),
        plaintext_login_before_tls=_plaintext_login_before_tls(p),
        dane_only=_dane_only(p),
    )


def _dane_only(p: _Probed) -> bool:
    """DANE verified the certificate, and the CA store refuses it."""
    return (
        p.verification.dane is DaneStatus.VERIFIED and p.webpki is not None and not p.webpki.valid
    )


def _plaintext_login_before_tls(p: _Probed) -> bool | None:
    if _capabilities_before_tls(p) is None:
        return None
    return _plaintext_offer(p) is not None


# Findings about one server -------------------------------------------------------------------


def _finding(
    p: _Probed,
    code: FindingCode,
    severity: Severity,
    message: str,
    *,
    fix: str | None = None,
    evidence: Iterable[str | None] = (),
) -> Finding:
    return Finding(
        code=code,
        severity=severity,
        mechanisms=p.mechanisms,
        message=message,
        fix=fix,
        evidence=[e for e in evidence if e],
        host=p.server.host,
        port=p.server.port,
    )


def _server_findings(p: _Probed, now: datetime) -> list[Finding]:
    found = [f for f in (_connection_problem(p),) if f is not None]
    found += _expiry(p, now)
    found += _dane_only_finding(p)
    found += _legacy(p)
    found += _plaintext_login(p)
    found += _plain_without_starttls(p)
    found += _sasl(p)
    return found


def _connection_problem(p: _Probed) -> Finding | None:
    """Why a client cannot use the server as published, if it cannot."""
    v = p.verification
    if v.failure in _USABLE or (v.failure is None and v.reachable):
        return None
    if v.failure is FailureKind.CERTIFICATE:
        return _certificate_problem(p)
    if v.failure in _NO_STARTTLS:
        return _starttls_missing(p, v.capabilities_before_tls)
    evidence = [f"failure: {v.failure.value}" if v.failure else None, v.error]
    evidence.append(f"address: {v.address}" if v.address else None)
    if v.failure is FailureKind.DEADLINE:
        message = f"{p.where} could not be checked before the deadline passed."
        return _finding(
            p,
            FindingCode.SERVER_UNREACHABLE,
            Severity.WARNING,
            message,
            fix="Run the check again with a longer --timeout.",
            evidence=evidence,
        )
    return _finding(
        p,
        FindingCode.SERVER_UNREACHABLE,
        Severity.ERROR,
        f"{p.where} cannot be used: {v.error or v.failure}.",
        fix=(
            f"Make sure an {_NAME[p.server.protocol]} server runs on {p.server.host} port "
            f"{p.server.port} ({p.server.security.value}) and that clients can reach it, "
            "or stop publishing it."
        ),
        evidence=evidence,
    )


_CERTIFICATE_FIX = {
    CertificateKind.HOSTNAME_MISMATCH: (
        "Install a certificate whose names include {host}, or publish a host name it covers."
    ),
    CertificateKind.EXPIRED: "Renew the certificate, and automate its renewal (e.g. ACME).",
    CertificateKind.NOT_YET_VALID: "Check the server's clock and the certificate's start date.",
    CertificateKind.SELF_SIGNED: "Use a certificate from a CA that mail clients trust.",
    CertificateKind.UNTRUSTED: (
        "Use a certificate from a CA that mail clients trust, and serve its intermediates."
    ),
    CertificateKind.DANE_MISMATCH: (
        "Publish TLSA records for {host} that match the certificate in use (e.g. 3 1 1, the "
        "SHA-256 of its public key), and publish the new key's record before changing keys."
    ),
    CertificateKind.DANE_BOGUS: (
        "Fix the DNSSEC signatures of the TLSA records for {host} (re-sign the zone, check "
        "the DS records at its parent)."
    ),
}


def _certificate_problem(p: _Probed) -> Finding:
    certificate = p.verification.certificate
    kind = (certificate.kind if certificate else None) or CertificateKind.OTHER
    details = _certificate_evidence(p)
    if kind is CertificateKind.UNTRUSTED and sends_leaf_only(p.chain):
        issuer = (certificate.issuer if certificate else None) or "its issuer"
        return _finding(
            p,
            FindingCode.CERTIFICATE_CHAIN_INCOMPLETE,
            Severity.ERROR,
            f"{p.where} sends only its own certificate, and clients cannot find its issuer "
            f"({issuer}) among their trusted roots: the intermediate certificate is missing.",
            fix=(
                "Configure the full chain (the certificate followed by its intermediates, "
                f"e.g. fullchain.pem); if {issuer} is not a public CA, use one that is."
            ),
            evidence=["presented chain: 1 certificate (the server's own)", *details],
        )
    fix = _CERTIFICATE_FIX.get(kind, "Replace the certificate with a valid one from a public CA.")
    return _finding(
        p,
        FindingCode.CERTIFICATE_INVALID,
        Severity.ERROR,
        f"{p.where} presents a certificate that clients refuse ({kind.value}).",
        fix=fix.format(host=p.server.host),
        evidence=[f"kind: {kind.value}", *details],
    )


def _dane_only_finding(p: _Probed) -> list[Finding]:
    """A certificate only DANE vouches for: verified, but not for clients without DANE."""
    if not _dane_only(p):
        return []
    refused = p.webpki
    kind = (refused.kind if refused else None) or CertificateKind.OTHER
    return [
        _finding(
            p,
            FindingCode.CERTIFICATE_DANE_ONLY,
            Severity.WARNING,
            f"{p.where} is verified by DANE only: its certificate matches its DNSSEC-signed "
            f"TLSA record, but no trusted CA vouches for it ({kind.value}), so clients without "
            "DANE will reject this certificate.",
            fix=(
                f"Keep the TLSA records and also install a certificate for {p.server.host} from "
                "a CA that mail clients trust (e.g. ACME); a TLSA 3 1 1 record survives "
                "renewals that keep the key."
            ),
            evidence=[
                f"DANE: {p.verification.dane_record}",
                f"without DANE: {kind.value}",
                refused.error if refused else None,
                f"issuer: {refused.issuer}" if refused and refused.issuer else None,
            ],
        )
    ]


def _certificate_evidence(p: _Probed) -> list[str]:
    v, certificate = p.verification, p.verification.certificate
    evidence = [v.error] if v.error else []
    if certificate is not None:
        if certificate.subject_names:
            evidence.append("names: " + ", ".join(certificate.subject_names))
        if certificate.issuer:
            evidence.append(f"issuer: {certificate.issuer}")
        if certificate.not_after:
            evidence.append(f"not after: {certificate.not_after.isoformat()}")
    if p.chain is not None:
        evidence.append(f"certificates sent: {len(p.chain)}")
    return evidence


def _expiry(p: _Probed, now: datetime) -> list[Finding]:
    certificate = p.verification.certificate
    if certificate is None or not certificate.valid or certificate.not_after is None:
        return []
    left = certificate.not_after - now
    if left.days >= EXPIRY_WARNING_DAYS:
        return []
    date = certificate.not_after.date().isoformat()
    return [
        _finding(
            p,
            FindingCode.CERTIFICATE_EXPIRING,
            Severity.WARNING,
            f"The certificate of {p.where} expires on {date}, in {left.days} days.",
            fix="Renew it now, and check that its renewal is automated.",
            evidence=[f"not after: {certificate.not_after.isoformat()}", f"days left: {left.days}"],
        )
    ]


def _legacy(p: _Probed) -> list[Finding]:
    if p.legacy is None:
        return []
    if p.legacy.outcome is LegacyTlsOutcome.ACCEPTED:
        return [
            _finding(
                p,
                FindingCode.LEGACY_TLS_ACCEPTED,
                Severity.WARNING,
                f"{p.where} still accepts {p.legacy.version}, which RFC 8996 deprecates.",
                fix=(
                    "Make TLS 1.2 the minimum (Dovecot: ssl_min_protocol = TLSv1.2; "
                    "Postfix: smtpd_tls_protocols = >=TLSv1.2)."
                ),
                evidence=[f"negotiated: {p.legacy.version}", p.legacy.detail],
            )
        ]
    if p.legacy.outcome is LegacyTlsOutcome.UNAVAILABLE:
        return [
            _finding(
                p,
                FindingCode.LEGACY_TLS_NOT_TESTED,
                Severity.INFO,
                f"Whether {p.where} still accepts TLS 1.0/1.1 was not tested: this "
                "machine's OpenSSL cannot offer them.",
                evidence=[p.legacy.detail],
            )
        ]
    return []


def _capabilities_before_tls(p: _Probed) -> list[str] | None:
    """What the server offered in clear text (None: not applicable or nothing seen)."""
    v = p.verification
    if p.server.security is Security.STARTTLS:
        caps = v.capabilities_before_tls
    elif p.server.security is Security.PLAIN:
        caps = v.capabilities
    else:
        return None
    return caps or None


def _plaintext_offer(p: _Probed) -> str | None:
    """What invites a password in clear text, in words; None when nothing does."""
    caps = _capabilities_before_tls(p) or []
    upper = [c.upper() for c in caps]
    words = [c.split() for c in upper if c.strip()]
    protocol = p.server.protocol
    if protocol is Protocol.IMAP:
        auth = [c for c in upper if c in ("AUTH=PLAIN", "AUTH=LOGIN")]
        if auth or "LOGINDISABLED" not in upper:
            offered = " and ".join(auth) or "LOGIN"
            return f"{offered} without LOGINDISABLED before STARTTLS"
        return None
    if protocol is Protocol.POP3:
        user = any(w[0] == "USER" for w in words)
        sasl = [m for w in words if w[0] == "SASL" for m in w[1:] if m in ("PLAIN", "LOGIN")]
        if user or sasl:
            return " and ".join((["USER"] if user else []) + [f"SASL {m}" for m in sasl])
        return None
    auth_lines = [" ".join(w) for w in words if w[0] == "AUTH" or w[0].startswith("AUTH=")]
    return f"{auth_lines[0]} before STARTTLS" if auth_lines else None


_PLAINTEXT_FIX = {
    Protocol.IMAP: "Allow login only after TLS (Dovecot: disable_plaintext_auth = yes).",
    Protocol.POP3: "Allow login only after TLS (Dovecot: disable_plaintext_auth = yes).",
    Protocol.SMTP: "Offer AUTH only after STARTTLS (Postfix: smtpd_tls_auth_only = yes).",
}


def _plaintext_login(p: _Probed) -> list[Finding]:
    offer = _plaintext_offer(p) if _capabilities_before_tls(p) is not None else None
    if offer is None:
        return []
    caps = _capabilities_before_tls(p) or []
    return [
        _finding(
            p,
            FindingCode.PLAINTEXT_LOGIN_BEFORE_TLS,
            Severity.ERROR,
            f"{p.where} offers {offer}: a client may send the password unencrypted.",
            fix=_PLAINTEXT_FIX[p.server.protocol],
            evidence=["capabilities before TLS: " + " ".join(caps)],
        )
    ]


def _starttls_missing(p: _Probed, caps: list[str]) -> Finding:
    command = "STLS" if p.server.protocol is Protocol.POP3 else "STARTTLS"
    failure = p.verification.failure
    how = "refuses" if failure is FailureKind.STARTTLS_REFUSED else "does not offer"
    return _finding(
        p,
        FindingCode.STARTTLS_MISSING,
        Severity.ERROR,
        f"{p.where} {how} {command}: clients either fail or send everything unencrypted.",
        fix=f"Enable {command} on port {p.server.port} with a valid certificate.",
        evidence=[
            f"failure: {failure.value}" if failure else None,
            "capabilities: " + " ".join(caps) if caps else None,
            p.verification.error,
        ],
    )


def _plain_without_starttls(p: _Probed) -> list[Finding]:
    """A server published plain on a STARTTLS port, which indeed offers no STARTTLS."""
    v, server = p.verification, p.server
    if server.security is not Security.PLAIN or _STARTTLS_PORTS.get(server.port) is None:
        return []
    if not v.ok or not v.capabilities:
        return []
    command = "STLS" if server.protocol is Protocol.POP3 else "STARTTLS"
    if any(c.split()[0].upper() == command for c in v.capabilities if c.strip()):
        return []
    return [_starttls_missing(p, v.capabilities)]


def _sasl(p: _Probed) -> list[Finding]:
    v = p.verification
    if not v.sasl_mechanisms:
        return []
    where = "after TLS" if v.tls is TlsStatus.OK else "without TLS"
    mechanisms = ", ".join(v.sasl_mechanisms)
    return [
        _finding(
            p,
            FindingCode.SASL_MECHANISMS,
            Severity.INFO,
            f"{p.where} offers the SASL mechanisms {mechanisms} ({where}).",
            evidence=[f"SASL: {' '.join(v.sasl_mechanisms)}"],
        )
    ]


# Findings about the set of named servers -----------------------------------------------------


def _published_findings(named: list[tuple[ServerSettings, list[Mechanism]]]) -> list[Finding]:
    """Implicit TLS missing per protocol and host; SMTP only on port 25 per host."""
    groups: dict[tuple[Protocol, str], list[tuple[ServerSettings, list[Mechanism]]]] = {}
    for server, mechanisms in named:
        groups.setdefault((server.protocol, server.host), []).append((server, mechanisms))
    found: list[Finding] = []
    for (protocol, host), entries in groups.items():
        mechanisms = sorted({m for _, ms in entries for m in ms}, key=_MECHANISM_ORDER.index)
        published = [f"{s.host}:{s.port} ({s.security.value})" for s, _ in entries]
        if all(s.security is not Security.TLS for s, _ in entries):
            found.append(_implicit_tls_missing(protocol, host, mechanisms, published))
        if protocol is Protocol.SMTP and all(s.port == 25 for s, _ in entries):
            found.append(_submission_missing(host, mechanisms, published))
    return found


def _implicit_tls_missing(
    protocol: Protocol, host: str, mechanisms: list[Mechanism], published: list[str]
) -> Finding:
    name, port = _NAME[protocol], _IMPLICIT_PORT[protocol]
    return Finding(
        code=FindingCode.IMPLICIT_TLS_MISSING,
        severity=Severity.WARNING,
        mechanisms=mechanisms,
        message=(
            f"No {name} server with implicit TLS (port {port}) is published for {host}; "
            "RFC 8314 recommends it over STARTTLS."
        ),
        fix=(
            f"Offer {name} on port {port} with TLS from the first byte and publish it "
            f"(autoconfig socketType SSL, SRV {_IMPLICIT_SRV[protocol]})."
        ),
        evidence=["published: " + ", ".join(published)],
        host=host,
    )


def _submission_missing(host: str, mechanisms: list[Mechanism], published: list[str]) -> Finding:
    return Finding(
        code=FindingCode.SUBMISSION_MISSING,
        severity=Severity.WARNING,
        mechanisms=mechanisms,
        message=(
            f"SMTP for {host} is published only on port 25, which many networks block for "
            "mail clients; submission on 465 or 587 is missing."
        ),
        fix=(
            "Offer submission on 465 (implicit TLS) or 587 (STARTTLS) with authentication, "
            "and publish it (SRV _submissions._tcp, autoconfig outgoingServer)."
        ),
        evidence=["published: " + ", ".join(published)],
        host=host,
        port=25,
    )
