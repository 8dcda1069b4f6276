"""DANE in the probe: secure TLSA records decide the certificate, nothing else relaxes it.

Scripted servers on 127.0.0.1 (implicit-TLS IMAP, STARTTLS SMTP) present certificates from a
CA the client does not trust; the TLSA answer comes from a fake DNS client, marked secure or
not, so no resolver or signed zone is needed.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from autoconf import ServerSettings, Verification
from autoconf.errors import DnsError, DnsFailure
from autoconf.models import (
    CertificateKind,
    DaneStatus,
    DnssecStatus,
    FailureKind,
    LoginStatus,
    TlsStatus,
)
from autoconf.net.dns import DnsAnswer
from autoconf.options import Deadline, DnssecMode, Options
from autoconf.parsers.tlsa import TlsaRecord
from autoconf.probe.conversation import Login
from autoconf.probe.driver import ProbeLimits, probe_server

from ..fakes import FakeDns

HOST = "mail.dane.test"
LIMITS = ProbeLimits.from_options(Options(dnssec=DnssecMode.VALIDATE))
LOGIN = Login("alice@dane.test", "not-a-real-password")


class TlsaDns(FakeDns):
    """The fake DNS client with one TLSA answer (or error) for every ``_PORT._tcp.HOST``."""

    def __init__(self, answer: DnsAnswer[TlsaRecord] | Exception) -> None:
        super().__init__({HOST: ["127.0.0.1"]})
        self.answer = answer

    async def tlsa(
        self, host: str, port: int, deadline: Deadline, *, limit: float | None = None
    ) -> DnsAnswer[TlsaRecord]:
        deadline.phase(limit)
        self.asked.append(f"_{port}._tcp.{host} TLSA")
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@dataclass
class Served:
    port: int
    leaf: bytes  # the presented certificate (DER)
    lines: list[bytes] = field(default_factory=list)  # every line the server received


def _leaf_der(leaf: trustme.LeafCert) -> bytes:
    cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    return cert.public_bytes(serialization.Encoding.DER)


def ee(der: bytes) -> TlsaRecord:
    """``3 1 1`` of a certificate: the SHA-256 of its public key."""
    spki = (
        x509.load_der_x509_certificate(der)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return TlsaRecord(3, 1, 1, hashlib.sha256(spki).digest())


def _reply(line: bytes) -> bytes:
    words = line.split()
    verb = words[0].upper() if words else b""
    if verb == b"EHLO":
        return b"250-dane\r\n250 AUTH PLAIN\r\n"
    if verb == b"AUTH":
        return b"535 5.7.8 refused\r\n"
    if verb == b"QUIT":
        return b"221 bye\r\n"
    tag, command = [*words, b"", b""][:2]
    if command.upper() == b"CAPABILITY":
        return b"* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR\r\n" + tag + b" OK done\r\n"
    if command.upper() in (b"AUTHENTICATE", b"LOGIN"):
        return tag + b" NO refused\r\n"
    return tag + b" OK bye\r\n"


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[Served]]]:
    """Start a server with a certificate of an untrusted CA: IMAP over TLS or SMTP STARTTLS."""
    servers: list[asyncio.Server] = []
    handlers: set[asyncio.Task[None]] = set()

    async def start(
        *,
        starttls: bool = False,
        expired: bool = False,
        ca: trustme.CA | None = None,
        name: str = HOST,
    ) -> Served:
        past = datetime.now(UTC) - timedelta(days=30)
        dates = {"not_before": past, "not_after": past + timedelta(days=1)} if expired else {}
        leaf = (ca or trustme.CA()).issue_cert(name, **dates)
        server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        leaf.configure_cert(server_ctx)
        served = Served(0, _leaf_der(leaf))

        async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            handlers.add(task)
            try:
                async with asyncio.timeout(8.0):
                    await _converse(reader, writer, served, server_ctx if starttls else None)
            except (TimeoutError, OSError, ssl.SSLError):
                pass
            finally:
                writer.transport.abort()

        tls = None if starttls else server_ctx
        server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=tls)
        servers.append(server)
        served.port = int(server.sockets[0].getsockname()[1])
        return served

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()
    # A handler the probe left waiting (it hung up mid-handshake): ended here, not by the loop.
    waiting = {t for t in handlers if not t.done()}
    if waiting:
        await asyncio.wait(waiting, timeout=5.0)


async def _converse(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    served: Served,
    starttls: ssl.SSLContext | None,
) -> None:
    writer.write(b"220 dane ESMTP\r\n" if starttls else b"* OK dane ready\r\n")
    while line := await reader.readline():
        served.lines.append(line)
        if starttls is not None and line.upper().startswith(b"EHLO"):
            writer.write(b"250-dane\r\n250 STARTTLS\r\n")
        elif starttls is not None and line.upper().startswith(b"STARTTLS"):
            writer.write(b"220 go ahead\r\n")
            await writer.drain()
            await writer.start_tls(starttls)
            starttls = None
            continue
        else:
            writer.write(_reply(line))
        await writer.drain()


async def probe(
    served: Served,
    dns: TlsaDns,
    *,
    starttls: bool = False,
    limits: ProbeLimits = LIMITS,
    trusted: trustme.CA | None = None,
):
    """Probe the served server with a login; the client trusts only ``trusted`` (or no CA)."""
    client_ctx = ssl.create_default_context()
    (trusted or trustme.CA()).configure_trust(client_ctx)
    server = ServerSettings(
        protocol="smtp" if starttls else "imap",
        host=HOST,
        port=served.port,
        security="starttls" if starttls else "tls",
    )
    return await probe_server(
        server, dns=dns, ssl_context=client_ctx, deadline=Deadline(10), limits=limits, login=LOGIN
    )


def _sent_login(served: Served) -> bool:
    return any(b"AUTH" in line.upper() or b"LOGIN" in line.upper() for line in served.lines)


def assert_refused(v: Verification, served: Served, kind: CertificateKind, dane: DaneStatus):
    """TLS failed on the certificate (of ``kind``), ``dane`` as given, and no login was sent."""
    assert (v.tls, v.failure, v.dane) == (TlsStatus.FAILED, FailureKind.CERTIFICATE, dane), v
    assert v.certificate is not None
    assert not v.certificate.valid
    assert v.certificate.kind is kind
    assert v.login is LoginStatus.NOT_TRIED
    assert not _sent_login(served)


async def test_dane_ee_verifies_a_certificate_no_trusted_ca_signed(serve):
    """A secure 3 1 1 of the leaf: TLS verified by DANE, and the login goes ahead after it."""
    served = await serve()
    record = ee(served.leaf)
    v = await probe(served, TlsaDns(DnsAnswer((record,), DnssecStatus.SECURE)))
    assert (v.tls, v.failure, v.dane) == (
        TlsStatus.OK,
        FailureKind.AUTH_REFUSED,
        DaneStatus.VERIFIED,
    ), v
    assert v.dane_record == record.to_text()
    assert v.certificate is not None
    assert v.certificate.valid
    assert v.certificate.subject_names == [HOST]
    assert v.login is LoginStatus.FAILED  # the server refused it: so it was sent, after TLS
    assert _sent_login(served)


async def test_dane_ee_over_starttls_accepts_an_expired_certificate(serve):
    """STARTTLS too; DANE-EE ignores the dates of the certificate it pins (RFC 7671 §5.1)."""
    served = await serve(starttls=True, expired=True)
    v = await probe(
        served, TlsaDns(DnsAnswer((ee(served.leaf),), DnssecStatus.SECURE)), starttls=True
    )
    assert (v.tls, v.dane) == (TlsStatus.OK, DaneStatus.VERIFIED), v
    assert v.certificate is not None
    assert v.certificate.valid
    assert v.capabilities == ["AUTH PLAIN"]  # the EHLO after TLS


async def test_a_dane_mismatch_is_a_certificate_failure_and_no_login_is_sent(serve):
    """Secure records that match nothing: failure certificate, kind dane-mismatch, no login."""
    served = await serve(starttls=True)
    other = _leaf_der(trustme.CA().issue_cert(HOST))
    record = ee(other)
    v = await probe(served, TlsaDns(DnsAnswer((record,), DnssecStatus.SECURE)), starttls=True)
    assert_refused(v, served, CertificateKind.DANE_MISMATCH, DaneStatus.FAILED)
    assert v.certificate is not None
    assert v.certificate.subject_names == [HOST]
    assert v.dane_record == record.to_text()
    assert "dane-mismatch" in (v.error or "")


def ta(ca: trustme.CA) -> TlsaRecord:
    """``2 0 1`` of a CA: the SHA-256 of its whole certificate."""
    der = x509.load_pem_x509_certificate(ca.cert_pem.bytes()).public_bytes(
        serialization.Encoding.DER
    )
    return TlsaRecord(2, 0, 1, hashlib.sha256(der).digest())


async def test_dane_ta_verifies_a_chain_the_server_presents(serve):
    """2 0 1 of the intermediate the server sends: its chain is read and checked up to it."""
    intermediate = trustme.CA().create_child_ca()
    served = await serve(ca=intermediate)
    record = ta(intermediate)
    v = await probe(served, TlsaDns(DnsAnswer((record,), DnssecStatus.SECURE)))
    assert (v.tls, v.dane, v.dane_record) == (TlsStatus.OK, DaneStatus.VERIFIED, record.to_text())


async def test_dane_ta_still_checks_the_host_name(serve):
    """DANE-TA is no DANE-EE: a chain to the named CA for another host name is refused."""
    intermediate = trustme.CA().create_child_ca()
    served = await serve(ca=intermediate, name="other.dane.test")
    v = await probe(served, TlsaDns(DnsAnswer((ta(intermediate),), DnssecStatus.SECURE)))
    assert_refused(v, served, CertificateKind.DANE_MISMATCH, DaneStatus.FAILED)


async def test_dane_ta_accepts_the_name_a_secure_alias_expands_to(serve):
    """The host is a secure CNAME alias: a leaf for the name it expands to passes DANE-TA
    (RFC 7671 §7), since the TLSA answer names both as reference identifiers."""
    intermediate = trustme.CA().create_child_ca()
    served = await serve(ca=intermediate, name="real.dane.test")
    answer = DnsAnswer((ta(intermediate),), DnssecStatus.SECURE, names=("real.dane.test", HOST))
    v = await probe(served, TlsaDns(answer))
    assert (v.tls, v.dane) == (TlsStatus.OK, DaneStatus.VERIFIED), v


@pytest.mark.parametrize("status", [DnssecStatus.SECURE, DnssecStatus.INSECURE, None])
async def test_the_verification_says_what_dnssec_proved_of_the_address(serve, status):
    """``address_dnssec`` is the DNS client's status of the address the probe used; None
    (DNSSEC off) leaves the verification as it always was."""
    served = await serve()
    dns = TlsaDns(DnsAnswer((ee(served.leaf),), DnssecStatus.SECURE))
    dns.dnssec = status
    v = await probe(served, dns)
    assert v.address == "127.0.0.1"
    assert v.address_dnssec is status


async def test_dane_decides_even_where_a_trusted_ca_would_pass(serve):
    """With secure records the CA's word does not count: a mismatch fails a trusted chain."""
    ca = trustme.CA()
    no_records = await probe(
        await serve(ca=ca), TlsaDns(DnsAnswer((), DnssecStatus.SECURE)), trusted=ca
    )
    assert (no_records.failure, no_records.dane) == (FailureKind.AUTH_REFUSED, DaneStatus.NONE)
    served = await serve(ca=ca)
    record = ee(_leaf_der(trustme.CA().issue_cert(HOST)))
    v = await probe(served, TlsaDns(DnsAnswer((record,), DnssecStatus.SECURE)), trusted=ca)
    assert_refused(v, served, CertificateKind.DANE_MISMATCH, DaneStatus.FAILED)


