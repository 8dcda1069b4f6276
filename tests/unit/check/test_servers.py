"""check_servers against scripted loopback servers: each server finding, and the not-tested path."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trustme

from autoconf.check.report import Finding, FindingCode, LegacyTls, Mechanism, ServerReport, Severity
from autoconf.check.servers import _published_findings, check_servers
from autoconf.models import Protocol, Security, ServerSettings
from autoconf.net import tls
from autoconf.net.cache import TTLCache
from autoconf.net.dns import DnsClient
from autoconf.net.session import CallNetwork, HostSlots
from autoconf.options import Deadline, Options
from autoconf.probe import driver
from tests.timing import halfway

NO_DNS = DnsClient(nameservers=(("127.0.0.1", 9),))  # IP literals never ask it
HOST = "127.0.0.1"
GREETING = {"imap": b"* OK ready\r\n", "pop3": b"+OK ready\r\n", "smtp": b"220 test ESMTP\r\n"}


@dataclass
class Script:
    """A scripted mail server: capabilities before and after STARTTLS, and its TLS."""

    protocol: str
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    starttls: ssl.SSLContext | None = None  # None: the STARTTLS command is refused


async def _reply(script: Script, line: str, writer: asyncio.StreamWriter, tls: bool) -> str:
    """Answer one command; returns "tls" to upgrade, "quit" to end, "" to go on."""
    caps = script.after if tls else script.before
    word = line.split()
    if script.protocol == "imap":
        tag, command = word[0], word[1].upper()
        if command == "CAPABILITY":
            writer.write(f"* CAPABILITY {' '.join(caps)}\r\n{tag} OK done\r\n".encode())
        elif command == "STARTTLS" and script.starttls is not None:
            writer.write(f"{tag} OK begin TLS\r\n".encode())
            return "tls"
        elif command == "LOGOUT":
            writer.write(f"* BYE\r\n{tag} OK bye\r\n".encode())
            return "quit"
        else:
            writer.write(f"{tag} BAD no\r\n".encode())
    elif script.protocol == "pop3":
        command = word[0].upper()
        if command == "CAPA":
            writer.write(("+OK\r\n" + "".join(f"{c}\r\n" for c in caps) + ".\r\n").encode())
        elif command == "STLS" and script.starttls is not None:
            writer.write(b"+OK begin TLS\r\n")
            return "tls"
        elif command == "QUIT":
            writer.write(b"+OK bye\r\n")
            return "quit"
        else:
            writer.write(b"-ERR no\r\n")
    else:
        command = word[0].upper()
        if command == "EHLO":
            lines = ["test", *caps]
            text = "".join(f"250-{c}\r\n" for c in lines[:-1]) + f"250 {lines[-1]}\r\n"
            writer.write(text.encode())
        elif command == "STARTTLS" and script.starttls is not None:
            writer.write(b"220 go ahead\r\n")
            return "tls"
        elif command == "QUIT":
            writer.write(b"221 bye\r\n")
            return "quit"
        else:
            writer.write(b"502 no\r\n")
    return ""


def handler(script: Script, *, implicit: bool = False) -> Callable[..., Awaitable[None]]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tls = implicit
        with contextlib.suppress(Exception):
            writer.write(GREETING[script.protocol])
            while line := await reader.readline():
                action = await _reply(script, line.decode().strip(), writer, tls)
                await writer.drain()
                if action == "quit":
                    break
                if action == "tls" and script.starttls is not None:
                    await writer.start_tls(script.starttls)
                    tls = True
        writer.close()

    return handle


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[int]]]:
    """Start a scripted server on 127.0.0.1 (implicit TLS with ``ssl``); returns its port."""
    servers: list[asyncio.Server] = []

    async def start(handle: Callable[..., Awaitable[None]], ssl: ssl.SSLContext | None = None):
        server = await asyncio.start_server(handle, HOST, 0, ssl=ssl)
        servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def server_context(
    ca: trustme.CA, *, legacy: bool = False, not_after: datetime | None = None
) -> ssl.SSLContext:
    """A server context for 127.0.0.1; ``legacy`` also accepts TLS 1.0/1.1."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1 if legacy else ssl.TLSVersion.TLSv1_2
    if legacy:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ca.issue_cert(HOST, not_after=not_after).configure_cert(ctx)
    return ctx


