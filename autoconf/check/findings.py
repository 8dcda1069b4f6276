"""What is wrong with what a domain publishes: mechanism reports in, findings out. PURE.

Each rule reads the structured fields of :class:`~autoconf.check.report.MechanismReport`
(lookup outcomes, DNS records, servers) and never a message. Severities follow
:mod:`autoconf.check.guide` (the docs' table of codes is made from it; the check tests refuse
a finding whose severity its entry does not allow): an error means clients fail or a password
is at risk, a warning means it works but wrongly or against an RFC's advice, info is worth
knowing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations
from urllib.parse import urlsplit

from ..address import is_within
from ..models import (
    AttemptStatus,
    DnssecStatus,
    OAuthMetadataStatus,
    Protocol,
    Security,
    ServerSettings,
    ServiceKind,
    SourceAttempt,
    SourceName,
)
from ..parsers.srv import SERVICES
from .report import (
    DnsRecord,
    Finding,
    FindingCode,
    HttpLookup,
    LookupOutcome,
    Mechanism,
    MechanismReport,
    OAuthCheck,
    PaccDetails,
    ServerReport,
    ServiceCheck,
    Severity,
)

__all__ = [
    "MAX_SERVERS",
    "MAX_SRV_RECORDS",
    "OWN",
    "agreement_findings",
    "autoconfig_findings",
    "bogus_finding",
    "findings_for",
    "for_the_admin",
    "ispdb_findings",
    "label",
    "left_out_finding",
    "mx_findings",
    "pacc_findings",
    "service_findings",
    "srv_findings",
]

# What one check looks at, at most, so that a domain publishing thousands of records is
# checked within its deadline and memory: the SRV records of one service (those a client tries
# first), and the servers probed.
MAX_SRV_RECORDS = 16
MAX_SERVERS = 32
MAX_SERVICES = 8  # JMAP/DAV URLs asked per mechanism (one of each kind is the norm)
# The mechanisms through which the domain itself publishes settings (ISPDB and MX are others').
OWN = (Mechanism.AUTOCONFIG, Mechanism.SRV, Mechanism.AUTODISCOVER)
_NAMES = {Protocol.IMAP: "IMAP", Protocol.POP3: "POP3", Protocol.SMTP: "SMTP"}
_SECURITY = {
    Security.TLS: "SSL/TLS",
    Security.STARTTLS: "STARTTLS",
    Security.PLAIN: "no encryption",
}
# (implicit-TLS service, STARTTLS service) of each protocol, from the SRV parser's table.
_PAIRS = tuple(
    (tls, starttls)
    for tls, (p, sec) in SERVICES.items()
    if sec is Security.TLS
    for starttls, (q, sec2) in SERVICES.items()
    if q is p and sec2 is Security.STARTTLS
)
Endpoint = tuple[str, int, Security]


def label(server: ServerSettings | ServerReport) -> str:
    """``IMAP imap.example.com:993 (SSL/TLS)``: one server, for people."""
    return f"{_NAMES[server.protocol]} {server.host}:{server.port} ({_SECURITY[server.security]})"


def findings_for(domain: str, reports: Sequence[MechanismReport]) -> list[Finding]:
    """Every finding about ``domain``'s mechanisms, in the reports' order, errors first."""
    found: list[Finding] = []
    own = [r for r in reports if r.mechanism in (*OWN, Mechanism.PACC) and r.published]
    for report in reports:
        if report.mechanism is Mechanism.AUTOCONFIG:
            found += autoconfig_findings(domain, report)
        elif report.mechanism is Mechanism.SRV:
            found += srv_findings(domain, report)
        elif report.mechanism is Mechanism.MX:
            found += mx_findings(report, own)
        elif report.mechanism is Mechanism.ISPDB:
            found += ispdb_findings(report, own)
        elif report.mechanism is Mechanism.PACC:
            found += pacc_findings(domain, report)
        found += _skipped(report) + _timeouts(domain, report) + service_findings(report)
    found += agreement_findings(own)
    bogus = bogus_finding(domain, reports)
    if bogus is not None:  # what failed validation was not read: it may well be published
        found.append(bogus)
    elif not own and not any(r.published for r in reports if r.mechanism is Mechanism.ISPDB):
        found.append(
            Finding(
                code=FindingCode.NOTHING_PUBLISHED,
                severity=Severity.ERROR,
                mechanisms=list(OWN),
                message=f"{domain} publishes no mail settings by any mechanism.",
                fix=f"publish https://autoconfig.{domain}/mail/config-v1.1.xml and the SRV "
                f"records _imaps._tcp.{domain} and _submissions._tcp.{domain}",
            )
        )
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return sorted(found, key=lambda f: order[f.severity])


def bogus_finding(domain: str, reports: Sequence[MechanismReport]) -> Finding | None:
    """The error that DNSSEC proved some mechanisms' DNS answers bogus (``--dnssec`` on): they
    could not be read, as validating resolvers and clients cannot read them, so they are never
    called unpublished. None when no answer was bogus (always with DNSSEC off)."""
    bogus = [(r.mechanism, name) for r in reports for name in _bogus_names(r)]
    if not bogus:
        return None
    mechanisms = list(dict.fromkeys(m for m, _ in bogus))
    return Finding(
        code=FindingCode.MECHANISMS_BOGUS,
        severity=Severity.ERROR,
        mechanisms=mechanisms,
        message=f"The DNS answers of {_listed(mechanisms)} for {domain} fail DNSSEC validation, "
        "so validating resolvers and clients cannot read them, and neither could this check: "
        "what they publish is unknown, not missing.",
        fix="fix the zone's chain of trust (the zone-dnssec-bogus finding names the failing "
        "link): re-sign the zone, or correct the DS record at the parent",
        evidence=[f"bogus: {target}" for _, target in bogus],
    )


def _listed(mechanisms: Sequence[Mechanism]) -> str:
    """``srv, mx and pacc``."""
    names = [m.value for m in mechanisms]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _bogus(attempt: SourceAttempt) -> bool:
    return attempt.dnssec is DnssecStatus.BOGUS


def _bogus_names(report: MechanismReport) -> list[str]:
    """What of ``report`` DNSSEC proved bogus: its DNS look-ups, and the URLs whose host's
    addresses were."""
    names = [a.target for a in report.attempts if _bogus(a)]
    addresses = " (its host's addresses)"
    return names + [x.url + addresses for x in report.lookups if x.dnssec is DnssecStatus.BOGUS]


# Findings whose fix is a change at the named host itself (its certificate, its TLS, its
# address), not at a record the domain publishes: for a host outside the domain (a provider's)
# that is not the admin's to make. A server-unreachable warning is the deadline's (run again).
_FIXED_AT_THE_HOST = frozenset(
    {
        FindingCode.CERTIFICATE_INVALID,
        FindingCode.CERTIFICATE_EXPIRING,
        FindingCode.CERTIFICATE_CHAIN_INCOMPLETE,
        FindingCode.LEGACY_TLS_ACCEPTED,
        FindingCode.PLAINTEXT_LOGIN_BEFORE_TLS,
        FindingCode.STARTTLS_MISSING,
        FindingCode.SRV_TARGET_UNRESOLVED,
        FindingCode.MX_UNRESOLVED,
        FindingCode.MX_UNREACHABLE,
        FindingCode.MX_STARTTLS_MISSING,
        FindingCode.MX_CERTIFICATE,
        FindingCode.MX_OLD_TLS,
        FindingCode.TLSA_MISMATCH,
        FindingCode.TLSA_USAGE_DISCOURAGED,
        FindingCode.TLSA_MISSING,
    }
)


def for_the_admin(domain: str, findings: Sequence[Finding]) -> list[Finding]:
    """``findings``, none asking the admin of ``domain`` to fix a host they do not run: the
    fix of one about a host outside the domain says what the admin can change instead."""
    return [_theirs(domain, f) if _elsewhere(domain, f) else f for f in findings]


def _elsewhere(domain: str, finding: Finding) -> bool:
    at_host = finding.code in _FIXED_AT_THE_HOST or (
        finding.code is FindingCode.SERVER_UNREACHABLE and finding.severity is Severity.ERROR
    )
    return at_host and finding.fix is not None and not is_within(finding.host or domain, domain)


def _theirs(domain: str, finding: Finding) -> Finding:
    fix = (
        f"{finding.host} is not a host of {domain}, so this is for its operator to fix: tell "
        f"them, or make {domain} publish servers that work instead"
    )
    return finding.model_copy(update={"fix": fix})


# -- autoconfig ------------------------------------------------------------------------------


def _base(url: str) -> str:
    return url.split("?", 1)[0]


def _https(lookup: HttpLookup) -> bool:
    return lookup.url.startswith("https://")


def autoconfig_findings(domain: str, report: MechanismReport) -> list[Finding]:
    """Plain HTTP only, one URL, the address question, and what each answer was wrong in."""
    lookups = report.lookups
    ok_https = {_base(x.url) for x in lookups if _https(x) and x.outcome is LookupOutcome.OK}
    ok_http = [x for x in lookups if not _https(x) and x.outcome is LookupOutcome.OK]
    https_bases = list(dict.fromkeys(_base(x.url) for x in lookups if _https(x)))
    found: list[Finding] = []
    if not ok_https and ok_http:
        found.append(
            _finding(
                FindingCode.AUTOCONFIG_HTTP_ONLY,
                Severity.ERROR,
                f"The autoconfig file is served only over plain HTTP ({ok_http[0].url}), "
                "so anyone on the path can change the servers a client is told.",
                fix=f"serve the same file over HTTPS at {https_bases[0] if https_bases else ''}",
                evidence=[x.url for x in ok_http],
            )
        )
    if len(ok_https) == 1 and len(https_bases) == 2:
        missing = next(b for b in https_bases if b not in ok_https)
        found.append(
            _finding(
                FindingCode.AUTOCONFIG_ONE_URL,
                Severity.INFO,
                f"Only one of the two autoconfig URLs answers ({next(iter(ok_https))}).",
                fix=f"serve the same file at {missing} too",
                evidence=[missing],
            )
        )
    found += _address_findings(lookups)
    found += _answer_findings(lookups)
    return found


def _address_findings(lookups: Sequence[HttpLookup]) -> list[Finding]:
    """Per HTTPS URL: does the answer break, or change, without ``?emailaddress=``?"""
    found: list[Finding] = []
    by_base: dict[str, dict[bool, HttpLookup]] = {}
    for lookup in lookups:
        if _https(lookup):
            by_base.setdefault(_base(lookup.url), {})[lookup.with_address] = lookup
    for base, pair in by_base.items():
        with_it, without = pair.get(True), pair.get(False)
        if with_it is None or without is None or with_it.outcome is not LookupOutcome.OK:
            continue
        if without.outcome is not LookupOutcome.OK:
            found.append(
                _finding(
                    FindingCode.AUTOCONFIG_NEEDS_ADDRESS,
                    Severity.WARNING,
                    f"{base} works only with ?emailaddress=; without it the answer is "
                    f"{_said(without)}, and clients that do not send the address get nothing.",
                    fix=f"answer {base} without ?emailaddress= too (use %EMAILADDRESS% in "
                    "the file instead)",
                    evidence=[with_it.url, without.url],
                )
            )
        elif _endpoints(with_it.incoming + with_it.outgoing) != _endpoints(
            without.incoming + without.outgoing
        ):
            found.append(
                _finding(
                    FindingCode.AUTOCONFIG_DEPENDS_ON_ADDRESS,
                    Severity.INFO,
                    f"{base} names other servers when ?emailaddress= is sent.",
                    evidence=[with_it.url, without.url],
                )
            )
    return found


def _said(lookup: HttpLookup) -> str:
    if lookup.status is not None:
        return f"HTTP {lookup.status}"
    return lookup.outcome.value


_XML_TYPES = ("text/xml", "application/xml")


def _answer_findings(lookups: Sequence[HttpLookup]) -> list[Finding]:
    """Content type, HTML, redirects elsewhere, certificates, broken XML: once per URL."""
    found: dict[tuple[FindingCode, str], Finding] = {}
    for x in lookups:
        base = _base(x.url)
        for code, severity, message, fix in _problems(x, base):
            found.setdefault(
                (code, base), _finding(code, severity, message, fix=fix, evidence=_evidence(x))
            )
    return list(found.values()) + _skipped_entries(lookups)


def _skipped_entries(lookups: Sequence[HttpLookup]) -> list[Finding]:
    """Each skipped server entry once, however many URLs served the file it is in (the same
    file over HTTPS and HTTP, with and without the address): every such URL is evidence."""
    where: dict[str, list[HttpLookup]] = {}
    for x in lookups:
        if x.outcome is LookupOutcome.OK:
            for reason in x.skipped:
                where.setdefault(reason, []).append(x)
    return [
        _finding(
            FindingCode.SKIPPED_SERVER,
            Severity.WARNING,
            f"A server entry in {_base(served[0].url)} had to be skipped: {reason}"
            + _also_at(len(served) - 1),
            fix="correct or remove that server entry",
            evidence=[x.url for x in served],
        )
        for reason, served in where.items()
    ]


def _also_at(more: int) -> str:
    return f" (also served at {more} more URL{'s' if more > 1 else ''})" if more else ""


def _problems(x: HttpLookup, base: str) -> list[tuple[FindingCode, Severity, str, str]]:
    """What is wrong with one answer: (code, severity, message, fix) each."""
    kind = (x.content_type or "").lower()
    shown = x.content_type or "no content type"
    problems: list[tuple[FindingCode, Severity, str, str]] = []
    if x.outcome is LookupOutcome.OK and not (kind in _XML_TYPES or kind.endswith("+xml")):
        problems.append(
            (
                FindingCode.AUTOCONFIG_CONTENT_TYPE,
                Severity.WARNING,
                f"{base} is served as {shown}, not as XML.",
                "serve config-v1.1.xml with Content-Type: text/xml",
            )
        )
    if x.outcome is LookupOutcome.NOT_XML:
        problems.append(
            (
                FindingCode.AUTOCONFIG_NOT_XML,
                Severity.WARNING,
                f"{base} answers with a web page ({shown}), not the autoconfig XML.",
                f"serve the clientConfig XML at {base}, or answer 404 there",
            )
        )
    if x.redirected_elsewhere:
        problems.append(
            (
                FindingCode.AUTOCONFIG_REDIRECT_ELSEWHERE,
                Severity.WARNING,
                f"{base} redirects to another domain ({x.final_url}); clients trust that less.",
                f"serve the file at {base} itself",
            )
        )
    if _https(x) and x.outcome in (LookupOutcome.CERTIFICATE, LookupOutcome.TLS):
        problems.append(
            (
                FindingCode.AUTOCONFIG_CERTIFICATE,
                Severity.ERROR,
                f"The web server of {base} has a certificate clients refuse "
                f"({x.certificate or 'TLS failed'}).",
                "install a valid certificate for that host name (e.g. from Let's Encrypt)",
            )
        )
    if x.outcome is LookupOutcome.BAD_DOCUMENT:
        problems.append(
            (
                FindingCode.BAD_DOCUMENT,
                Severity.ERROR,
                f"{base} answers XML that is not a valid clientConfig document.",
                "fix the document (validate it against the clientConfig 1.1 format)",
            )
        )
    return problems


def _evidence(lookup: HttpLookup) -> list[str]:
    parts = [lookup.url, *lookup.redirects]
    if lookup.final_url and lookup.final_url != lookup.url:
        parts.append(lookup.final_url)
    facts = []
    if lookup.status is not None:
        facts.append(f"HTTP {lookup.status}")
    if lookup.content_type:
        facts.append(lookup.content_type)
    if lookup.detail:
        facts.append(lookup.detail)
    return list(dict.fromkeys(parts)) + ([", ".join(facts)] if facts else [])


# -- SRV -------------------------------------------------------------------------------------


def left_out_finding(code: FindingCode, count: int, mechanisms: list[Mechanism]) -> Finding:
    """The warning that a bound left ``count`` records or servers unchecked: never a silent
    "all fine" for what was not looked at."""
    if code is FindingCode.SRV_RECORDS_LEFT_OUT:
        what = f"{count} SRV records were not checked: at most {MAX_SRV_RECORDS} per service are"
        fix = "publish one record per server; clients try only the first few"
    else:
        what = f"{count} more servers were not probed: at most {MAX_SERVERS} are"
        fix = "name fewer servers; clients try only the first few"
    return _finding(
        code,
        Severity.WARNING,
        f"{what} (those a client would try first).",
        mechanisms=mechanisms,
        fix=fix,
        evidence=[f"left out: {count}"],
    )


def srv_findings(domain: str, report: MechanismReport) -> list[Finding]:
    """Targets outside the domain, unresolvable, '.'; STARTTLS preferred to implicit TLS;
    records left out by the bound."""
    found: list[Finding] = []
    if report.records_left_out:
        found.append(
            left_out_finding(
                FindingCode.SRV_RECORDS_LEFT_OUT, report.records_left_out, [Mechanism.SRV]
            )
        )
    for record in report.dns:
        text = _record_text(record)
        service = record.name.removesuffix(f".{domain}")
        if record.target == ".":
            found.append(
                _finding(
                    FindingCode.SRV_NOT_OFFERED,
                    Severity.INFO,
                    f"{record.name} says the service is not offered (target '.').",
                    evidence=[text],
                )
            )
            continue
        if not is_within(record.target, domain):
            found.append(_outside(domain, service, record))
        if record.resolves is False:
            found.append(
                _finding(
                    FindingCode.SRV_TARGET_UNRESOLVED,
                    Severity.ERROR,
                    f"{record.name} points at {record.target}, which has no address.",
                    fix=f"add an A/AAAA record for {record.target} or correct the SRV target",
                    evidence=[text],
                    host=record.target,
                    port=record.port,
                )
            )
    found += _starttls_preferred(domain, report.dns)
    return found


def _outside(domain: str, service: str, record: DnsRecord) -> Finding:
    """An SRV target outside the domain: a warning, or a note when DNSSEC proves the answer
    (RFC 6186 §6 lets a client trust a protected answer, as the library does with ``--dnssec``;
    clients that do not validate still ask the user)."""
    signed = record.dnssec is DnssecStatus.SECURE
    text = _record_text(record)
    if signed:
        message = (
            f"{record.name} points outside {domain}, to {record.target}, and the answer is "
            "DNSSEC-signed: clients that validate it may trust the target (RFC 6186 §6); "
            "clients that do not validate DNSSEC still ask the user."
        )
        evidence = [text, "dnssec: secure"]
    else:
        message = (
            f"{record.name} points outside {domain}, to {record.target}; clients must not "
            "trust such a target without asking the user (RFC 6186 §6)."
        )
        evidence = [text]
    return _finding(
        FindingCode.SRV_TARGET_OUTSIDE_DOMAIN,
        Severity.INFO if signed else Severity.WARNING,
        message,
        fix=f"point {service} at a host name inside {domain} (a CNAME is fine) or publish an "
        "autoconfig file that names the same server"
        + (", so that clients without DNSSEC need not ask" if signed else ""),
        evidence=evidence,
        host=record.target,
        port=record.port,
    )


def _record_text(record: DnsRecord) -> str:
    if record.rtype == "SRV":
        return f"{record.name} SRV {record.priority} {record.weight} {record.port} {record.target}"
    return f"{record.name} MX {record.priority} {record.target}"


def _usable(records: Iterable[DnsRecord], service: str, domain: str) -> list[DnsRecord]:
    return [r for r in records if r.name == f"{service}.{domain}" and r.target != "."]


def _starttls_preferred(domain: str, records: Sequence[DnsRecord]) -> list[Finding]:
    found: list[Finding] = []
    for implicit, starttls in _PAIRS:
        tls = _usable(records, implicit, domain)
        plain = _usable(records, starttls, domain)
        if not tls or not plain:
            continue
        if min(r.priority for r in plain) < min(r.priority for r in tls):
            found.append(
                _finding(
                    FindingCode.SRV_STARTTLS_PREFERRED,
                    Severity.WARNING,
                    f"{starttls}.{domain} has a better (lower) priority than {implicit}.{domain}; "
                    "RFC 8314 §5.1 says implicit TLS should be preferred.",
                    fix=f"give {implicit}.{domain} a lower priority number than "
                    f"{starttls}.{domain}",
                    evidence=[_record_text(r) for r in (*tls, *plain)],
                )
            )
    return found


# -- across mechanisms -----------------------------------------------------------------------


def _endpoints(servers: Iterable[ServerSettings]) -> set[tuple[Protocol, str, int, Security]]:
    return {(s.protocol, s.host, s.port, s.security) for s in servers}


def _of(report: MechanismReport, protocol: Protocol) -> list[ServerSettings]:
    return [s for s in (*report.incoming, *report.outgoing) if s.protocol is protocol]


def agreement_findings(own: Sequence[MechanismReport]) -> list[Finding]:
    """Pairs of the domain's own mechanisms that name no common server, POP3, and order."""
    found: list[Finding] = []
    for protocol in Protocol:
        for a, b in combinations(own, 2):
            sa, sb = _of(a, protocol), _of(b, protocol)
            if sa and sb and _conflict(sa, sb):
                found.append(
                    _finding(
                        FindingCode.MECHANISMS_DISAGREE,
                        Severity.WARNING,
                        f"{a.mechanism.value} and {b.mechanism.value} name different "
                        f"{_NAMES[protocol]} servers: {label(sa[0])} against {label(sb[0])}.",
                        fix=f"publish the same {_NAMES[protocol]} servers in both",
                        evidence=[f"{a.mechanism.value}: {label(s)}" for s in sa]
                        + [f"{b.mechanism.value}: {label(s)}" for s in sb],
                        mechanisms=[a.mechanism, b.mechanism],
                    )
                )
    found += _pop3(own) + _order(own)
    return found


