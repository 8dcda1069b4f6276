"""Hostile mail servers, scripted on loopback: what the probe must survive and never do.

Each server is an asyncio server on 127.0.0.1 (port 0), bounded in time; each probe runs with
short phase limits. What held before is kept here (no credential before TLS, STARTTLS
injection caught, bad certificates refused) next to what did not (endless replies).
"""

from __future__ import annotations

import asyncio
import ssl
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import trustme

from autoconf import ServerSettings
from autoconf.models import CertificateKind, FailureKind, LoginStatus, TlsStatus, Verification
from autoconf.net.dns import DnsClient
from autoconf.options import Deadline, Options
from autoconf.probe.conversation import MAX_CONVERSATION, Login
from autoconf.probe.driver import ProbeLimits, probe_server
from tests.timing import halfway

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
SERVER_LIFETIME = 8.0  # seconds any scripted server lives at most
LOGIN = Login("alice@example.com", "hunter2-secret")
NO_DNS = DnsClient(nameservers=(("127.0.0.1", 9),))  # the hosts are IP literals: never asked


@dataclass
class Seen:
    """What a scripted server received, split at the TLS upgrade."""

    clear: list[bytes] = field(default_factory=list)
    encrypted: list[bytes] = field(default_factory=list)
    handshake_started: bool = False

    def everything(self) -> bytes:
        return b"".join(self.clear + self.encrypted)


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[int]]]:
    """Start a scripted server on 127.0.0.1 port 0 (optionally implicit TLS); gives its port."""
    servers: list[asyncio.Server] = []
    tasks: set[asyncio.Task[None]] = set()

    async def start(handler: Handler, ssl_context: ssl.SSLContext | None = None) -> int:
        async def bounded(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            tasks.add(task)
            try:
                async with asyncio.timeout(SERVER_LIFETIME):
                    await handler(reader, writer)
            except (TimeoutError, ConnectionError, ssl.SSLError, OSError):
                pass
            finally:
                writer.transport.abort()

        server = await asyncio.start_server(bounded, "127.0.0.1", 0, ssl=ssl_context)
        servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    yield start
    for server in servers:
        server.close()
    for task in list(tasks):
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for server in servers:
        await server.wait_closed()


def tls_pair(
    name: str = "127.0.0.1", **validity: datetime
) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a certificate for ``name`` and a client context trusting its CA."""
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name, **validity).configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    return server_ctx, client_ctx


DEADLINE_S = 10.0  # each probe's deadline


async def probe(
    port: int,
    protocol: str,
    security: str,
    *,
    client_ctx: ssl.SSLContext | None = None,
    login: Login | None = None,
    **timeouts: float,
) -> Verification:
    options = Options(**{f"{name}_timeout": value for name, value in timeouts.items()})
    return await probe_server(
        ServerSettings(protocol=protocol, host="127.0.0.1", port=port, security=security),
        dns=NO_DNS,
        ssl_context=client_ctx or ssl.create_default_context(),
        deadline=Deadline(DEADLINE_S),
        limits=ProbeLimits.from_options(options),
        login=login,
    )


# Scripts --------------------------------------------------------------------------------------

GREETING = {
    "imap": b"* OK hostile ready\r\n",
    "pop3": b"+OK hostile ready\r\n",
    "smtp": b"220 hostile\r\n",
}


def answer(protocol: str, line: bytes, *, caps: bytes) -> bytes:
    """A plausible answer to one command; ``caps`` are the capabilities offered."""
    word = line.split(b" ", 2)[1 if protocol == "imap" else 0].upper().strip()
    tag = line.split(b" ", 1)[0] if protocol == "imap" else b""
    if protocol == "imap":
        if word == b"CAPABILITY":
            return b"* CAPABILITY IMAP4rev1 " + caps + b"\r\n" + tag + b" OK done\r\n"
        if word == b"STARTTLS":
            return tag + b" OK begin TLS\r\n"
        if word in (b"LOGIN", b"AUTHENTICATE"):
            return tag + b" OK logged in\r\n"
        return tag + b" OK bye\r\n"
    if protocol == "pop3":
        if word == b"CAPA":
            return b"+OK\r\n" + caps.replace(b" ", b"\r\n") + b"\r\n.\r\n"
        return b"+OK\r\n"
    if word == b"EHLO":
        keywords = [b"250-hostile"] + [b"250-" + c for c in caps.split(b"|")]
        keywords[-1] = b"250 " + keywords[-1][4:]
        return b"\r\n".join(keywords) + b"\r\n"
    if word == b"STARTTLS":
        return b"220 go ahead\r\n"
    if word == b"AUTH":
        return b"235 ok\r\n"
    return b"250 ok\r\n"


def talker(
    protocol: str,
    caps: bytes,
    seen: Seen,
    *,
    server_ctx: ssl.SSLContext | None = None,
    after_starttls: bytes = b"",
) -> Handler:
    """A server that answers every command; on STARTTLS it upgrades (or, with
    ``after_starttls``, pipelines those bytes behind its OK, the injection pattern)."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(GREETING[protocol])
        encrypted = False
        while line := await reader.readline():
            (seen.encrypted if encrypted else seen.clear).append(line)
            reply = answer(protocol, line, caps=caps)
            starttls = line.upper().split(b" ")[1 if protocol == "imap" else 0].strip() in (
                b"STARTTLS",
                b"STLS",
            )
            writer.write(reply + (after_starttls if starttls else b""))
            await writer.drain()
            if starttls and server_ctx is not None and not after_starttls:
                seen.handshake_started = True
                await writer.start_tls(server_ctx)
                encrypted = True
            elif starttls:
                seen.handshake_started = bool(await reader.read(1))  # a ClientHello?
                return

    return handler


# No credential before TLS -------------------------------------------------------------------


async def test_smtp_offering_auth_before_starttls_gets_the_password_only_after_tls(serve):
    """EHLO offers AUTH PLAIN in clear: the client still upgrades first, then logs in."""
    server_ctx, client_ctx = tls_pair()
    seen = Seen()
    port = await serve(talker("smtp", b"AUTH PLAIN LOGIN|STARTTLS", seen, server_ctx=server_ctx))
    v = await probe(port, "smtp", "starttls", client_ctx=client_ctx, login=LOGIN)
    assert v.tls is TlsStatus.OK
    assert v.login is LoginStatus.OK
    assert not any(line.upper().startswith(b"AUTH") for line in seen.clear)
    assert b"hunter2" not in b"".join(seen.clear)
    assert any(line.upper().startswith(b"AUTH PLAIN") for line in seen.encrypted)


@pytest.mark.parametrize(
    ("protocol", "caps"),
    [
        ("imap", b"AUTH=PLAIN AUTH=LOGIN"),
        ("pop3", b"USER SASL PLAIN"),
        ("smtp", b"AUTH PLAIN LOGIN"),
    ],
)
async def test_a_plain_server_never_gets_a_credential(serve, protocol: str, caps: bytes):
    """A server published as plain text that offers logins: no user name or password sent."""
    seen = Seen()
    port = await serve(talker(protocol, caps, seen))
    v = await probe(port, protocol, "plain", login=LOGIN)
    assert v.login is LoginStatus.NOT_TRIED
    assert "only ever sent over TLS" in (v.login_detail or "")
    assert b"hunter2" not in seen.everything()
    assert b"alice" not in seen.everything()
    assert seen.clear  # it did talk: the capabilities were read


# STARTTLS injection -------------------------------------------------------------------------

INJECTED = {
    "imap": b"* CAPABILITY IMAP4rev1 AUTH=PLAIN INJECTED\r\n",
    "pop3": b"+OK\r\nINJECTED\r\n.\r\n",
    "smtp": b"250-INJECTED\r\n250 AUTH PLAIN\r\n",
}
STARTTLS_CAPS = {"imap": b"STARTTLS", "pop3": b"STLS SASL PLAIN", "smtp": b"STARTTLS"}


@pytest.mark.parametrize("protocol", ["imap", "pop3", "smtp"])
async def test_bytes_pipelined_after_the_starttls_reply_end_the_probe(serve, protocol: str):
    """Cleartext behind the STARTTLS OK is injection: protocol failure, no handshake, no login."""
    seen = Seen()
    handler = talker(protocol, STARTTLS_CAPS[protocol], seen, after_starttls=INJECTED[protocol])
    port = await serve(handler)
    v = await probe(port, protocol, "starttls", login=LOGIN)
    assert v.failure is FailureKind.PROTOCOL
    assert "injection" in (v.error or "")
    assert v.tls is TlsStatus.FAILED
    assert "INJECTED" not in " ".join(v.capabilities)
    assert not seen.handshake_started
    assert b"hunter2" not in seen.everything()


# Bad certificates ---------------------------------------------------------------------------

NOW = datetime.now(UTC)
BAD_CERTIFICATES = [
    ("wrong-name", {"name": "other.example"}, CertificateKind.HOSTNAME_MISMATCH),
    (
        "expired",
        {"not_before": NOW - timedelta(days=60), "not_after": NOW - timedelta(days=1)},
        CertificateKind.EXPIRED,
    ),
    (
        "not-yet-valid",
        {"not_before": NOW + timedelta(days=1), "not_after": NOW + timedelta(days=60)},
        CertificateKind.NOT_YET_VALID,
    ),
]


@pytest.mark.parametrize(("label", "issue", "kind"), BAD_CERTIFICATES, ids=lambda x: str(x)[:14])
@pytest.mark.parametrize("security", ["tls", "starttls"])
async def test_a_bad_certificate_is_refused_and_named(serve, label, issue, kind, security):
    """Wrong name, expired, not yet valid: TLS failed, the kind named, no credential sent."""
    del label
    server_ctx, client_ctx = tls_pair(**issue)
    seen = Seen()
    if security == "tls":
        port = await serve(talker("imap", b"AUTH=PLAIN", seen), ssl_context=server_ctx)
    else:
        port = await serve(talker("imap", b"STARTTLS", seen, server_ctx=server_ctx))
    v = await probe(port, "imap", security, client_ctx=client_ctx, login=LOGIN)
    assert v.tls is TlsStatus.FAILED
    assert v.failure is FailureKind.CERTIFICATE
    assert v.certificate is not None
    assert not v.certificate.valid
    assert v.certificate.kind is kind
    assert v.certificate.error == kind.value
    assert v.certificate.not_after is not None  # read from the refused certificate
    assert v.login is LoginStatus.NOT_TRIED
    assert b"hunter2" not in seen.everything()


async def test_a_certificate_from_an_unknown_ca_is_untrusted(serve):
    """A certificate for the right name from a CA the client does not trust: untrusted."""
    server_ctx, _ = tls_pair()
    seen = Seen()
    port = await serve(talker("imap", b"AUTH=PLAIN", seen), ssl_context=server_ctx)
    v = await probe(port, "imap", "tls", client_ctx=ssl.create_default_context(), login=LOGIN)
    assert v.failure is FailureKind.CERTIFICATE
    assert v.certificate is not None
    assert v.certificate.kind is CertificateKind.UNTRUSTED
    assert b"hunter2" not in seen.everything()


# Endless replies ----------------------------------------------------------------------------

ENDLESS = {
    "imap": (b"CAPABILITY", b"", b"* CAPABILITY IMAP4rev1 " + b"X-FILLER " * 100 + b"\r\n"),
    "smtp": (b"EHLO", b"", b"250-X-FILLER " + b"x" * 900 + b"\r\n"),
    "pop3": (b"CAPA", b"+OK capabilities follow\r\n", b"X-FILLER " + b"x" * 900 + b"\r\n"),
}


def endless(protocol: str) -> Handler:
    """Greets, then answers the capability query with lines that never end the reply."""
    command, first, line = ENDLESS[protocol]
    chunk = line * 64

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(GREETING[protocol])
        while request := await reader.readline():
            if command in request.upper():
                writer.write(first)
                while True:  # until the client hangs up (or the server's lifetime ends)
                    writer.write(chunk)
                    await writer.drain()
            writer.write(answer(protocol, request, caps=b""))

    return handler


FIRST_BYTE = 8.0  # seconds: far above what reading to the cap takes, below the deadline


@pytest.mark.parametrize("protocol", ["imap", "smtp", "pop3"])
async def test_an_endless_reply_ends_the_probe_quickly_with_bounded_memory(serve, protocol):
    """Capability lines sent forever: a protocol failure at the reply cap, not at the limit."""
    port = await serve(endless(protocol))
    tracemalloc.start()
    try:
        started = time.perf_counter()
        v = await probe(port, protocol, "plain", first_byte=FIRST_BYTE)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert v.failure is FailureKind.PROTOCOL
    assert "longer than" in (v.error or "")
    assert elapsed < halfway(0.0, FIRST_BYTE)  # the first-byte limit never came into it
    assert peak < 4 * MAX_CONVERSATION + 2_000_000  # bytes; without the cap, hundreds of MB
    assert len(v.error or "") <= 500


# A server that drips -------------------------------------------------------------------------


async def test_a_server_sending_one_byte_per_second_is_bounded_by_the_phase_limit(serve):
    """A greeting at one byte a second costs the first-byte limit, not the whole greeting."""

    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        del reader
        for byte in b"* OK a very slow greeting indeed\r\n":
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(1.0)

    port = await serve(drip)
    started = time.perf_counter()
    v = await probe(port, "imap", "plain", first_byte=1.5)
    elapsed = time.perf_counter() - started
    assert v.failure is FailureKind.TIMEOUT
    assert "no complete greeting within 1.5 s" in (v.error or "")
    # Not the whole greeting (34 s), nor the deadline (10 s), which would come first.
    assert 1.4 < elapsed < halfway(1.5, DEADLINE_S)