def network(ca: trustme.CA) -> CallNetwork:
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return CallNetwork(
        dns=NO_DNS,
        http=None,  # type: ignore[arg-type]  # servers are never fetched over HTTP
        ssl_context=client,
        block_private=False,
        cache=TTLCache(),
        documents=TTLCache(),
    )


async def check(
    ca: trustme.CA,
    *servers: tuple[str, int, str],
    deadline: float = 5.0,
    **options: float,
) -> tuple[list[ServerReport], dict[FindingCode, list[Finding]]]:
    """Check (protocol, port, security) servers on 127.0.0.1; the reports and findings by code."""
    named = [
        (
            ServerSettings(protocol=p, host=HOST, port=port, security=s),
            frozenset({Mechanism.AUTOCONFIG}),
        )
        for p, port, s in servers
    ]
    reports, findings = await check_servers(
        named,
        network=network(ca),
        options=Options(**options),
        deadline=Deadline(deadline),
        domain="example.test",
    )
    by_code: dict[FindingCode, list[Finding]] = {}
    for finding in findings:
        by_code.setdefault(finding.code, []).append(finding)
    return reports, by_code


GOOD_IMAP_AFTER = ["IMAP4rev1", "AUTH=PLAIN", "AUTH=LOGIN"]


async def test_a_good_imaps_server_has_no_error_or_warning(serve, ca):
    """Implicit TLS with a good certificate, TLS 1.2+ only: only info findings, legacy refused."""
    port = await serve(
        handler(Script("imap", after=GOOD_IMAP_AFTER), implicit=True), ssl=server_context(ca)
    )
    reports, findings = await check(ca, ("imap", port, "tls"))
    assert reports[0].verification is not None
    assert reports[0].verification.ok
    assert reports[0].legacy_tls is LegacyTls.REFUSED
    assert reports[0].plaintext_login_before_tls is None
    assert reports[0].mechanisms == [Mechanism.AUTOCONFIG]
    severities = {f.severity for fs in findings.values() for f in fs}
    assert severities == {Severity.INFO}
    sasl = findings[FindingCode.SASL_MECHANISMS][0]
    assert "PLAIN" in sasl.evidence[0]
    assert sasl.port == port


async def test_a_server_accepting_tls_1_0_is_found(serve, ca):
    """A server that still agrees to TLS 1.0/1.1 gives legacy-tls-accepted with the version."""
    ctx = server_context(ca, legacy=True)
    port = await serve(handler(Script("imap", after=GOOD_IMAP_AFTER), implicit=True), ssl=ctx)
    reports, findings = await check(ca, ("imap", port, "tls"))
    assert reports[0].legacy_tls is LegacyTls.ACCEPTED
    (finding,) = findings[FindingCode.LEGACY_TLS_ACCEPTED]
    assert finding.severity is Severity.WARNING
    assert "negotiated: TLSv1.1" in finding.evidence


async def test_legacy_tls_is_tested_after_starttls(serve, ca):
    """For a STARTTLS server the legacy handshake follows the protocol's STARTTLS."""
    script = Script(
        "smtp", before=["STARTTLS"], after=["AUTH PLAIN"], starttls=server_context(ca, legacy=True)
    )
    port = await serve(handler(script))
    reports, findings = await check(ca, ("smtp", port, "starttls"))
    assert reports[0].legacy_tls is LegacyTls.ACCEPTED
    assert FindingCode.LEGACY_TLS_ACCEPTED in findings
    assert reports[0].plaintext_login_before_tls is False


async def test_without_local_legacy_tls_the_report_says_not_tested(serve, ca, monkeypatch):
    """When this machine's OpenSSL cannot offer TLS 1.0/1.1: not-tested, and an info finding."""
    monkeypatch.setattr(driver, "legacy_context", lambda: None)
    ctx = server_context(ca, legacy=True)
    port = await serve(handler(Script("imap", after=GOOD_IMAP_AFTER), implicit=True), ssl=ctx)
    reports, findings = await check(ca, ("imap", port, "tls"))
    assert reports[0].legacy_tls is LegacyTls.NOT_TESTED
    assert FindingCode.LEGACY_TLS_ACCEPTED not in findings
    (finding,) = findings[FindingCode.LEGACY_TLS_NOT_TESTED]
    assert finding.severity is Severity.INFO


