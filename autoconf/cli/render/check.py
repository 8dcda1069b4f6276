"""The human view of a domain check: one section per mechanism, ✓ / ⚠ / ✗, and the fixes.

Plain text wrapped to the terminal's width (80 columns when piped), so every line reads
whole in a narrow window; colour only on a terminal that wants it. Without a Unicode
terminal the marks are ``ok`` / ``!`` / ``x``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import IO

from ...check.findings import label
from ...check.publish import zone_source
from ...check.report import (
    SERVER_CODES,
    TRANSPORT_CODES,
    DomainReport,
    Finding,
    FindingCode,
    HttpLookup,
    LookupOutcome,
    Mechanism,
    MechanismReport,
    ServerReport,
    Severity,
    TransportReport,
)
from ...models import AttemptStatus, DnssecStatus, SourceName
from .terminal import Terminal, safe_text
from .words import unicode_address, unicode_domain

__all__ = ["render_report"]

_PIPE_WIDTH = 80
_TITLES = {
    Mechanism.AUTOCONFIG: "Autoconfig (config-v1.1.xml)",
    Mechanism.SRV: "SRV records (RFC 6186 / RFC 8314)",
    Mechanism.AUTODISCOVER: "Autodiscover (POX)",
    Mechanism.ISPDB: "ISPDB (Thunderbird's provider database)",
    Mechanism.MX: "MX records",
    Mechanism.PACC: "PACC (user-agent-configuration.json)",
    Mechanism.SERVER: "Mail servers",
    Mechanism.MTA_STS: "Mail from other servers (MX on port 25, DANE, MTA-STS, TLS-RPT)",
}
_UNICODE: dict[object, str] = {
    "ok": "✓",
    Severity.ERROR: "✗",
    Severity.WARNING: "⚠",
    Severity.INFO: "•",
    "off": "–",
}
_ASCII: dict[object, str] = {
    "ok": "ok",
    Severity.ERROR: "x",
    Severity.WARNING: "!",
    Severity.INFO: "-",
    "off": "-",
}
_COLOUR: dict[object, str] = {
    "ok": "32",
    Severity.ERROR: "31",
    Severity.WARNING: "33",
    Severity.INFO: "36",
}


class _Writer:
    def __init__(self, out: IO[str], term: Terminal) -> None:
        self.out = out
        self.term = term
        self.width = max(40, term.width if term.tty else _PIPE_WIDTH)
        unicode = term.unicode and term.can_show("".join(_UNICODE.values()))
        self.marks: dict[object, str] = dict(_UNICODE if unicode else _ASCII)

    def line(self, text: str, *, indent: int = 0, hang: int = 2, mark: object = None) -> None:
        """``text`` wrapped to the width, after ``mark`` (✓ ⚠ ✗ •, coloured on a terminal)."""
        lead = f"{self.marks[mark]} " if mark is not None else ""
        wrapped = textwrap.wrap(
            safe_text(text),
            width=self.width,
            initial_indent=" " * indent + lead,
            subsequent_indent=" " * (indent + (len(lead) if lead else hang)),
            break_on_hyphens=False,
        ) or [" " * indent + lead]
        code = _COLOUR.get(mark)
        if lead and code and self.term.colour:
            head = " " * indent
            wrapped[0] = (
                f"{head}\x1b[{code}m{self.marks[mark]}\x1b[0m"
                + wrapped[0][len(head) + len(lead) - 1 :]
            )
        self.out.write("\n".join(wrapped) + "\n")


def render_report(report: DomainReport, out: IO[str], term: Terminal) -> None:
    """Write the human report of ``report`` to ``out``."""
    w = _Writer(out, term)
    w.line(_title(report, unicode=term.unicode))
    if report.local_problem is not None:  # nothing was judged: the one finding, no sections
        w.line("Could not check from here.")
        w.out.write("\n")
        _findings(w, report.findings)
        w.out.write("\n")
        w.line(f"Checked in {report.elapsed_ms / 1000:.1f} s.")
        return
    w.line(_summary(report.findings))
    grouped = _grouped(report.findings)
    for mechanism in (*_TITLES, None):
        _section(w, report, mechanism, grouped)
    hint = _srv_hint(report)
    if hint:
        w.out.write("\n")
        w.line(hint[0])
        w.line(hint[1], indent=2)
    w.out.write("\n")
    w.line(f"Checked in {report.elapsed_ms / 1000:.1f} s.")


def _section(
    w: _Writer,
    report: DomainReport,
    mechanism: Mechanism | None,
    grouped: dict[Mechanism | None, list[Finding]],
) -> None:
    """One section of the view: a mechanism, the servers, mail between servers, or the
    findings across mechanisms (``None``); nothing when there is nothing to show."""
    found = grouped.get(mechanism, [])
    if mechanism is None:
        if found:
            w.out.write("\n")
            _section_head(w, "Across mechanisms", found, published=True)
            _findings(w, found)
        return
    if mechanism is Mechanism.SERVER:
        if report.servers:
            w.out.write("\n")
            _servers(w, report.servers, found)
        return
    if mechanism is Mechanism.MTA_STS:
        if report.transport is not None:
            w.out.write("\n")
            _transport(w, report.transport, found)
        return
    reports = [m for m in report.mechanisms if m.mechanism is mechanism]
    if not reports:
        return
    w.out.write("\n")
    published = any(r.published for r in reports)
    bogus = any(_bogus(r) for r in reports)  # unread, which is not unpublished
    off = " (not readable: DNSSEC bogus)" if bogus else " (nothing published)"
    _section_head(w, _TITLES[mechanism], found, published=published, off=off)
    for one in reports:
        _mechanism_body(w, one)
    _findings(w, found)


def _srv_hint(report: DomainReport) -> tuple[str, str] | None:
    """Where to get the SRV records to publish, when SRV is missing or has a problem."""
    source = zone_source(report)
    if source is None or source.mechanism is Mechanism.SRV:
        return None
    srv_published = any(m.published for m in report.mechanisms if m.mechanism is Mechanism.SRV)
    srv_problem = any(
        Mechanism.SRV in f.mechanisms and f.severity is not Severity.INFO for f in report.findings
    )
    if srv_published and not srv_problem:
        return None
    return (
        f"The SRV records to publish, matching the {source.mechanism.value} answer, come from:",
        f"python -m autoconf --check {report.domain} --format srv-zone",
    )


def _title(report: DomainReport, *, unicode: bool) -> str:
    """The domain as a person writes it (Unicode), its ASCII form beside it when different."""
    domain = unicode_domain(report.domain) if unicode else report.domain
    if domain != report.domain:
        domain += f" ({report.domain})"
    who = ""
    if report.address:
        who = f" (asked as {unicode_address(report.address) if unicode else report.address})"
    return f"Mail settings check for {domain}{who}"


def _summary(findings: Sequence[Finding]) -> str:
    counts = {s: sum(f.severity is s for f in findings) for s in Severity}
    words = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    parts = [
        f"{counts[s]} {words[s]}{'' if counts[s] == 1 else 's'}" for s in Severity if counts[s]
    ]
    if not counts[Severity.ERROR] and not counts[Severity.WARNING]:
        return "Everything checked is in order" + (f" ({parts[0]})." if parts else ".")
    return "Found " + ", ".join(parts) + "."


# Findings about how mechanisms relate get a section of their own, findings about a server
# go under the servers; the rest go under the first mechanism they name.
_ACROSS = frozenset(
    {
        FindingCode.MECHANISMS_DISAGREE,
        FindingCode.POP3_NOT_EVERYWHERE,
        FindingCode.ORDER_DIFFERS,
        FindingCode.NOTHING_PUBLISHED,
    }
)


def _grouped(findings: Sequence[Finding]) -> dict[Mechanism | None, list[Finding]]:
    grouped: dict[Mechanism | None, list[Finding]] = {}
    for finding in findings:
        key: Mechanism | None
        if finding.code in SERVER_CODES:
            key = Mechanism.SERVER
        elif finding.code in TRANSPORT_CODES:
            key = Mechanism.MTA_STS
        elif finding.code in _ACROSS or not finding.mechanisms:
            key = None
        else:
            key = finding.mechanisms[0]
        grouped.setdefault(key, []).append(finding)
    return grouped


def _section_head(
    w: _Writer,
    title: str,
    found: Sequence[Finding],
    *,
    published: bool,
    off: str = " (nothing published)",
) -> None:
    severities = {f.severity for f in found}
    if Severity.ERROR in severities:
        key: object = Severity.ERROR
    elif Severity.WARNING in severities:
        key = Severity.WARNING
    else:
        key = "ok" if published else "off"
    state = "" if published else off
    w.line(title + state, mark=key)


def _mechanism_body(w: _Writer, report: MechanismReport) -> None:
    _where(w, report)
    _lookups(w, report.lookups)
    for record in report.records:
        w.line(record, indent=2, hang=4)
    servers = [*report.incoming, *report.outgoing]
    if servers:
        w.line("names:", indent=2)
        for server in servers:
            w.line(label(server), indent=4, hang=6)
    oauth = report.pacc.oauth if report.pacc else None
    if oauth is not None:
        w.line(f"OAuth issuer {oauth.issuer}: metadata {_words(oauth.status.value)}", indent=2)
        w.line(oauth.url, indent=4, hang=6)
    if report.services:
        w.line("services, asked without credentials:", indent=2)
        for service in report.services:
            said = _said(service.lookup).replace(", parsed", "")
            if service.challenges:
                said += f", WWW-Authenticate: {'; '.join(service.challenges)}"
            w.line(f"{service.kind.value}: {service.lookup.url}: {said}", indent=4, hang=6)


def _where(w: _Writer, report: MechanismReport) -> None:
    """What was asked where the look-ups and records do not say it already."""
    listed = "listed" if report.published else "not listed"
    if not report.published and report.reached is False:
        listed = "not reached"
    if report.source is SourceName.ISPDB_BUNDLED:
        w.line(f"bundled: {listed}", indent=2)
    elif report.source is SourceName.ISPDB:
        where = f" ({report.attempts[0].target})" if report.attempts else ""
        w.line(f"online{where}: {listed}", indent=2, hang=4)
    elif report.mechanism is Mechanism.AUTODISCOVER or (
        report.mechanism is Mechanism.MX
        and not report.records
        and any(a.status is not AttemptStatus.EMPTY for a in report.attempts)
    ):
        empty = [a.target for a in report.attempts if a.status is AttemptStatus.EMPTY]
        if empty:
            w.line("nothing at " + ", ".join(empty), indent=2, hang=4)
        for attempt in report.attempts:
            if attempt.status is not AttemptStatus.EMPTY:
                said = attempt.status.value + (f" ({attempt.detail})" if attempt.detail else "")
                w.line(f"{attempt.target}: {said}", indent=2, hang=4)
    elif report.mechanism is Mechanism.SRV and not report.records:
        _no_srv(w, report)
    elif report.mechanism is Mechanism.MX and not report.records:
        w.line("no MX records", indent=2)


def _no_srv(w: _Writer, report: MechanismReport) -> None:
    """Where no SRV record was found, and which answers DNSSEC proved bogus (not read)."""
    bogus = _bogus(report)
    if bogus:
        w.line("DNSSEC proves these answers bogus: " + ", ".join(bogus), indent=2, hang=4)
    unread = {name.removesuffix(" SRV") for name in bogus}
    empty = [name for name in report.where if name not in unread]
    if empty:
        w.line("no SRV records at " + ", ".join(empty), indent=2, hang=4)


def _bogus(report: MechanismReport) -> list[str]:
    """The names whose answers DNSSEC proved bogus (none with DNSSEC off)."""
    names = [a.target for a in report.attempts if a.dnssec is DnssecStatus.BOGUS]
    return names + [x.url for x in report.lookups if x.dnssec is DnssecStatus.BOGUS]


def _lookups(w: _Writer, lookups: Sequence[HttpLookup]) -> None:
    """Each URL once; the answers with and without ``?emailaddress=`` under it."""
    groups: dict[str, list[HttpLookup]] = {}
    for lookup in lookups:
        groups.setdefault(lookup.url.split("?", 1)[0], []).append(lookup)
    for base, group in groups.items():
        if len(group) == 1:
            w.line(f"{base}: {_said(group[0])}", indent=2, hang=4)
            continue
        w.line(base, indent=2, hang=4)
        for lookup in group:
            which = "with ?emailaddress=" if lookup.with_address else "without it"
            w.line(f"{which}: {_said(lookup)}", indent=4, hang=4)


def _said(lookup: HttpLookup) -> str:
    """``HTTP 200, text/xml, parsed``: what one look-up got, in a few words."""
    said = _words(lookup.outcome.value) if lookup.status is None else f"HTTP {lookup.status}"
    if lookup.content_type and lookup.outcome is not LookupOutcome.NOT_FOUND:
        said += f", {lookup.content_type}"
    if lookup.outcome is LookupOutcome.OK:
        said += ", parsed"
    elif lookup.status is not None:
        said += f", {_words(lookup.outcome.value)}"
    if lookup.redirects:
        said += f", redirected to {lookup.final_url}"
    return said


def _words(value: str) -> str:
    """An enum value for people: ``not-found`` → ``not found``."""
    return value.replace("-", " ")


def _findings(w: _Writer, found: Sequence[Finding]) -> None:
    for finding in found:
        w.line(f"{finding.message} [{finding.code.value}]", indent=2, mark=finding.severity)
        if finding.fix:
            w.line(f"Fix: {_sentence(finding.fix)}", indent=4, hang=5)


def _sentence(text: str) -> str:
    """``text`` with one full stop at the end (fixes are written with and without one)."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _servers(w: _Writer, servers: Sequence[ServerReport], found: Sequence[Finding]) -> None:
    probed = any(server.verification is not None for server in servers)
    _section_head(w, _TITLES[Mechanism.SERVER], found, published=probed, off=" (not probed)")
    for server in servers:
        v = server.verification
        if v is None:
            state = "not probed"
        elif v.ok:
            state = f"answers, TLS {v.tls.value}"
        else:
            state = f"failed: {_words(v.failure.value) if v.failure else v.error or 'no answer'}"
        named = ", ".join(m.value for m in server.mechanisms)
        text = f"{label(server)}, named by {named}: {state}"
        w.line(text, indent=2, hang=4)
    _findings(w, found)


