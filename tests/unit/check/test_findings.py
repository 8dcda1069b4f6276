"""The rules that turn mechanism reports into findings (pure: no network, no clock)."""

from __future__ import annotations

from autoconf.check.findings import findings_for
from autoconf.check.report import (
    DnsRecord,
    FindingCode,
    HttpLookup,
    LookupOutcome,
    Mechanism,
    MechanismReport,
    Severity,
)
from autoconf.models import (
    AttemptStatus,
    DnssecStatus,
    Protocol,
    Security,
    SourceAttempt,
    SourceName,
)
from tests.unit.fakes import server

D = "example.com"
AC1 = f"https://autoconfig.{D}/mail/config-v1.1.xml"
AC2 = f"https://{D}/.well-known/autoconfig/mail/config-v1.1.xml"
Q = f"?emailaddress=jane@{D}"

IMAP = server(host=f"imap.{D}")
IMAP143 = server(host=f"imap.{D}", port=143, security=Security.STARTTLS)
POP = server(Protocol.POP3, host=f"pop.{D}", port=995)
SMTP = server(Protocol.SMTP, host=f"smtp.{D}", port=465)
SMTP587 = server(Protocol.SMTP, host=f"smtp.{D}", port=587, security=Security.STARTTLS)


def ok(url: str, *, with_address: bool = False, **kw: object) -> HttpLookup:
    fields: dict[str, object] = {
        "status": 200,
        "content_type": "text/xml",
        "incoming": [IMAP, IMAP143],
        "outgoing": [SMTP, SMTP587],
    }
    fields.update(kw)
    return HttpLookup(url=url, with_address=with_address, outcome=LookupOutcome.OK, **fields)  # type: ignore[arg-type]


def gone(url: str, *, with_address: bool = False, **kw: object) -> HttpLookup:
    fields: dict[str, object] = {"outcome": LookupOutcome.NOT_FOUND, "status": 404}
    fields.update(kw)
    return HttpLookup(url=url, with_address=with_address, **fields)  # type: ignore[arg-type]


def autoconfig(*lookups: HttpLookup) -> MechanismReport:
    counted = next((x for x in lookups if x.outcome is LookupOutcome.OK), None)
    return MechanismReport(
        mechanism=Mechanism.AUTOCONFIG,
        published=counted is not None,
        incoming=counted.incoming if counted else [],
        outgoing=counted.outgoing if counted else [],
        lookups=list(lookups),
    )


def good_autoconfig() -> MechanismReport:
    return autoconfig(
        ok(AC1 + Q, with_address=True),
        ok(AC2 + Q, with_address=True),
        ok(AC1),
        ok(AC2),
        gone(AC1.replace("https", "http")),
    )


def srv(*records: tuple[str, int, int, str], resolves: bool | None = True) -> MechanismReport:
    dns = [
        DnsRecord(
            name=f"{service}.{D}",
            rtype="SRV",
            priority=priority,
            weight=1,
            port=port,
            target=target,
            resolves=None if target == "." else resolves,
        )
        for service, priority, port, target in records
    ]
    kinds = {
        "_imaps._tcp": (Protocol.IMAP, Security.TLS),
        "_imap._tcp": (Protocol.IMAP, Security.STARTTLS),
        "_pop3s._tcp": (Protocol.POP3, Security.TLS),
        "_submissions._tcp": (Protocol.SMTP, Security.TLS),
        "_submission._tcp": (Protocol.SMTP, Security.STARTTLS),
    }
    servers = [
        server(kinds[s][0], host=t, port=port, security=kinds[s][1])
        for s, _, port, t in sorted(records, key=lambda r: r[1])
        if t != "." and s in kinds
    ]
    return MechanismReport(
        mechanism=Mechanism.SRV,
        published=bool(servers),
        incoming=[s for s in servers if s.protocol is not Protocol.SMTP],
        outgoing=[s for s in servers if s.protocol is Protocol.SMTP],
        dns=dns,
    )


def good_srv() -> MechanismReport:
    return srv(
        ("_imaps._tcp", 0, 993, f"imap.{D}"),
        ("_imap._tcp", 10, 143, f"imap.{D}"),
        ("_submissions._tcp", 0, 465, f"smtp.{D}"),
        ("_submission._tcp", 10, 587, f"smtp.{D}"),
    )


def mx(*targets: tuple[str, bool | None], **kw: object) -> MechanismReport:
    dns = [DnsRecord(name=D, rtype="MX", priority=10, target=t, resolves=r) for t, r in targets]
    return MechanismReport(mechanism=Mechanism.MX, published=bool(dns), dns=dns, **kw)  # type: ignore[arg-type]


def codes(*reports: MechanismReport) -> set[FindingCode]:
    return {f.code for f in findings_for(D, reports)}