def test_legacy_context_is_none_when_openssl_lacks_tls_1_0_and_1_1(monkeypatch):
    """No TLS 1.0/1.1 in this OpenSSL build: no legacy context (and so not tested)."""
    monkeypatch.setattr(ssl, "HAS_TLSv1", False)
    monkeypatch.setattr(ssl, "HAS_TLSv1_1", False)
    assert tls.legacy_context() is None


def test_legacy_context_is_none_when_no_cipher_is_left(monkeypatch):
    """A context that cannot write a ClientHello (no cipher allowed) counts as unavailable."""

    def no_ciphers(self: ssl.SSLContext, ciphers: str) -> None:
        raise ssl.SSLError("No cipher can be selected.")

    monkeypatch.setattr(ssl.SSLContext, "set_ciphers", no_ciphers)
    assert tls.legacy_context() is None


async def test_a_certificate_expiring_in_5_days_is_a_warning(serve, ca):
    """A valid certificate that ends in 5 days: certificate-expiring with date and days left."""
    ends = datetime.now(UTC) + timedelta(days=5, hours=1)
    ctx = server_context(ca, not_after=ends)
    port = await serve(handler(Script("imap", after=GOOD_IMAP_AFTER), implicit=True), ssl=ctx)
    _, findings = await check(ca, ("imap", port, "tls"))
    (finding,) = findings[FindingCode.CERTIFICATE_EXPIRING]
    assert finding.severity is Severity.WARNING
    assert "days left: 5" in finding.evidence
    assert ends.date().isoformat() in finding.message