def _transport(w: _Writer, transport: TransportReport, found: Sequence[Finding]) -> None:
    """The MX hosts as probed on port 25, then MTA-STS and TLS-RPT as published."""
    title = _TITLES[Mechanism.MTA_STS]
    _section_head(w, title, found, published=bool(transport.mx or transport.mta_sts.record))
    if transport.dnssec is not None:
        w.line(f"DNSSEC: {transport.dnssec.value} ({transport.dnssec_detail or ''})", indent=2)
    for host in transport.mx:
        v = host.verification
        if v is None or not v.reachable:
            state = "no answer"
        else:
            state = f"STARTTLS {v.tls.value}" + (
                f", {host.tls_version}" if host.tls_version else ""
            )
        if host.tlsa is not None and host.tlsa.records:
            state += f", {len(host.tlsa.records)} TLSA"
        w.line(f"MX {host.host}:25 (preference {host.preference}): {state}", indent=2, hang=4)
    sts = transport.mta_sts
    if sts.record:
        mode = f", mode {sts.mode}" if sts.mode else ""
        w.line(f"MTA-STS: {sts.record}{mode}", indent=2, hang=4)
    if transport.tls_rpt:
        w.line(f"TLS-RPT: {transport.tls_rpt}", indent=2, hang=4)
    _findings(w, found)