def _conflict(a: Sequence[ServerSettings], b: Sequence[ServerSettings]) -> bool:
    """No server in common, or one host and port with two securities."""
    ea, eb = _endpoints(a), _endpoints(b)
    if not ea & eb:
        return True
    security_a = {(h, p): s for _, h, p, s in ea}
    return any(security_a.get((h, p), s) is not s for _, h, p, s in eb)


def _pop3(own: Sequence[MechanismReport]) -> list[Finding]:
    incoming = [r for r in own if r.incoming]
    with_pop = [r.mechanism for r in incoming if _of(r, Protocol.POP3)]
    without = [r.mechanism for r in incoming if not _of(r, Protocol.POP3)]
    if not with_pop or not without:
        return []
    return [
        _finding(
            FindingCode.POP3_NOT_EVERYWHERE,
            Severity.WARNING,
            f"POP3 is published by {_names(with_pop)} but not by {_names(without)}.",
            fix=f"publish POP3 in {_names(without)} too, or remove it from {_names(with_pop)}",
            mechanisms=with_pop + without,
        )
    ]


def _names(mechanisms: Sequence[Mechanism]) -> str:
    return " and ".join(m.value for m in mechanisms)


def _order(own: Sequence[MechanismReport]) -> list[Finding]:
    """SRV's priority order of servers against autoconfig's document order, per protocol."""
    autoconfig = next((r for r in own if r.mechanism is Mechanism.AUTOCONFIG), None)
    srv = next((r for r in own if r.mechanism is Mechanism.SRV), None)
    if autoconfig is None or srv is None:
        return []
    found: list[Finding] = []
    for protocol in Protocol:
        services = [s for s, (p, _) in SERVICES.items() if p is protocol]
        ranked = sorted(
            (r for r in srv.dns if r.target != "" and r.target != "." and _service(r) in services),
            key=lambda r: r.priority,
        )
        srv_order = list(dict.fromkeys((r.target, r.port) for r in ranked))
        doc_order = list(dict.fromkeys((s.host, s.port) for s in _of(autoconfig, protocol)))
        common = set(srv_order) & set(doc_order)
        a = [e for e in doc_order if e in common]
        b = [e for e in srv_order if e in common]
        if len(common) > 1 and a != b:
            found.append(
                _finding(
                    FindingCode.ORDER_DIFFERS,
                    Severity.INFO,
                    f"SRV priorities put the {_NAMES[protocol]} servers in another order than "
                    "the autoconfig file, so clients pick a different one first.",
                    fix="give the SRV records priorities in the autoconfig file's order",
                    evidence=[f"autoconfig: {_hp(a)}", f"srv: {_hp(b)}"],
                    mechanisms=[Mechanism.AUTOCONFIG, Mechanism.SRV],
                )
            )
    return found