@pytest.mark.parametrize("status", [DnssecStatus.INSECURE, DnssecStatus.UNKNOWN, None], ids=str)
async def test_a_tlsa_answer_that_is_not_secure_relaxes_nothing(serve, status):
    """A matching record that DNSSEC does not prove: the normal check refuses the unknown CA."""
    served = await serve()
    v = await probe(served, TlsaDns(DnsAnswer((ee(served.leaf),), status)))
    assert_refused(v, served, CertificateKind.UNTRUSTED, DaneStatus.NONE)
    assert v.dane_record is None


async def test_only_pkix_usages_leave_the_normal_check(serve):
    """Secure records of usages 0/1 only are unusable here: the normal check decides."""
    served = await serve()
    pkix = TlsaRecord(1, 1, 1, ee(served.leaf).data)
    v = await probe(served, TlsaDns(DnsAnswer((pkix,), DnssecStatus.SECURE)))
    assert (v.failure, v.dane) == (FailureKind.CERTIFICATE, DaneStatus.NONE)
    assert v.certificate is not None
    assert v.certificate.kind is CertificateKind.UNTRUSTED


async def test_a_failed_tlsa_lookup_leaves_the_normal_check(serve):
    """A TLSA look-up that fails proves nothing: the normal check decides, dane none."""
    served = await serve()
    v = await probe(served, TlsaDns(DnsError("SERVFAIL", host=HOST)))
    assert (v.failure, v.dane) == (FailureKind.CERTIFICATE, DaneStatus.NONE)