async def test_a_refused_certificate_names_its_kind(serve, ca):
    """A certificate for another name: certificate-invalid, kind hostname-mismatch."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("other.example").configure_cert(ctx)
    port = await serve(handler(Script("imap", after=GOOD_IMAP_AFTER), implicit=True), ssl=ctx)
    _, findings = await check(ca, ("imap", port, "tls"))
    (finding,) = findings[FindingCode.CERTIFICATE_INVALID]
    assert finding.severity is Severity.ERROR
    assert "kind: hostname-mismatch" in finding.evidence
    assert FindingCode.CERTIFICATE_CHAIN_INCOMPLETE not in findings


def _leaf_of_intermediate(
    ca: trustme.CA, folder: Path, *, with_intermediate: bool
) -> ssl.SSLContext:
    leaf = ca.create_child_ca().issue_cert(HOST)
    pems = leaf.cert_chain_pems if with_intermediate else leaf.cert_chain_pems[:1]
    cert, key = folder / f"chain-{with_intermediate}.pem", folder / "key.pem"
    cert.write_bytes(b"".join(p.bytes() for p in pems))
    leaf.private_key_pem.write_to_path(str(key))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


async def test_a_leaf_served_without_its_intermediate_is_an_incomplete_chain(serve, ca, tmp_path):
    """The CA signed via an intermediate the server does not send: certificate-chain-incomplete."""
    ctx = _leaf_of_intermediate(ca, tmp_path, with_intermediate=False)
    port = await serve(handler(Script("imap", after=GOOD_IMAP_AFTER), implicit=True), ssl=ctx)
    _, findings = await check(ca, ("imap", port, "tls"))
    (finding,) = findings[FindingCode.CERTIFICATE_CHAIN_INCOMPLETE]
    assert finding.severity is Severity.ERROR
    assert "certificates sent: 1" in finding.evidence
    assert FindingCode.CERTIFICATE_INVALID not in findings


async def test_the_same_chain_with_its_intermediate_verifies(serve, ca, tmp_path):
    """The control: leaf and intermediate served together verify, no certificate finding."""
    ctx = _leaf_of_intermediate(ca, tmp_path, with_intermediate=True)
    port = await serve(handler(Script("imap", after=GOOD_IMAP_AFTER), implicit=True), ssl=ctx)
    reports, findings = await check(ca, ("imap", port, "tls"))
    assert reports[0].verification is not None
    assert reports[0].verification.ok
    assert FindingCode.CERTIFICATE_CHAIN_INCOMPLETE not in findings
    assert FindingCode.CERTIFICATE_INVALID not in findings


async def test_a_complete_chain_to_an_unknown_root_is_untrusted_not_incomplete(serve, tmp_path):
    """Leaf and intermediate sent, but the root is not trusted: certificate-invalid (untrusted)."""
    stranger, ours = trustme.CA(), trustme.CA()
    ctx = _leaf_of_intermediate(stranger, tmp_path, with_intermediate=True)
    port = await serve(handler(Script("imap", after=GOOD_IMAP_AFTER), implicit=True), ssl=ctx)
    _, findings = await check(ours, ("imap", port, "tls"))
    assert FindingCode.CERTIFICATE_CHAIN_INCOMPLETE not in findings
    (finding,) = findings[FindingCode.CERTIFICATE_INVALID]
    assert "kind: untrusted" in finding.evidence


async def test_imap_without_logindisabled_before_starttls(serve, ca):
    """IMAP on 143 offering AUTH=PLAIN and no LOGINDISABLED in clear: plaintext-login-before-tls."""
    script = Script(
        "imap",
        before=["IMAP4rev1", "STARTTLS", "AUTH=PLAIN"],
        after=GOOD_IMAP_AFTER,
        starttls=server_context(ca),
    )
    port = await serve(handler(script))
    reports, findings = await check(ca, ("imap", port, "starttls"))
    assert reports[0].plaintext_login_before_tls is True
    (finding,) = findings[FindingCode.PLAINTEXT_LOGIN_BEFORE_TLS]
    assert finding.severity is Severity.ERROR
    assert "AUTH=PLAIN" in finding.evidence[0]


async def test_imap_with_logindisabled_before_starttls_is_clean(serve, ca):
    """IMAP that says LOGINDISABLED before STARTTLS offers no plaintext login."""
    script = Script(
        "imap",
        before=["IMAP4rev1", "STARTTLS", "LOGINDISABLED"],
        after=GOOD_IMAP_AFTER,
        starttls=server_context(ca),
    )
    port = await serve(handler(script))
    reports, findings = await check(ca, ("imap", port, "starttls"))
    assert reports[0].plaintext_login_before_tls is False
    assert FindingCode.PLAINTEXT_LOGIN_BEFORE_TLS not in findings


async def test_pop3_user_before_stls(serve, ca):
    """POP3 offering USER before STLS: plaintext-login-before-tls."""
    script = Script(
        "pop3", before=["USER", "STLS"], after=["USER", "SASL PLAIN"], starttls=server_context(ca)
    )
    port = await serve(handler(script))
    _, findings = await check(ca, ("pop3", port, "starttls"))
    (finding,) = findings[FindingCode.PLAINTEXT_LOGIN_BEFORE_TLS]
    assert "USER" in finding.message


async def test_smtp_auth_before_starttls(serve, ca):
    """SMTP whose EHLO advertises AUTH before STARTTLS: plaintext-login-before-tls."""
    script = Script(
        "smtp",
        before=["AUTH PLAIN LOGIN", "STARTTLS"],
        after=["AUTH PLAIN"],
        starttls=server_context(ca),
    )
    port = await serve(handler(script))
    _, findings = await check(ca, ("smtp", port, "starttls"))
    assert FindingCode.PLAINTEXT_LOGIN_BEFORE_TLS in findings


async def test_starttls_not_offered_is_starttls_missing(serve, ca):
    """A STARTTLS server whose capabilities lack STARTTLS: starttls-missing (an error)."""
    port = await serve(handler(Script("smtp", before=["SIZE 1000"])))
    reports, findings = await check(ca, ("smtp", port, "starttls"))
    (finding,) = findings[FindingCode.STARTTLS_MISSING]
    assert finding.severity is Severity.ERROR
    assert "failure: starttls-not-offered" in finding.evidence
    assert reports[0].legacy_tls is LegacyTls.NOT_TESTED
    assert FindingCode.SERVER_UNREACHABLE not in findings


async def test_a_silent_host_is_unreachable_within_the_deadline(serve, ca):
    """A server that never greets ends at the phase limit, as server-unreachable with timeout."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    port = await serve(silent)
    started = time.monotonic()
    reports, findings = await check(
        ca, ("imap", port, "starttls"), deadline=10.0, first_byte_timeout=0.5
    )
    assert time.monotonic() - started < halfway(0.5, 10.0)  # the phase limit, not the deadline
    (finding,) = findings[FindingCode.SERVER_UNREACHABLE]
    assert "failure: timeout" in finding.evidence
    assert reports[0].legacy_tls is LegacyTls.NOT_TESTED