def _service(record: DnsRecord) -> str:
    return ".".join(record.name.split(".")[:2])


def _hp(endpoints: Sequence[tuple[str, int | None]]) -> str:
    return ", ".join(f"{h}:{p}" for h, p in endpoints)


# -- ISPDB and MX ----------------------------------------------------------------------------


def ispdb_findings(report: MechanismReport, own: Sequence[MechanismReport]) -> list[Finding]:
    """The ISPDB entry (bundled or online) names other servers than the domain publishes."""
    if not report.published or not own:
        return []
    reference = next((r for r in own if r.mechanism is Mechanism.AUTOCONFIG), own[0])
    theirs = _endpoints(report.incoming + report.outgoing)
    ours = _endpoints(reference.incoming + reference.outgoing)
    if theirs == ours:
        return []
    which = "bundled" if report.source is SourceName.ISPDB_BUNDLED else "online"
    only_ispdb = sorted(_text(e) for e in theirs - ours)
    only_own = sorted(_text(e) for e in ours - theirs)
    return [
        _finding(
            FindingCode.ISPDB_STALE,
            Severity.WARNING,
            f"The {which} ISPDB entry differs from what {reference.mechanism.value} publishes; "
            "clients that use the ISPDB get other servers.",
            fix="ask for the ISPDB entry to be updated (github.com/thunderbird/autoconfig)",
            evidence=[f"only in the ISPDB: {e}" for e in only_ispdb]
            + [f"only in {reference.mechanism.value}: {e}" for e in only_own],
            mechanisms=[Mechanism.ISPDB, reference.mechanism],
        )
    ]


