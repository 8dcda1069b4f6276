from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import trustme

from autoconf import (
    ServerSettings,
    TlsStatus,
    Verification,
    WarningCode,
)
from autoconf.engine.rank import rerank, verification_warnings
from autoconf.models import FailureKind
from autoconf.net.dns import DnsClient
from autoconf.options import Deadline, Options
from autoconf.probe.conversation import Login
from autoconf.probe.driver import ProbeLimits, probe_server
from tests.timing import halfway

from ..fakes import FakeDns

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[int]]]:
    """Start a scripted TCP server on 127.0.0.1; returns its port."""
    servers: list[asyncio.Server] = []

    async def start(handler: Handler) -> int:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def smtp_without_starttls() -> Handler:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 test ESMTP\r\n")
        seen: list[bytes] = []
        while line := await reader.readline():
            seen.append(line)
            if line.startswith(b"EHLO"):
                writer.write(b"250-test\r\n250 AUTH PLAIN\r\n")
            elif line.startswith(b"QUIT"):
                writer.write(b"221 bye\r\n")
                break
            else:
                writer.write(b"502 no\r\n")  # anything else, e.g. AUTH, would be a leak
                break
        await writer.drain()
        writer.close()
        handler.seen = seen  # type: ignore[attr-defined]

    return handler


async def run_probe(port: int, security: str, login: Login | None = None, **limits: float):
    server = ServerSettings(protocol="smtp", host="127.0.0.1", port=port, security=security)
    return server, await probe_server(
        server,
        dns=DnsClient(nameservers=(("127.0.0.1", 9),)),
        ssl_context=ssl.create_default_context(),
        deadline=Deadline(5),
        limits=ProbeLimits.from_options(Options(**{f"{k}_timeout": v for k, v in limits.items()})),
        login=login,
    )


async def test_starttls_not_offered_is_reported_and_nothing_is_sent_in_clear(serve):
    """A STARTTLS server that lacks STARTTLS: tls not-offered, a warning, no AUTH sent."""
    handler = smtp_without_starttls()
    port = await serve(handler)
    server, v = await run_probe(port, "starttls", Login("u", "secret-password"))
    assert v.reachable
    assert v.tls is TlsStatus.NOT_OFFERED
    assert v.failure is FailureKind.STARTTLS_NOT_OFFERED
    assert "does not offer STARTTLS" in (v.error or "")
    assert all(b"AUTH" not in line for line in handler.seen)
    probed = server.model_copy(update={"verification": v})
    codes = [w.code for w in verification_warnings([probed])]
    assert codes == [WarningCode.STARTTLS_NOT_OFFERED]


async def test_silent_server_times_out_at_the_phase_limit(serve):
    """A server that never greets costs the first-byte limit, not the whole deadline."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    port = await serve(silent)
    loop = asyncio.get_running_loop()
    started = loop.time()
    _, v = await run_probe(port, "starttls", first_byte=0.3)
    assert loop.time() - started < halfway(0.3, 5.0)  # the phase limit, not the deadline (5 s)
    assert "no complete greeting within" in (v.error or "")
    assert v.failure is FailureKind.TIMEOUT


async def test_tls_handshake_with_a_plain_server_fails_cleanly(serve):
    """Implicit TLS against a plain-text server is tls failed with a reason, no crash."""
    port = await serve(smtp_without_starttls())
    _, v = await run_probe(port, "tls", tls=1.0)
    assert v.tls is TlsStatus.FAILED
    assert v.failure in (FailureKind.TLS_HANDSHAKE, FailureKind.TIMEOUT)
    assert v.error


async def test_connection_refused_is_unreachable():
    """A closed port is reachable False with the reason."""
    _, v = await run_probe(1, "tls")
    assert not v.reachable
    assert "cannot connect" in (v.error or "")
    assert v.failure is FailureKind.REFUSED


def test_rerank_puts_verified_first_and_failed_last():
    """After probing, a verified server outranks an unprobed one; a failed one goes last."""
    from autoconf import Verification

    def server(host: str, verification: Verification | None) -> ServerSettings:
        return ServerSettings(
            protocol="imap", host=host, port=993, security="tls", verification=verification
        )

    failed = server("a.example", Verification(reachable=True, tls=TlsStatus.FAILED, error="x"))
    unknown = server("b.example", None)
    ok = server("c.example", Verification(reachable=True, tls=TlsStatus.OK))
    assert [s.host for s in rerank([failed, unknown, ok])] == [
        "c.example",
        "b.example",
        "a.example",
    ]


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every TCP connection the driver attempts; each is refused at once."""
    attempts: list[str] = []

    async def refused(host: str, port: int, **kwargs: object) -> None:
        del port, kwargs
        attempts.append(host)
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(asyncio, "open_connection", refused)
    return attempts