async def test_a_silent_host_under_a_short_deadline_ends_at_the_deadline(serve, ca):
    """With phase limits longer than the deadline, the check still ends at the deadline."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    port = await serve(silent)
    started = time.monotonic()
    _, findings = await check(ca, ("imap", port, "tls"), deadline=0.6, tls_timeout=10.0)
    assert time.monotonic() - started < halfway(0.6, 10.0)  # the deadline, not the TLS limit
    assert FindingCode.SERVER_UNREACHABLE in findings


async def test_a_closed_port_is_unreachable(ca):
    """A refused connection: server-unreachable, failure refused."""
    _, findings = await check(ca, ("imap", 1, "tls"))
    (finding,) = findings[FindingCode.SERVER_UNREACHABLE]
    assert "failure: refused" in finding.evidence
    assert finding.severity is Severity.ERROR


async def test_servers_are_probed_at_once(serve, ca):
    """Three silent servers cost one phase limit, not three."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    ports = [await serve(silent) for _ in range(3)]
    started = time.monotonic()
    reports, findings = await check(
        ca, *[("imap", port, "starttls") for port in ports], deadline=30.0, first_byte_timeout=2.0
    )
    assert time.monotonic() - started < halfway(2.0, 3 * 2.0)  # one phase limit, not three
    assert len(reports) == 3
    assert len(findings[FindingCode.SERVER_UNREACHABLE]) == 3


def _named(*servers: tuple[str, str, int, str]) -> list[tuple[ServerSettings, list[Mechanism]]]:
    return [
        (ServerSettings(protocol=p, host=h, port=port, security=s), [Mechanism.SRV])
        for p, h, port, s in servers
    ]


def test_no_implicit_tls_port_is_implicit_tls_missing():
    """IMAP only on 143 and SMTP only on 587 for a host: implicit-tls-missing for each."""
    findings = _published_findings(
        _named(
            ("imap", "mail.example.test", 143, "starttls"),
            ("smtp", "mail.example.test", 587, "starttls"),
            ("pop3", "mail.example.test", 995, "tls"),
        )
    )
    missing = [f for f in findings if f.code is FindingCode.IMPLICIT_TLS_MISSING]
    assert {"993" in f.message for f in missing} == {True, False}
    assert len(missing) == 2
    assert all(f.severity is Severity.WARNING for f in missing)
    assert all(f.mechanisms == [Mechanism.SRV] for f in missing)


def test_smtp_only_on_port_25_is_submission_missing():
    """SMTP published only on port 25: submission-missing; with 465 beside it, none."""
    only_25 = _published_findings(_named(("smtp", "mx.example.test", 25, "starttls")))
    assert [f.code for f in only_25 if f.code is FindingCode.SUBMISSION_MISSING] == [
        FindingCode.SUBMISSION_MISSING
    ]
    both = _published_findings(
        _named(("smtp", "mx.example.test", 25, "starttls"), ("smtp", "mx.example.test", 465, "tls"))
    )
    assert not [f for f in both if f.code is FindingCode.SUBMISSION_MISSING]


async def test_one_endpoint_named_twice_is_probed_once_with_both_mechanisms(ca):
    """The same server from autoconfig and SRV: one report naming both mechanisms."""
    server = ServerSettings(protocol=Protocol.IMAP, host=HOST, port=1, security=Security.TLS)
    reports, findings = await check_servers(
        [(server, frozenset({Mechanism.SRV})), (server, frozenset({Mechanism.AUTOCONFIG}))],
        network=network(ca),
        options=Options(),
        deadline=Deadline(3),
        domain="example.test",
    )
    assert len(reports) == 1
    assert reports[0].mechanisms == [Mechanism.AUTOCONFIG, Mechanism.SRV]
    unreachable = [f for f in findings if f.code is FindingCode.SERVER_UNREACHABLE]
    assert unreachable[0].mechanisms == [Mechanism.AUTOCONFIG, Mechanism.SRV]


async def test_without_the_presented_chain_no_incomplete_chain_is_claimed(
    serve, ca, tmp_path, monkeypatch
):
    """When Python cannot show what the server sent, the refusal stays certificate-invalid."""
    monkeypatch.setattr(driver, "presented_chain", lambda ssl_object: None)
    ctx = _leaf_of_intermediate(ca, tmp_path, with_intermediate=False)
    port = await serve(handler(Script("imap", after=GOOD_IMAP_AFTER), implicit=True), ssl=ctx)
    _, findings = await check(ca, ("imap", port, "tls"))
    assert FindingCode.CERTIFICATE_CHAIN_INCOMPLETE not in findings
    (finding,) = findings[FindingCode.CERTIFICATE_INVALID]
    assert "kind: untrusted" in finding.evidence