def _text(endpoint: tuple[Protocol, str, int, Security]) -> str:
    protocol, host, port, security = endpoint
    return f"{_NAMES[protocol]} {host}:{port} ({_SECURITY[security]})"


# How the MX look-up ends when the DNS answered: no records, or no such domain at all.
_NO_RECORDS = frozenset({AttemptStatus.EMPTY, AttemptStatus.NO_DOMAIN})


def mx_findings(report: MechanismReport, own: Sequence[MechanismReport]) -> list[Finding]:
    """No MX, a null MX, MX hosts without an address, the provider the MX points at."""
    if any(a.status not in _NO_RECORDS for a in report.attempts) and not report.dns:
        return []  # the look-up failed: that is a timeout finding, not "no MX"
    if not report.dns:
        return [
            _finding(
                FindingCode.MX_NONE,
                Severity.WARNING,
                "The domain has no MX record; mail to it goes to its A record, if any.",
                fix="publish an MX record naming your mail server",
            )
        ]
    found: list[Finding] = []
    if all(r.target == "." for r in report.dns):
        found.append(
            _finding(
                FindingCode.MX_NULL,
                Severity.WARNING if own else Severity.INFO,
                "The domain has a null MX (RFC 7505): it accepts no mail.",
                fix="remove the null MX if the domain should receive mail" if own else None,
                evidence=[_record_text(r) for r in report.dns],
            )
        )
    found += [
        _finding(
            FindingCode.MX_UNRESOLVED,
            Severity.ERROR,
            f"The MX host {r.target} has no address, so mail cannot be delivered to it.",
            fix=f"add an A/AAAA record for {r.target} or correct the MX record",
            evidence=[_record_text(r)],
            host=r.target,
        )
        for r in report.dns
        if r.resolves is False
    ]
    return found + _provider(report, own)