def test_a_domain_that_publishes_consistently_has_no_findings():
    """Both URLs with and without the address, SRV in the same order, an MX: nothing to say."""
    assert findings_for(D, [good_autoconfig(), good_srv(), mx((f"mx.{D}", True))]) == []


def test_nothing_published_is_an_error():
    """No mechanism publishes anything: one error, nothing-published."""
    found = findings_for(D, [autoconfig(gone(AC1)), mx((f"mx.{D}", True))])
    assert [(f.code, f.severity) for f in found] == [
        (FindingCode.NOTHING_PUBLISHED, Severity.ERROR)
    ]


def test_http_only_is_an_error_and_names_the_https_url_to_use():
    """Only plain HTTP answers: autoconfig-http-only, error, the fix names the HTTPS URL."""
    report = autoconfig(gone(AC1), gone(AC2), ok(AC1.replace("https", "http")))
    found = next(f for f in findings_for(D, [report]) if f.code is FindingCode.AUTOCONFIG_HTTP_ONLY)
    assert found.severity is Severity.ERROR
    assert found.fix is not None
    assert AC1 in found.fix


def test_one_url_is_a_note_naming_the_missing_url():
    """Only autoconfig.{domain} answers: autoconfig-one-url, naming the .well-known URL."""
    found = findings_for(D, [autoconfig(ok(AC1), gone(AC2)), good_srv()])
    one = next(f for f in found if f.code is FindingCode.AUTOCONFIG_ONE_URL)
    assert one.severity is Severity.INFO
    assert one.evidence == [AC2]


def test_needs_address_when_the_bare_url_fails():
    """With ?emailaddress= 200, without it 400: autoconfig-needs-address (warning)."""
    bad = HttpLookup(url=AC1, outcome=LookupOutcome.HTTP_ERROR, status=400)
    found = findings_for(D, [autoconfig(ok(AC1 + Q, with_address=True), bad)])
    needs = [f for f in found if f.code is FindingCode.AUTOCONFIG_NEEDS_ADDRESS]
    assert len(needs) == 1
    assert needs[0].severity is Severity.WARNING
    assert "HTTP 400" in needs[0].message


def test_depends_on_address_when_the_servers_change():
    """Both answer, but with the address other servers: autoconfig-depends-on-address."""
    other = ok(AC1, incoming=[server(host="imap.other.example")])
    assert FindingCode.AUTOCONFIG_DEPENDS_ON_ADDRESS in codes(
        autoconfig(ok(AC1 + Q, with_address=True), other)
    )


def test_content_type_html_redirect_certificate_and_bad_xml_each_once_per_url():
    """Each answer problem is found, and a URL asked twice (with and without) counts once."""
    report = autoconfig(
        ok(AC1 + Q, with_address=True, content_type="text/plain"),
        ok(AC1, content_type="text/plain"),
        HttpLookup(url=AC2, outcome=LookupOutcome.NOT_XML, status=200, content_type="text/html"),
        ok(AC2 + Q, with_address=True, redirected_elsewhere=True, final_url="https://x.example/"),
    )
    found = findings_for(D, [report])
    assert [f.code for f in found].count(FindingCode.AUTOCONFIG_CONTENT_TYPE) == 1
    assert {FindingCode.AUTOCONFIG_NOT_XML, FindingCode.AUTOCONFIG_REDIRECT_ELSEWHERE} <= {
        f.code for f in found
    }
    cert = autoconfig(
        HttpLookup(url=AC1, outcome=LookupOutcome.CERTIFICATE, certificate="expired"),
        HttpLookup(url=AC2, outcome=LookupOutcome.BAD_DOCUMENT, status=200),
    )
    found = findings_for(D, [cert])
    by_code = {f.code: f for f in found}
    assert by_code[FindingCode.AUTOCONFIG_CERTIFICATE].severity is Severity.ERROR
    assert "expired" in by_code[FindingCode.AUTOCONFIG_CERTIFICATE].message
    assert FindingCode.BAD_DOCUMENT in by_code


def test_skipped_server_entries_are_warnings():
    """A server entry the parser left out becomes skipped-server with its reason."""
    report = autoconfig(ok(AC1, skipped=["incomingServer #3 (imap) skipped: <port> 99999"]))
    found = [f for f in findings_for(D, [report]) if f.code is FindingCode.SKIPPED_SERVER]
    assert len(found) == 1
    assert "99999" in found[0].message