def _network(hosts: HostSlots) -> CallNetwork:
    """A call's network with no DNS and no HTTP, probes bounded per host by ``hosts``."""
    return CallNetwork(
        dns=NO_DNS,
        http=None,  # type: ignore[arg-type]
        ssl_context=ssl.create_default_context(),
        block_private=False,
        cache=TTLCache(),
        documents=TTLCache(),
        hosts=hosts,
    )


async def test_the_check_probes_one_host_at_most_max_per_host_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
):
    """Many published endpoints of one host: the check's probes wait for the session's places
    at that host (``Options.max_per_host``), so a domain cannot make the check hammer a host;
    a probe that gets no place before the deadline reports the deadline, never raises."""
    from autoconf.check import servers as check_servers_module
    from autoconf.models import FailureKind, Verification

    in_flight: dict[str, int] = {}
    most: dict[str, int] = {}

    async def fake_probe_now(server, mechanisms, network, limits, deadline):  # type: ignore[no-untyped-def]
        in_flight[server.host] = in_flight.get(server.host, 0) + 1
        most[server.host] = max(most.get(server.host, 0), in_flight[server.host])
        await asyncio.sleep(0.05)
        in_flight[server.host] -= 1
        return check_servers_module._Probed(
            server, mechanisms, Verification(reachable=True, address=server.host)
        )

    monkeypatch.setattr(check_servers_module, "_probe_now", fake_probe_now)
    net = _network(HostSlots(1))
    limits = driver.ProbeLimits.from_options(Options())
    ports = [993, 143, 995, 110, 465, 587]
    servers = [
        ServerSettings(
            protocol=Protocol.IMAP, host="mail.example.net", port=p, security=Security.TLS
        )
        for p in ports
    ]
    results = await asyncio.gather(
        *(
            check_servers_module._probe(s, [Mechanism.SRV], net, limits, Deadline(30.0))
            for s in servers
        )
    )
    assert most == {"mail.example.net": 1}
    assert all(r.verification.reachable for r in results)

    # A place that never frees up in time: the waiting probe reports the deadline.
    held = HostSlots(1)
    net_held = _network(held)
    async with held.admitted("mail.example.net", Deadline(30.0)):
        late = await check_servers_module._probe(
            servers[0], [Mechanism.SRV], net_held, limits, Deadline(0.2)
        )
    assert late.verification.failure is FailureKind.DEADLINE
    assert not late.verification.reachable


def test_a_certificate_only_dane_vouches_for_is_said_so():
    """DANE verified the certificate and the CA store refuses it: dane_only, and a warning that
    clients without DANE reject it; a certificate both accept, or no second verdict, is quiet."""
    from autoconf.check.servers import _Probed, _report, _server_findings
    from autoconf.models import Certificate, CertificateKind, DaneStatus, TlsStatus, Verification

    imap = ServerSettings(
        protocol=Protocol.IMAP, host="imap.example", port=993, security=Security.TLS
    )
    verified = Verification(
        reachable=True,
        tls=TlsStatus.OK,
        certificate=Certificate(valid=True),
        dane=DaneStatus.VERIFIED,
        dane_record="3 1 1 ab",
    )
    refused = Certificate(valid=False, kind=CertificateKind.UNTRUSTED, error="untrusted")
    now = datetime.now(UTC)
    only = _Probed(imap, [Mechanism.SRV], verified, webpki=refused)
    assert _report(only).dane_only
    (finding,) = [f for f in _server_findings(only, now) if f.severity is not Severity.INFO]
    assert (finding.code, finding.severity) == (FindingCode.CERTIFICATE_DANE_ONLY, Severity.WARNING)
    assert "clients without DANE will reject" in finding.message
    assert "without DANE: untrusted" in finding.evidence
    for webpki in (Certificate(valid=True), None):
        both = _Probed(imap, [Mechanism.SRV], verified, webpki=webpki)
        assert not _report(both).dane_only
        assert FindingCode.CERTIFICATE_DANE_ONLY not in {
            f.code for f in _server_findings(both, now)
        }