def _provider(report: MechanismReport, own: Sequence[MechanismReport]) -> list[Finding]:
    if not report.published or not (report.incoming or report.outgoing):
        return []
    name = report.provider.id if report.provider is not None else report.incoming[0].host
    found = [
        _finding(
            FindingCode.MX_PROVIDER,
            Severity.INFO,
            f"The MX points at a provider the provider data knows: {name}.",
            evidence=[label(s) for s in report.incoming + report.outgoing],
        )
    ]
    theirs = {(s.host, s.port) for s in report.incoming + report.outgoing}
    for mine in own:
        ours = {(s.host, s.port) for s in mine.incoming + mine.outgoing}
        if ours and not ours & theirs:
            found.append(
                _finding(
                    FindingCode.MX_PROVIDER_MISMATCH,
                    Severity.WARNING,
                    f"The mail goes to {name}, but {mine.mechanism.value} names none of its "
                    "servers.",
                    fix=f"publish {name}'s servers in {mine.mechanism.value}, or point the MX "
                    "elsewhere",
                    evidence=[label(s) for s in mine.incoming + mine.outgoing],
                    mechanisms=[Mechanism.MX, mine.mechanism],
                )
            )
    return found


# -- any mechanism ---------------------------------------------------------------------------


def _skipped(report: MechanismReport) -> list[Finding]:
    return [
        _finding(
            FindingCode.SKIPPED_SERVER,
            Severity.WARNING,
            f"A server entry {report.mechanism.value} publishes had to be skipped: {w.message}",
            fix="correct or remove that entry",
            mechanisms=[report.mechanism],
        )
        for w in report.skipped
    ]