def test_srv_target_rules():
    """'.' is a note; outside the domain a warning; no address an error."""
    report = srv(
        ("_pop3._tcp", 0, 0, "."),
        ("_imaps._tcp", 0, 993, "imap.elsewhere.example"),
        ("_submissions._tcp", 0, 465, f"smtp.{D}"),
    )
    by_code = {f.code: f for f in findings_for(D, [report])}
    assert by_code[FindingCode.SRV_NOT_OFFERED].severity is Severity.INFO
    assert by_code[FindingCode.SRV_TARGET_OUTSIDE_DOMAIN].host == "imap.elsewhere.example"
    unresolved = srv(("_imaps._tcp", 0, 993, f"nowhere.{D}"), resolves=False)
    found = findings_for(D, [unresolved])
    assert [f.code for f in found if f.severity is Severity.ERROR] == [
        FindingCode.SRV_TARGET_UNRESOLVED
    ]


def test_starttls_at_a_better_priority_than_implicit_tls():
    """_imap at priority 0 and _imaps at 10: srv-starttls-preferred; the reverse is fine."""
    bad = srv(("_imaps._tcp", 10, 993, f"imap.{D}"), ("_imap._tcp", 0, 143, f"imap.{D}"))
    assert FindingCode.SRV_STARTTLS_PREFERRED in codes(bad)
    assert FindingCode.SRV_STARTTLS_PREFERRED not in codes(good_srv())


def test_disagreement_pop3_and_order_across_mechanisms():
    """SRV on other hosts: disagree; POP3 only in one: pop3-not-everywhere; order: note."""
    elsewhere = srv(
        ("_imaps._tcp", 0, 993, f"imap2.{D}"), ("_submissions._tcp", 0, 465, f"smtp.{D}")
    )
    found = findings_for(D, [good_autoconfig(), elsewhere])
    disagree = [f for f in found if f.code is FindingCode.MECHANISMS_DISAGREE]
    assert len(disagree) == 1  # IMAP only: SMTP shares smtp:465
    assert disagree[0].mechanisms == [Mechanism.AUTOCONFIG, Mechanism.SRV]
    with_pop = good_srv().model_copy(update={"incoming": [IMAP, IMAP143, POP]})
    assert FindingCode.POP3_NOT_EVERYWHERE in codes(good_autoconfig(), with_pop)
    reversed_order = srv(
        ("_imaps._tcp", 10, 993, f"imap.{D}"),
        ("_imap._tcp", 0, 143, f"imap.{D}"),
        ("_submissions._tcp", 0, 465, f"smtp.{D}"),
    )
    assert FindingCode.ORDER_DIFFERS in codes(good_autoconfig(), reversed_order)


def test_same_host_and_port_with_two_securities_is_a_disagreement():
    """autoconfig says 143 STARTTLS and Autodiscover says 143 plain: they disagree."""
    plain = server(host=f"imap.{D}", port=143, security=Security.PLAIN)
    other = MechanismReport(
        mechanism=Mechanism.AUTODISCOVER, published=True, incoming=[IMAP, plain], outgoing=[SMTP]
    )
    assert FindingCode.MECHANISMS_DISAGREE in codes(good_autoconfig(), other)


def test_ispdb_differing_from_autoconfig_is_stale():
    """An online ISPDB entry with other servers than autoconfig: ispdb-stale, saying what."""
    ispdb = MechanismReport(
        mechanism=Mechanism.ISPDB,
        published=True,
        source=SourceName.ISPDB,
        incoming=[IMAP143],
        outgoing=[SMTP587],
    )
    found = [
        f for f in findings_for(D, [good_autoconfig(), ispdb]) if f.code is FindingCode.ISPDB_STALE
    ]
    assert len(found) == 1
    assert any("only in autoconfig: IMAP imap.example.com:993" in e for e in found[0].evidence)
    same = ispdb.model_copy(update={"incoming": [IMAP, IMAP143], "outgoing": [SMTP, SMTP587]})
    assert FindingCode.ISPDB_STALE not in codes(good_autoconfig(), same)


def test_mx_rules():
    """No MX: warning; null MX: warning when settings are published; no address: error."""
    assert FindingCode.MX_NONE in codes(good_autoconfig(), mx())
    null = codes(good_autoconfig(), mx((".", None)))
    assert FindingCode.MX_NULL in null
    assert FindingCode.MX_NONE not in null
    assert FindingCode.MX_UNRESOLVED in codes(good_autoconfig(), mx((f"mx.{D}", False)))


def test_mx_lookup_that_failed_is_not_no_mx():
    """A timed-out MX look-up says nothing about MX records: no mx-none, a timeout instead."""
    attempt = SourceAttempt(source=SourceName.MX, target=f"{D} MX", status=AttemptStatus.TIMEOUT)
    found = codes(good_autoconfig(), mx(attempts=[attempt]))
    assert FindingCode.MX_NONE not in found
    assert FindingCode.MECHANISM_TIMEOUT in found