async def probe_host(dns: object, *, block_private: bool = False):
    server = ServerSettings(protocol="imap", host="many.example", port=993, security="tls")
    return await probe_server(
        server,
        dns=dns,  # type: ignore[arg-type]
        ssl_context=ssl.create_default_context(),
        deadline=Deadline(5),
        limits=ProbeLimits.from_options(Options()),
        block_private=block_private,
    )


async def test_a_host_with_a_thousand_addresses_costs_a_few_attempts(connects: list[str]):
    """1,049 addresses: at most 4 connection attempts, both families, and a short error."""
    ips = [f"198.51.{i // 250}.{i % 250 + 1}" for i in range(1000)]
    ips += [f"2001:db8::{i + 1:x}" for i in range(49)]
    v = await probe_host(FakeDns(every_host=ips))
    assert not v.reachable
    assert v.failure is FailureKind.REFUSED
    assert 1 <= len(connects) <= 4
    assert {":" in ip for ip in connects} == {True, False}  # IPv6 and IPv4 interleaved
    assert len(v.error or "") <= 500
    assert len(v.model_dump_json()) < 2000


@pytest.mark.parametrize("ip", ["100.64.0.1", "127.0.0.1", "::ffff:10.0.0.1", "169.254.169.254"])
async def test_a_private_target_is_blocked_before_any_connection(connects: list[str], ip: str):
    """With block_private, a target on CGNAT, loopback or private space is never connected."""
    v = await probe_host(FakeDns(every_host=[ip]), block_private=True)
    assert connects == []
    assert not v.reachable
    assert v.failure is FailureKind.BLOCKED
    assert "blocked" in (v.error or "")


async def test_only_the_public_addresses_of_a_mixed_host_are_tried(connects: list[str]):
    """A host with a private and a public address: only the public one is tried."""
    mixed = ["10.1.2.3", "100.64.0.1", "192.0.2.1", "1.1.1.1"]  # the connection is faked
    v = await probe_host(FakeDns(every_host=mixed), block_private=True)
    assert v.failure is FailureKind.REFUSED
    assert connects == ["1.1.1.1"]  # 192.0.2.1 is documentation space: not global either


NO_DNS = DnsClient(nameservers=(("127.0.0.1", 9),))  # IP literals never ask it


def _tls_pair(name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    return server_ctx, client_ctx


async def _probe_loopback(
    handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
    security: str,
    client_ctx: ssl.SSLContext,
    *,
    server_ctx: ssl.SSLContext | None = None,
) -> Verification:
    """Probe an IMAP server on 127.0.0.1 that ``handle`` scripts, then close it."""
    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_ctx)
    port = server.sockets[0].getsockname()[1]
    try:
        return await probe_server(
            ServerSettings(protocol="imap", host="127.0.0.1", port=port, security=security),
            dns=NO_DNS,
            ssl_context=client_ctx,
            deadline=Deadline(5),
        )
    finally:
        server.close()
        await server.wait_closed()


async def test_an_ip_literal_host_is_checked_against_the_certificate():
    """A server published as an IP must present a certificate for that IP."""
    server_ctx, client_ctx = _tls_pair("some-other-name.example")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(b"* OK ready\r\n")
            await reader.read(100)
        finally:
            writer.close()

    v = await _probe_loopback(handle, "tls", client_ctx, server_ctx=server_ctx)
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

    v = await _probe_loopback(handle, "starttls", client_ctx)
    assert "injection" in (v.error or "")
    assert v.tls is not TlsStatus.OK
    assert "INJECTED" not in v.capabilities