def _timeouts(domain: str, report: MechanismReport) -> list[Finding]:
    """Silent hosts of the domain are a warning with a fix; silent hosts the admin does not
    run (the online ISPDB, a provider's autoconfig) only a note, asking them to fix nothing."""
    slow = [a.target for a in report.attempts if a.status is AttemptStatus.TIMEOUT]
    slow += [x.url for x in report.lookups if x.outcome is LookupOutcome.TIMEOUT]
    own = [x for x in slow if is_within(_asked(x), domain)]
    others = [x for x in slow if x not in own]
    found = []
    if own:
        hosts = _hosts(own)
        found.append(
            _timeout(
                report,
                own,
                Severity.WARNING,
                f"make {hosts} answer (or stop publishing the name), or run the check again "
                "with a longer --timeout",
            )
        )
    if others:
        found.append(
            _timeout(
                report,
                others,
                Severity.INFO,
                f"nothing to change in {domain} ({_hosts(others)} is not its host); run the "
                "check again later, or with a longer --timeout",
            )
        )
    return found


def _asked(target: str) -> str:
    """The host name of a URL, or the name of a DNS look-up ("_imaps._tcp.example.com SRV")."""
    return urlsplit(target).hostname or target.split(" ", 1)[0]


def _hosts(slow: Sequence[str]) -> str:
    # URLs name their host; DNS look-ups are named as asked ("_imaps._tcp.example.com SRV").
    return " and ".join(dict.fromkeys(urlsplit(x).hostname or x for x in slow))


def _timeout(report: MechanismReport, slow: list[str], severity: Severity, fix: str) -> Finding:
    return _finding(
        FindingCode.MECHANISM_TIMEOUT,
        severity,
        f"{len(slow)} look-up{'' if len(slow) == 1 else 's'} of {report.mechanism.value} "
        f"got no answer in time from {_hosts(slow)}.",
        fix=fix,
        evidence=list(dict.fromkeys(slow)),
        mechanisms=[report.mechanism],
    )


def _finding(
    code: FindingCode,
    severity: Severity,
    message: str,
    *,
    fix: str | None = None,
    evidence: Sequence[str] = (),
    mechanisms: Sequence[Mechanism] | None = None,
    host: str | None = None,
    port: int | None = None,
) -> Finding:
    if mechanisms is None:
        mechanisms = [_MECHANISM_OF[code]]
    return Finding(
        code=code,
        severity=severity,
        mechanisms=list(mechanisms),
        message=message,
        fix=fix,
        evidence=list(evidence),
        host=host,
        port=port,
    )