def test_mx_at_a_known_provider_and_a_mismatch():
    """The MX's provider is a note; the domain naming none of its servers is a warning."""
    provider = mx(
        ("mx1.hosting.example", True),
        incoming=[server(host="imap.hosting.example")],
        outgoing=[server(Protocol.SMTP, host="smtp.hosting.example", port=465)],
    )
    found = codes(good_autoconfig(), provider)
    assert {FindingCode.MX_PROVIDER, FindingCode.MX_PROVIDER_MISMATCH} <= found
    matching = provider.model_copy(update={"incoming": [IMAP], "outgoing": [SMTP]})
    assert FindingCode.MX_PROVIDER_MISMATCH not in codes(good_autoconfig(), matching)


def test_errors_come_first():
    """Findings are ordered errors, then warnings, then notes."""
    report = autoconfig(
        ok(AC1, content_type="text/plain"),
        HttpLookup(url=AC2, outcome=LookupOutcome.CERTIFICATE, certificate="expired"),
    )
    severities = [f.severity for f in findings_for(D, [report, mx()])]
    assert severities == sorted(
        severities, key=[Severity.ERROR, Severity.WARNING, Severity.INFO].index
    )
    assert severities[0] is Severity.ERROR


def test_a_timeout_names_the_host_that_did_not_answer():
    """mechanism-timeout says which host was silent (from the URL), not just how many."""
    url = f"https://autoconfig.{D}/mail/config-v1.1.xml"
    slow = autoconfig(HttpLookup(url=url, outcome=LookupOutcome.TIMEOUT))
    (found,) = [f for f in findings_for(D, [slow]) if f.code is FindingCode.MECHANISM_TIMEOUT]
    assert f"autoconfig.{D}" in found.message
    assert found.fix is not None
    assert f"autoconfig.{D}" in found.fix
    assert url in found.evidence


def test_a_secure_srv_target_outside_the_domain_is_a_note():
    """With DNSSEC on and the SRV answer secure, the target outside the domain is only a note
    that says so; insecure or unknown (or DNSSEC off) keeps the warning."""
    report = srv(("_imaps._tcp", 0, 993, "imap.elsewhere.example"))
    for status, severity in (
        (DnssecStatus.SECURE, Severity.INFO),
        (DnssecStatus.INSECURE, Severity.WARNING),
        (None, Severity.WARNING),
    ):
        dns = [r.model_copy(update={"dnssec": status}) for r in report.dns]
        found = findings_for(D, [report.model_copy(update={"dns": dns})])
        outside = next(f for f in found if f.code is FindingCode.SRV_TARGET_OUTSIDE_DOMAIN)
        assert outside.severity is severity, status
        assert ("dnssec: secure" in outside.evidence) is (status is DnssecStatus.SECURE)


def _bogus_srv() -> MechanismReport:
    attempt = SourceAttempt(
        source=SourceName.SRV,
        target=f"_imaps._tcp.{D} SRV",
        status=AttemptStatus.ERROR,
        dnssec=DnssecStatus.BOGUS,
    )
    return MechanismReport(mechanism=Mechanism.SRV, published=False, attempts=[attempt])


def test_bogus_answers_are_said_unread_never_nothing_published():
    """Nothing published, but an SRV answer DNSSEC proved bogus: mechanisms-bogus (error,
    naming SRV and the name asked) instead of nothing-published."""
    found = findings_for(D, [autoconfig(gone(AC1)), _bogus_srv()])
    assert [(f.code, f.severity) for f in found] == [(FindingCode.MECHANISMS_BOGUS, Severity.ERROR)]
    assert found[0].mechanisms == [Mechanism.SRV]
    assert found[0].evidence == [f"bogus: _imaps._tcp.{D} SRV"]


def test_an_autoconfig_host_whose_addresses_are_bogus_is_said_unread():
    """The autoconfig URLs failed because DNSSEC proved their host's addresses bogus: the
    autoconfig mechanism is named unread too, never nothing-published."""
    lookup = gone(AC1).model_copy(update={"dnssec": DnssecStatus.BOGUS})
    found = findings_for(D, [autoconfig(lookup), _bogus_srv()])
    assert FindingCode.NOTHING_PUBLISHED not in {f.code for f in found}
    bogus = next(f for f in found if f.code is FindingCode.MECHANISMS_BOGUS)
    assert bogus.mechanisms == [Mechanism.AUTOCONFIG, Mechanism.SRV]
    assert f"bogus: {AC1} (its host's addresses)" in bogus.evidence
    secure = gone(AC1).model_copy(update={"dnssec": DnssecStatus.SECURE})
    assert FindingCode.MECHANISMS_BOGUS not in {
        f.code for f in findings_for(D, [autoconfig(secure)])
    }


def test_bogus_answers_beside_published_settings_are_still_said():
    """An autoconfig file published and a bogus SRV answer: the bogus one is still an error."""
    assert FindingCode.MECHANISMS_BOGUS in codes(good_autoconfig(), _bogus_srv())
    assert FindingCode.MECHANISMS_BOGUS not in codes(good_autoconfig(), good_srv())