@pytest.mark.parametrize("raised", [False, True], ids=["answer", "error"])
async def test_bogus_tlsa_records_fail_the_certificate(serve, raised):
    """TLSA records whose signatures do not validate (an answer marked bogus, or the DNS
    client's bogus error): a DANE failure, not a fallback to the normal check."""
    served = await serve()
    error = DnsError("bogus", kind=DnsFailure.BOGUS, host=HOST)
    bogus = error if raised else DnsAnswer((ee(served.leaf),), DnssecStatus.BOGUS)
    v = await probe(served, TlsaDns(bogus))
    assert_refused(v, served, CertificateKind.DANE_BOGUS, DaneStatus.FAILED)
    assert v.dane_record is None
    assert "bogus" in (v.error or "")


async def test_without_dnssec_no_tlsa_is_asked(serve):
    """DNSSEC off (the default): no TLSA look-up, ``dane`` stays None, the normal check."""
    served = await serve()
    dns = TlsaDns(DnsAnswer((ee(served.leaf),), DnssecStatus.SECURE))
    v = await probe(served, dns, limits=ProbeLimits.from_options(Options()))
    assert (v.failure, v.dane) == (FailureKind.CERTIFICATE, None)
    assert not any("TLSA" in asked for asked in dns.asked)


async def test_an_unreachable_server_has_no_dane_status():
    """No TLS reached: ``dane`` is None, and the running look-up is not left behind."""
    dns = TlsaDns(DnsAnswer((), DnssecStatus.SECURE))
    served = Served(9, b"")  # the discard port: refused
    v = await probe(served, dns)
    assert not v.reachable
    assert v.dane is None