_MECHANISM_OF = {
    FindingCode.AUTOCONFIG_HTTP_ONLY: Mechanism.AUTOCONFIG,
    FindingCode.AUTOCONFIG_ONE_URL: Mechanism.AUTOCONFIG,
    FindingCode.AUTOCONFIG_NEEDS_ADDRESS: Mechanism.AUTOCONFIG,
    FindingCode.AUTOCONFIG_DEPENDS_ON_ADDRESS: Mechanism.AUTOCONFIG,
    FindingCode.AUTOCONFIG_CONTENT_TYPE: Mechanism.AUTOCONFIG,
    FindingCode.AUTOCONFIG_NOT_XML: Mechanism.AUTOCONFIG,
    FindingCode.AUTOCONFIG_REDIRECT_ELSEWHERE: Mechanism.AUTOCONFIG,
    FindingCode.AUTOCONFIG_CERTIFICATE: Mechanism.AUTOCONFIG,
    FindingCode.BAD_DOCUMENT: Mechanism.AUTOCONFIG,
    FindingCode.SKIPPED_SERVER: Mechanism.AUTOCONFIG,
    FindingCode.SRV_TARGET_OUTSIDE_DOMAIN: Mechanism.SRV,
    FindingCode.SRV_TARGET_UNRESOLVED: Mechanism.SRV,
    FindingCode.SRV_NOT_OFFERED: Mechanism.SRV,
    FindingCode.SRV_STARTTLS_PREFERRED: Mechanism.SRV,
    FindingCode.ISPDB_STALE: Mechanism.ISPDB,
    FindingCode.MX_NONE: Mechanism.MX,
    FindingCode.MX_NULL: Mechanism.MX,
    FindingCode.MX_UNRESOLVED: Mechanism.MX,
    FindingCode.MX_PROVIDER: Mechanism.MX,
    FindingCode.MX_PROVIDER_MISMATCH: Mechanism.MX,
}
_MECHANISM_OF.update({code: Mechanism.PACC for code in FindingCode if code.startswith("pacc-")})


# -- PACC ------------------------------------------------------------------------------------

_PACC_NOT_SERVED = {
    LookupOutcome.CERTIFICATE: (
        FindingCode.PACC_CERTIFICATE,
        "The PACC host's certificate is refused, so clients cannot read the document.",
        "give https://ua-auto-config.{domain} a certificate that names ua-auto-config.{domain}",
    ),
    LookupOutcome.REDIRECT_REFUSED: (
        FindingCode.PACC_REDIRECT,
        "The PACC document URL redirects; clients do not follow redirects there.",
        "serve the document at exactly {url} (a 200 answer, no redirect)",
    ),
}


def pacc_findings(domain: str, report: MechanismReport) -> list[Finding]:
    """The PACC document's delivery, its integrity records and the entries clients ignore."""
    details = report.pacc
    if details is None or not report.lookups:
        return []
    lookup = report.lookups[0]
    found = [
        _finding(
            FindingCode.PACC_BAD_RECORD,
            Severity.WARNING,
            f"A TXT record at _ua-auto-config.{domain} cannot vouch for any document "
            f"({record.problem.value}).",
            fix='publish records as "v=UAAC1; a=sha256; d=<base64 of the SHA-256>"',
            evidence=[record.text],
        )
        for record in details.records
        if record.problem is not None
    ]
    if details.digest is None:
        return found + _pacc_not_served(domain, lookup, report)
    if lookup.outcome is LookupOutcome.BAD_DOCUMENT:
        message = "The PACC document is not a usable JSON document; clients ignore it."
        fix = "serve a JSON object with a 'protocols' object (draft-ietf-mailmaint-pacc)"
        found.append(
            _finding(
                FindingCode.PACC_BAD_DOCUMENT,
                Severity.ERROR,
                message,
                fix=fix,
                evidence=[lookup.url, lookup.detail or ""],
            )
        )
        return found
    found += _pacc_integrity(domain, details) + _pacc_entries(details)
    return found + (_pacc_oauth(details.oauth) if details.oauth else [])


def _pacc_not_served(domain: str, lookup: HttpLookup, report: MechanismReport) -> list[Finding]:
    known = _PACC_NOT_SERVED.get(lookup.outcome)
    if known is not None:
        code, message, fix = known
        fix = fix.format(domain=domain, url=lookup.url)
        return [_finding(code, Severity.ERROR, message, fix=fix, evidence=[lookup.detail or ""])]
    if not report.records:
        return []  # no PACC at all: nothing to judge
    return [
        _finding(
            FindingCode.PACC_UNREACHABLE,
            Severity.ERROR,
            f"_ua-auto-config.{domain} is published, but the document is not served "
            f"({lookup.outcome.value}).",
            fix=f"serve the document at {lookup.url}, or remove the TXT records",
            evidence=[lookup.url, lookup.detail or ""],
        )
    ]


def _pacc_integrity(domain: str, details: PaccDetails) -> list[Finding]:
    usable = [r for r in details.records if r.problem is None]
    publish = f'_ua-auto-config.{domain}. IN TXT "{details.record_to_publish}"'
    if not usable:
        return [
            _finding(
                FindingCode.PACC_NO_RECORD,
                Severity.ERROR,
                f"The PACC document is served but no TXT record at _ua-auto-config.{domain} "
                "vouches for it, so clients do not use it.",
                fix=f"publish {publish}",
                evidence=[f"digest of the document served: {details.digest}"],
            )
        ]
    if not any(r.matches for r in usable):
        return [
            _finding(
                FindingCode.PACC_DIGEST_MISMATCH,
                Severity.ERROR,
                "No TXT record's digest matches the PACC document served, so clients discard "
                "it (the document changed, or a record is stale or tampered with).",
                fix=f"publish {publish} (then remove the old records)",
                evidence=[f"digest of the document served: {details.digest}"]
                + [r.text for r in usable],
            )
        ]
    stale = [r.text for r in usable if not r.matches]
    if not stale:
        return []
    return [
        _finding(
            FindingCode.PACC_STALE_RECORD,
            Severity.INFO,
            f"{len(stale)} TXT record(s) beside the matching one vouch for no document served "
            "now (left from a change of the document?).",
            fix="remove them once the old document's caches have expired",
            evidence=stale,
        )
    ]


