"""Mail between servers: the findings about MX hosts, DANE, MTA-STS and TLS-RPT (pure), the
network half against scripted DNS and HTTP, and the TLSA lines ``--format srv-zone`` prints."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime

import pytest

from autoconf.check.guide import GUIDE
from autoconf.check.publish import publish, tlsa_lines
from autoconf.check.report import (
    DomainReport,
    Finding,
    FindingCode,
    HttpLookup,
    LookupOutcome,
    MtaStsDetails,
    MxHostReport,
    ServerReport,
    Severity,
    TlsaCheck,
    TransportReport,
)
from autoconf.check.transport import check_transport
from autoconf.check.transport_findings import (
    compare_tlsa,
    server_tlsa_findings,
    transport_findings,
    with_tlsa,
)
from autoconf.errors import DnsError, DnsFailure, TLSError
from autoconf.models import (
    Certificate,
    CertificateKind,
    DaneStatus,
    DnssecStatus,
    Protocol,
    Security,
    TlsStatus,
    Verification,
)
from autoconf.net.http import FetchResult
from autoconf.options import Deadline, Options
from autoconf.parsers.tlsa import TlsaRecord
from tests.unit.check.test_mechanisms import FakeNetwork, ScriptedDns, ScriptedHttp

D = "example.com"
URL = f"https://mta-sts.{D}/.well-known/mta-sts.txt"
KEY = "ab" * 32
OK_TLS = Verification(
    reachable=True, tls=TlsStatus.OK, certificate=Certificate(valid=True, spki_sha256=KEY)
)


def mx(host: str = f"mx.{D}", **update: object) -> MxHostReport:
    fields: dict[str, object] = {
        "host": host,
        "preference": 10,
        "verification": OK_TLS,
        "tls_version": "TLSv1.3",
        "spki_sha256": KEY,
    }
    fields.update(update)
    return MxHostReport.model_validate(fields)


def sts(mode: str = "enforce", patterns: tuple[str, ...] = (f"mx.{D}",)) -> MtaStsDetails:
    return MtaStsDetails(
        record="v=STSv1; id=1",
        policy=HttpLookup(url=URL, outcome=LookupOutcome.OK, status=200),
        mode=mode,
        max_age=86400,
        mx=list(patterns),
    )


def codes(found: list[Finding]) -> dict[FindingCode, Severity]:
    for finding in found:  # every severity is one its guide entry allows
        assert finding.severity in GUIDE[finding.code].severities, finding
    return {f.code: f.severity for f in found}


def test_a_well_run_domain_has_no_transport_findings():
    report = TransportReport(mx=[mx()], mta_sts=sts(), tls_rpt="v=TLSRPTv1; rua=mailto:a@x.example")
    assert transport_findings(D, report) == []


def test_an_mx_without_starttls_is_a_warning_and_an_error_under_enforce():
    plain = mx(
        verification=Verification(reachable=True, tls=TlsStatus.NOT_OFFERED), tls_version=None
    )
    alone = codes(transport_findings(D, TransportReport(mx=[plain])))
    assert alone[FindingCode.MX_STARTTLS_MISSING] is Severity.WARNING
    assert alone[FindingCode.MTA_STS_MISSING] is Severity.INFO
    enforced = TransportReport(mx=[plain], mta_sts=sts(), tls_rpt="v=TLSRPTv1; rua=mailto:a@x.y")
    assert codes(transport_findings(D, enforced))[FindingCode.MX_STARTTLS_MISSING] is Severity.ERROR


@pytest.mark.parametrize(
    ("mode", "severity"),
    [(None, Severity.INFO), ("testing", Severity.WARNING), ("enforce", Severity.ERROR)],
)
def test_a_webpki_refusal_on_port_25_matters_as_much_as_mta_sts_asks(mode, severity):
    refused = Certificate(valid=False, kind=CertificateKind.SELF_SIGNED, error="self-signed")
    host = mx(verification=Verification(reachable=True, tls=TlsStatus.FAILED, certificate=refused))
    policy = sts(mode) if mode else MtaStsDetails()
    found = codes(transport_findings(D, TransportReport(mx=[host], mta_sts=policy, tls_rpt="x")))
    assert found[FindingCode.MX_CERTIFICATE] is severity
    assert FindingCode.MX_STARTTLS_MISSING not in found  # TLS itself worked (a version agreed)


def test_dane_judges_the_mx_certificate_instead_of_the_webpki():
    refused = Certificate(valid=False, kind=CertificateKind.SELF_SIGNED)
    tlsa = TlsaCheck(records=[f"3 1 1 {KEY}"], dnssec=DnssecStatus.SECURE, matches=True)
    host = mx(
        verification=Verification(reachable=True, tls=TlsStatus.FAILED, certificate=refused),
        tlsa=tlsa,
    )
    found = codes(transport_findings(D, TransportReport(mx=[host])))
    assert FindingCode.MX_CERTIFICATE not in found
    assert found == {FindingCode.TLS_RPT_MISSING: Severity.INFO}


def test_unreachable_mx_and_old_tls():
    down = mx(verification=Verification(reachable=False, error="connection refused"))
    old = mx(f"mx2.{D}", tls_version="TLSv1")
    found = transport_findings(
        D, TransportReport(mx=[down, old], mta_sts=sts(patterns=(f"*.{D}",)))
    )
    assert codes(found)[FindingCode.MX_UNREACHABLE] is Severity.WARNING
    assert codes(found)[FindingCode.MX_OLD_TLS] is Severity.WARNING
    assert {f.host for f in found if f.code.startswith("mx-")} == {f"mx.{D}", f"mx2.{D}"}


def test_tlsa_records_bogus_insecure_mismatched_and_discouraged():
    cases = {
        FindingCode.TLSA_BOGUS: TlsaCheck(records=[f"3 1 1 {KEY}"], dnssec=DnssecStatus.BOGUS),
        FindingCode.TLSA_NOT_SECURE: TlsaCheck(
            records=[f"3 1 1 {KEY}"], dnssec=DnssecStatus.INSECURE
        ),
        FindingCode.TLSA_MISMATCH: TlsaCheck(
            records=["3 1 1 00"], dnssec=DnssecStatus.SECURE, matches=False
        ),
        FindingCode.TLSA_USAGE_DISCOURAGED: TlsaCheck(
            records=[f"1 1 1 {KEY}"], dnssec=DnssecStatus.SECURE, matches=True
        ),
        FindingCode.TLSA_MISSING: TlsaCheck(dnssec=DnssecStatus.SECURE),
    }
    for code, tlsa in cases.items():
        found = codes(transport_findings(D, TransportReport(mx=[mx(tlsa=tlsa)], mta_sts=sts())))
        assert code in found, code
    assert (
        codes(
            transport_findings(D, TransportReport(mx=[mx(tlsa=cases[FindingCode.TLSA_MISMATCH])]))
        )[FindingCode.TLSA_MISMATCH]
        is Severity.ERROR
    )
    unknown = TlsaCheck(records=["3 1 1 00"], matches=False)  # DNSSEC not asked
    assert (
        codes(transport_findings(D, TransportReport(mx=[mx(tlsa=unknown)])))[
            FindingCode.TLSA_MISMATCH
        ]
        is Severity.WARNING
    )


def test_mta_sts_record_and_policy_problems():
    bad_record = MtaStsDetails(record_problem="the id field must be ...")
    assert FindingCode.MTA_STS_BAD_RECORD in codes(
        transport_findings(D, TransportReport(mx=[mx()], mta_sts=bad_record))
    )
    unreachable = MtaStsDetails(
        record="v=STSv1; id=1",
        policy=HttpLookup(url=URL, outcome=LookupOutcome.REDIRECT_REFUSED, detail="301"),
    )
    assert (
        codes(transport_findings(D, TransportReport(mta_sts=unreachable)))[
            FindingCode.MTA_STS_POLICY_UNREACHABLE
        ]
        is Severity.ERROR
    )
    bad_policy = sts().model_copy(update={"policy_problem": "mode must be ..."})
    assert FindingCode.MTA_STS_BAD_POLICY in codes(
        transport_findings(D, TransportReport(mta_sts=bad_policy))
    )
    orphan = sts().model_copy(update={"record": None})
    assert (
        codes(transport_findings(D, TransportReport(mta_sts=orphan)))[FindingCode.MTA_STS_NO_RECORD]
        is Severity.WARNING
    )


def test_mx_hosts_against_the_policy_patterns():
    hosts = [mx(f"mx.{D}"), mx(f"backup.{D}")]
    enforce = transport_findings(D, TransportReport(mx=hosts, mta_sts=sts(), tls_rpt="x"))
    assert [(f.code, f.severity, f.host) for f in enforce] == [
        (FindingCode.MTA_STS_MX_MISMATCH, Severity.ERROR, f"backup.{D}")
    ]
    testing = codes(
        transport_findings(D, TransportReport(mx=hosts, mta_sts=sts("testing"), tls_rpt="x"))
    )
    assert testing == {
        FindingCode.MTA_STS_MX_MISMATCH: Severity.WARNING,
        FindingCode.MTA_STS_TESTING: Severity.INFO,
    }
    none = codes(
        transport_findings(D, TransportReport(mx=hosts, mta_sts=sts("none", ()), tls_rpt="x"))
    )
    assert none == {FindingCode.MTA_STS_TESTING: Severity.INFO}


def test_tls_rpt_bad_or_missing():
    bad = TransportReport(mx=[mx()], mta_sts=sts(), tls_rpt="v=TLSRPTv1;", tls_rpt_problem="no rua")
    assert codes(transport_findings(D, bad)) == {FindingCode.TLS_RPT_BAD_RECORD: Severity.WARNING}
    missing = TransportReport(mx=[mx()], mta_sts=sts())
    assert codes(transport_findings(D, missing)) == {FindingCode.TLS_RPT_MISSING: Severity.INFO}


def test_compare_tlsa_uses_leaf_key_records_only():
    key = bytes.fromhex(KEY)
    assert compare_tlsa([TlsaRecord(3, 1, 1, key)], KEY) is True
    assert compare_tlsa([TlsaRecord(3, 1, 1, b"\0" * 32)], KEY) is False
    assert compare_tlsa([TlsaRecord(2, 1, 1, key)], KEY) is None  # a CA's key: not the leaf's
    assert compare_tlsa([TlsaRecord(3, 0, 1, key)], KEY) is None
    assert compare_tlsa([TlsaRecord(3, 1, 1, key)], None) is None


def _server(verification: Verification) -> ServerReport:
    return ServerReport(
        protocol=Protocol.IMAP,
        host=f"imap.{D}",
        port=993,
        security=Security.TLS,
        verification=verification,
    )


def test_a_server_takes_the_probe_dane_verdict_else_its_key():
    check = TlsaCheck(records=["3 1 1 00"], dnssec=DnssecStatus.SECURE)
    by_key = with_tlsa(_server(OK_TLS), check, [TlsaRecord(3, 1, 1, b"\0")])
    assert by_key.tlsa is not None
    assert by_key.tlsa.matches is False
    assert [f.code for f in server_tlsa_findings([by_key])] == [FindingCode.TLSA_MISMATCH]
    verified = OK_TLS.model_copy(update={"dane": DaneStatus.VERIFIED})
    by_dane = with_tlsa(_server(verified), check, [TlsaRecord(3, 1, 1, b"\0")])
    assert by_dane.tlsa is not None
    assert by_dane.tlsa.matches is True
    assert server_tlsa_findings([by_dane]) == []
    usage = with_tlsa(
        _server(OK_TLS),
        TlsaCheck(records=[f"1 1 1 {KEY}"]),
        [TlsaRecord(1, 1, 1, bytes.fromhex(KEY))],
    )
    assert codes(server_tlsa_findings([usage])) == {
        FindingCode.TLSA_USAGE_DISCOURAGED: Severity.INFO
    }


def test_srv_zone_prints_a_tlsa_line_per_key_read():
    report = DomainReport(
        domain=D,
        checked_at=datetime.now(UTC),
        servers=[_server(OK_TLS)],
        transport=TransportReport(mx=[mx(), mx(f"mx2.{D}", spki_sha256=None)]),
    )
    lines = tlsa_lines(report).splitlines()
    assert lines[1:] == [
        f"_993._tcp.imap.{D}. IN TLSA 3 1 1 {KEY}",
        f"_25._tcp.mx.{D}. IN TLSA 3 1 1 {KEY}",
    ]
    assert publish(report, "srv-zone") == tlsa_lines(report)  # no mechanism names a server
    assert publish(report, "pacc") is None


def test_spki_sha256_is_the_digest_of_the_leaf_key():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from autoconf.net.certificates import spki_sha256

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "mx.example.com")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now)
        .sign(key, hashes.SHA256())
    )
    info = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    assert spki_sha256(der) == hashlib.sha256(info).hexdigest()
    assert spki_sha256(b"not a certificate") is None
    assert spki_sha256(None) is None


def _run(http: ScriptedHttp, dns: ScriptedDns):
    net = FakeNetwork(http=http, dns=dns)
    return asyncio.run(
        check_transport(
            D,
            [],
            [(f"imap.{D}", 993)],
            network=net,  # type: ignore[arg-type]
            options=Options(),
            deadline=Deadline(5.0),
        )
    )


def test_the_network_half_reads_the_records_and_the_policy_without_redirects():
    policy = FetchResult(
        URL,
        200,
        b"version: STSv1\nmode: testing\nmx: *.example.com\nmax_age: 86400\n",
        "text/plain",
    )
    dns = ScriptedDns(
        txt={
            f"_mta-sts.{D}": [(b"v=STSv1; id=7",)],
            f"_smtp._tls.{D}": [(b"v=TLSRPTv1; rua=mailto:r@example.com",)],
        }
    )
    dns.tlsa_by_name[f"_993._tcp.imap.{D}"] = [TlsaRecord(3, 1, 1, bytes.fromhex(KEY))]
    http = ScriptedHttp({URL: policy})
    report, tlsa = _run(http, dns)
    assert (report.mta_sts.record, report.mta_sts.mode, report.mta_sts.mx) == (
        "v=STSv1; id=7",
        "testing",
        ["*.example.com"],
    )
    assert report.tls_rpt == "v=TLSRPTv1; rua=mailto:r@example.com"
    check, records = tlsa[(f"imap.{D}", 993)]
    assert check.records == [f"3 1 1 {KEY}"]
    assert len(records) == 1
    assert http.asked == [URL]


def test_the_network_half_records_what_failed():
    dns = ScriptedDns(
        txt={
            f"_mta-sts.{D}": [(b"v=STSv1; id=bad-id",)],
            f"_smtp._tls.{D}": [(b"v=TLSRPTv1; rua=ftp://x",)],
        }
    )
    http = ScriptedHttp({URL: TLSError("certificate refused", kind="self-signed")})
    report, _ = _run(http, dns)
    assert report.mta_sts.record_problem
    assert report.tls_rpt_problem
    assert report.mta_sts.policy is not None
    assert report.mta_sts.policy.outcome is LookupOutcome.CERTIFICATE
    broken = FetchResult(URL, 200, b"version: STSv1\nmode: enforce\n", "text/plain")
    report, _ = _run(ScriptedHttp({URL: broken}), ScriptedDns())
    assert report.mta_sts.policy_problem
    assert report.mta_sts.record is None


def test_the_human_view_has_a_section_for_mail_between_servers():
    import io

    from autoconf.cli.render.check import render_report
    from autoconf.cli.render.terminal import Terminal

    transport = TransportReport(mx=[mx(tlsa=TlsaCheck(records=[f"3 1 1 {KEY}"]))], mta_sts=sts())
    report = DomainReport(
        domain=D,
        checked_at=datetime.now(UTC),
        transport=transport,
        findings=transport_findings(D, transport),
    )
    out = io.StringIO()
    render_report(report, out, Terminal(tty=False, colour=False, width=120, unicode=True))
    text = out.getvalue()
    assert "Mail from other servers" in text
    assert f"MX mx.{D}:25 (preference 10): STARTTLS ok, TLSv1.3, 1 TLSA" in text
    assert "[tls-rpt-missing]" in text


def test_the_zone_dnssec_status_bogus_names_the_failing_link():
    link = "example.com DS: no DNSKEY matches (key tag 12345)"
    bogus = TransportReport(dnssec=DnssecStatus.BOGUS, dnssec_detail=link)
    found = transport_findings(D, bogus)
    assert codes(found) == {FindingCode.ZONE_DNSSEC_BOGUS: Severity.ERROR}
    assert found[0].evidence == [link]
    unsigned = TransportReport(dnssec=DnssecStatus.INSECURE, dnssec_detail="no DS at com")
    assert codes(transport_findings(D, unsigned)) == {FindingCode.ZONE_UNSIGNED: Severity.INFO}
    assert transport_findings(D, TransportReport(dnssec=DnssecStatus.SECURE)) == []


def test_the_network_half_asks_the_zone_status():
    dns = ScriptedDns()
    dns.zone = (DnssecStatus.SECURE, "example.com: DNSKEY signed by a DS at com")
    report, _ = _run(ScriptedHttp({}), dns)
    assert (report.dnssec, report.dnssec_detail) == dns.zone


class _BogusTlsa(ScriptedDns):
    """Every TLSA answer is bogus, as the real client says it: a DnsError of kind BOGUS."""

    async def tlsa(self, host: str, port: int, deadline: Deadline, *, limit: float | None = None):
        name = f"_{port}._tcp.{host}"
        raise DnsError(f"DNSSEC proves the answer for {name} TLSA bogus", kind=DnsFailure.BOGUS)


def test_a_bogus_tlsa_answer_is_tlsa_bogus_even_without_records():
    """The client never returns bogus records: the failed look-up is recorded as bogus, and
    tlsa-bogus (error) follows, with no mismatch claimed for records nobody could read."""
    _, tlsa = _run(ScriptedHttp({}), _BogusTlsa())
    check, records = tlsa[(f"imap.{D}", 993)]
    assert check.dnssec is DnssecStatus.BOGUS
    assert records == ()
    refused = OK_TLS.model_copy(update={"dane": DaneStatus.FAILED})
    server = with_tlsa(_server(refused), check, records)
    assert server.tlsa is not None
    assert server.tlsa.matches is None
    assert codes(server_tlsa_findings([server])) == {FindingCode.TLSA_BOGUS: Severity.ERROR}
    found = server_tlsa_findings([server])[0]
    assert any("bogus" in e for e in found.evidence)
