"""Regression tests for defects found in review: trust, passwords, TLS identity, injection."""

from __future__ import annotations

import asyncio
import ssl

import trustme

from autoconf import (
    AttemptStatus,
    Protocol,
    Security,
    ServerSettings,
    SourceName,
    TlsStatus,
    Trust,
    Verification,
    parse_address,
)
from autoconf.net.dns import DnsClient
from autoconf.options import Deadline
from autoconf.parsers.clientconfig import parse_clientconfig
from autoconf.probe.driver import probe_server
from autoconf.rank import merge
from autoconf.sources.base import SourceOutcome
from autoconf.verify import password_refusal

NO_DNS = DnsClient(nameservers=(("127.0.0.1", 9),))  # IP literals never ask it


def _imap(host: str, source: SourceName, trust: Trust, **extra: object) -> ServerSettings:
    return ServerSettings(
        protocol=Protocol.IMAP,
        host=host,
        port=993,
        security=Security.TLS,
        sources=[source],
        trust=trust,
        **extra,
    )


def _outcome(*servers: ServerSettings) -> SourceOutcome:
    return SourceOutcome(source=servers[0].sources[0], attempts=[], incoming=list(servers))


def test_two_weak_hints_do_not_make_a_trusted_server():
    """A low-trust SRV target and a low-trust Autodiscover answer agreeing stay low."""
    srv = _imap("imap.evil.example", SourceName.SRV, Trust.LOW)
    adsc = _imap("imap.evil.example", SourceName.AUTODISCOVER, Trust.LOW)
    ranked = merge([_outcome(srv), _outcome(adsc)])
    assert ranked.incoming[0].trust is Trust.LOW


def test_two_medium_sources_agreeing_still_raise_trust():
    """Independent medium-trust sources that agree are raised to high."""
    srv = _imap("imap.example.com", SourceName.SRV, Trust.MEDIUM)
    mx = _imap("imap.example.com", SourceName.MX, Trust.MEDIUM)
    assert merge([_outcome(srv), _outcome(mx)]).incoming[0].trust is Trust.HIGH


def test_guessed_servers_do_not_outrank_published_ones_without_verification():
    """With verification off, a guess's own probe result does not lift it above autoconfig."""
    guessed = _imap(
        "mail.example.com",
        SourceName.GUESS,
        Trust.LOW,
        verification=Verification(reachable=True, tls=TlsStatus.OK),
    )
    published = _imap("imap.example.com", SourceName.AUTOCONFIG, Trust.HIGH)
    hosts = [
        s.host
        for s in merge([_outcome(guessed), _outcome(published)], use_verification=False).incoming
    ]
    assert hosts == ["imap.example.com", "mail.example.com"]


def test_password_goes_only_to_hosts_a_trusted_source_named():
    """Passwords go to high-trust hosts or to medium-trust hosts inside the email domain."""
    domain = "example.com"
    assert (
        password_refusal(_imap("imap.provider.net", SourceName.AUTOCONFIG, Trust.HIGH), domain)
        is None
    )
    assert password_refusal(_imap("imap.example.com", SourceName.SRV, Trust.MEDIUM), domain) is None
    for server in (
        _imap("imap.attacker.example", SourceName.AUTOCONFIG_HTTP, Trust.LOW),
        _imap("imap.attacker.example", SourceName.SRV, Trust.LOW),
        _imap("imap.hoster.example", SourceName.MX, Trust.MEDIUM),
        _imap("imap.example.com", SourceName.AUTOCONFIG_HTTP, Trust.LOW),
    ):
        reason = password_refusal(server, domain)
        assert reason is not None
        assert "password was not sent" in reason


def test_enable_without_instructions_is_kept():
    """An <enable visiturl> with no <instruction> children is not dropped."""
    doc = b"""<clientConfig><emailProvider id="x"><domain>x.example</domain>
      <incomingServer type="imap"><hostname>imap.x.example</hostname><port>993</port>
      <socketType>SSL</socketType><authentication>password-cleartext</authentication>
      </incomingServer></emailProvider>
      <enable visiturl="https://x.example/enable"/><webMail><loginPage url="https://w/"/></webMail>
      </clientConfig>"""
    config = parse_clientconfig(doc, parse_address("a@x.example"))
    assert config.provider.enable is not None
    assert config.provider.enable.visit_url == "https://x.example/enable"
    assert config.provider.webmail_url == "https://w/"


def _tls_pair(name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    return server_ctx, client_ctx


async def test_an_ip_literal_host_is_checked_against_the_certificate():
    """A server published as an IP must present a certificate for that IP."""
    server_ctx, client_ctx = _tls_pair("some-other-name.example")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(b"* OK ready\r\n")
            await reader.read(100)
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_ctx)
    port = server.sockets[0].getsockname()[1]
    try:
        v = await probe_server(
            ServerSettings(protocol="imap", host="127.0.0.1", port=port, security="tls"),
            dns=NO_DNS,
            ssl_context=client_ctx,
            deadline=Deadline(5),
        )
    finally:
        server.close()
        await server.wait_closed()
    assert v.tls is TlsStatus.FAILED
    assert v.certificate is not None
    assert v.certificate.error == "hostname-mismatch"


async def test_bytes_injected_after_starttls_ok_are_refused():
    """Cleartext sent right behind the STARTTLS OK (even filling a whole read) ends the probe."""
    server_ctx, client_ctx = _tls_pair("localhost")
    del server_ctx  # the handshake must never start

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(b"* OK ready\r\n")
            await reader.readline()
            writer.write(b"* CAPABILITY IMAP4rev1 STARTTLS\r\na1 OK done\r\n")
            await reader.readline()
            ok = b"a2 OK " + b"x" * (4096 - 8) + b"\r\n"  # exactly one 4096-byte read
            writer.write(ok + b"* CAPABILITY IMAP4rev1 INJECTED AUTH=PLAIN\r\n")
            await writer.drain()
            await reader.read(100)
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        v = await probe_server(
            ServerSettings(protocol="imap", host="127.0.0.1", port=port, security="starttls"),
            dns=NO_DNS,
            ssl_context=client_ctx,
            deadline=Deadline(5),
        )
    finally:
        server.close()
        await server.wait_closed()
    assert "injection" in (v.error or "")
    assert v.tls is not TlsStatus.OK
    assert "INJECTED" not in v.capabilities


def test_attempt_status_values_are_stable():
    """The attempt statuses the contract names are the enum's values (12.11 added two)."""
    assert [s.value for s in AttemptStatus] == [
        "ok",
        "empty",
        "error",
        "timeout",
        "skipped",
        "no-domain",
        "unresolved",
    ]


def test_a_probe_cut_short_by_the_deadline_does_not_count_as_a_failure():
    """A failed probe that ended with the deadline leaves the server unverified, not failed."""
    from autoconf import Options, Session
    from autoconf._data import default_ispdb
    from autoconf.sources.base import SourceContext
    from autoconf.verify import Prober

    clock = iter([0.0, 10.0, 10.0, 10.0])
    deadline = Deadline(1.0, clock=lambda: next(clock))
    ctx = SourceContext(
        address=parse_address("a@example.com"),
        options=Options(),
        deadline=deadline,
        ispdb=default_ispdb(),
        network=lambda: Session().network().for_call(Options()),
    )
    prober = Prober(ctx)
    server = _imap("imap.example.com", SourceName.AUTOCONFIG, Trust.HIGH)
    prober._servers[server.endpoint] = server
    event = prober._record(server.endpoint, Verification(reachable=True, error="no greeting"))
    assert event.server.verification is not None  # still shown as progress
    assert server.endpoint not in prober.verified  # but not held against the server