def _pacc_entries(details: PaccDetails) -> list[Finding]:
    found: list[Finding] = []
    keys = set(details.keys)
    if ("smtp" in keys) != ("submit" in keys):
        only = "smtp" if "smtp" in keys else "submit"
        other = "-03" if only == "smtp" else "-02"
        found.append(
            _finding(
                FindingCode.PACC_ONE_REVISION,
                # Only the old key is against the current draft; only the new one is right
                # today and merely worth knowing about.
                Severity.WARNING if only == "smtp" else Severity.INFO,
                f"The document names its submission server only as '{only}', which clients "
                f"of the draft's revision {other} do not read.",
                fix="name the submission server under both 'submit' and 'smtp'",
            )
        )
    found += [
        _finding(
            FindingCode.PACC_ENTRY_IGNORED,
            Severity.WARNING,
            "An entry of the PACC document is one clients must ignore.",
            fix="name host names (not addresses) and absolute https URLs",
            evidence=[entry],
        )
        for entry in details.ignored[:8]
    ]
    return found


def _pacc_oauth(oauth: OAuthCheck) -> list[Finding]:
    """The issuer's metadata: loads, names this issuer, and serves a public client."""
    evidence = [oauth.url, oauth.detail or ""]
    if oauth.status is OAuthMetadataStatus.MISMATCH:
        return [
            _finding(
                FindingCode.PACC_OAUTH_MISMATCH,
                Severity.ERROR,
                f"The OAuth metadata for {oauth.issuer} names another issuer, so clients must "
                "not use it (RFC 8414 §3.3): OAuth sign-in fails.",
                fix=f"serve metadata whose 'issuer' is exactly {oauth.issuer}, or publish the "
                "issuer the metadata names in the PACC document",
                evidence=evidence,
            )
        ]
    if oauth.status is not OAuthMetadataStatus.OK:
        return [
            _finding(
                FindingCode.PACC_OAUTH_METADATA,
                Severity.ERROR,
                f"The OAuth issuer {oauth.issuer} the PACC document names has no usable "
                f"metadata ({oauth.status.value}), so clients cannot sign in with OAuth.",
                fix=f"serve RFC 8414 metadata at {oauth.url}",
                evidence=evidence,
            )
        ]
    if oauth.public_client_ready:
        return []
    offered = [
        f"{member}: {', '.join(values) or '(not listed)'}"
        for member, values in (
            ("grant_types_supported", oauth.grant_types),
            ("code_challenge_methods_supported", oauth.pkce_methods),
            ("token_endpoint_auth_methods_supported", oauth.token_auth_methods),
        )
    ]
    return [
        _finding(
            FindingCode.PACC_OAUTH_PROFILE,
            Severity.WARNING,
            f"The OAuth metadata for {oauth.issuer} does not offer what a public mail client "
            "needs: the authorization code grant with PKCE S256 and no client secret.",
            fix="list authorization_code, S256 and 'none' (token_endpoint_auth_methods_"
            "supported) and both endpoints in the metadata",
            evidence=[oauth.url, *offered],
        )
    ]


# -- JMAP, CalDAV, CardDAV -------------------------------------------------------------------

_SERVICE_NAMES = {
    ServiceKind.JMAP: "JMAP",
    ServiceKind.CALDAV: "CalDAV",
    ServiceKind.CARDDAV: "CardDAV",
}
_WELL_KNOWN_DAV = ("/.well-known/caldav", "/.well-known/carddav")


def service_findings(report: MechanismReport) -> list[Finding]:
    """Each JMAP/DAV URL the mechanism names: answered with 2xx or a 401 challenge?"""
    found: list[Finding] = []
    for service in report.services:
        finding = _service_finding(service, report.mechanism)
        if finding is not None:
            found.append(finding)
    return found


def _service_finding(service: ServiceCheck, mechanism: Mechanism) -> Finding | None:
    lookup = service.lookup
    name = _SERVICE_NAMES[service.kind]
    host = urlsplit(lookup.url).hostname
    evidence = [lookup.url, *lookup.redirects, lookup.detail or f"HTTP {lookup.status}"]
    if lookup.outcome is not LookupOutcome.OK:
        return _finding(
            FindingCode.SERVICE_UNREACHABLE,
            Severity.ERROR,
            f"The {name} URL {lookup.url} does not answer as a {name} service "
            f"({lookup.outcome.value}).",
            fix="serve the service there (a 2xx, or 401 with WWW-Authenticate, without "
            "credentials), or correct the URL",
            evidence=evidence,
            mechanisms=[mechanism],
            host=host,
        )
    if lookup.status == 401 and not service.challenges:
        return _finding(
            FindingCode.SERVICE_NO_CHALLENGE,
            Severity.WARNING,
            f"The {name} URL {lookup.url} answers 401 without a WWW-Authenticate header, so "
            "clients cannot tell how to sign in.",
            fix="send a WWW-Authenticate challenge (Basic, Bearer) with the 401",
            evidence=evidence,
            mechanisms=[mechanism],
            host=host,
        )
    path = urlsplit(lookup.url).path
    if path in _WELL_KNOWN_DAV and not lookup.redirects:
        return _finding(
            FindingCode.SERVICE_WELL_KNOWN,
            Severity.WARNING,
            f"{lookup.url} answers itself instead of redirecting to the {name} context path "
            "(RFC 6764 §5: the service must not live at the well-known URI).",
            fix=f"answer {path} with a redirect (301, 303 or 307) to the context path, or "
            "publish the path in a TXT record beside the SRV record",
            evidence=evidence,
            mechanisms=[mechanism],
            host=host,
        )
    return None
