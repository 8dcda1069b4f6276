from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from autoconf import ServerSettings, TlsStatus, WarningCode
from autoconf.net.dns import DnsClient
from autoconf.options import Deadline, Options
from autoconf.probe.conversation import Login
from autoconf.probe.driver import ProbeLimits, probe_server
from autoconf.rank import rerank, verification_warnings

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
    assert loop.time() - started < 1.5
    assert "no complete greeting within" in (v.error or "")


async def test_tls_handshake_with_a_plain_server_fails_cleanly(serve):
    """Implicit TLS against a plain-text server is tls failed with a reason, no crash."""
    port = await serve(smtp_without_starttls())
    _, v = await run_probe(port, "tls", tls=1.0)
    assert v.tls is TlsStatus.FAILED
    assert v.error


async def test_connection_refused_is_unreachable():
    """A closed port is reachable False with the reason."""
    _, v = await run_probe(1, "tls")
    assert not v.reachable
    assert "cannot connect" in (v.error or "")


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
