"""No option is silently ignored: what a Session fixes, what each call may change, and the
combinations that cannot work."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from autoconf import (
    AttemptStatus,
    Options,
    OptionsError,
    Protocol,
    Security,
    ServerSettings,
    Session,
    SourceName,
    Trust,
    discover,
)
from autoconf.errors import NetworkError
from autoconf.models import SourceAttempt
from autoconf.options import SESSION_FIELDS, DnssecMode, for_session_call
from autoconf.sources.base import SourceContext, SourceOutcome
from tests.timing import halfway


@pytest.mark.parametrize(
    ("name", "session_value", "call_value"),
    [
        ("nameservers", (("127.0.0.1", 53),), (("127.0.0.2", 53),)),
        ("block_private_addresses", False, True),
        ("max_discoveries", 4, 8),
        ("max_http_requests", 4, 8),
    ],
)
async def test_a_per_call_option_the_session_cannot_honour_raises(
    name: str, session_value: object, call_value: object
):
    """A call in a Session that asks for another value of a session-fixed option raises
    OptionsError naming the option and both values, before any work."""
    async with Session(Options(**{name: session_value})) as session:
        with pytest.raises(OptionsError) as raised:
            await session.discover("a@example.com", options=Options(**{name: call_value}))
    message = str(raised.value)
    assert name in message
    assert repr(session_value) in message
    assert repr(call_value) in message


def test_a_session_field_left_at_its_default_is_the_sessions():
    """A call that does not mention a session field runs with the session's value of it; its
    own per-call fields (deadline, mode, verify) are kept."""
    session = Options(block_private_addresses=True, nameservers=(("127.0.0.1", 5353),))
    effective = for_session_call(session, Options(deadline=2.0, verify=False))
    assert effective.block_private_addresses is True
    assert effective.nameservers == (("127.0.0.1", 5353),)
    assert (effective.deadline, effective.verify) == (2.0, False)


async def test_a_call_asking_for_another_dnssec_mode_or_anchor_raises(tmp_path: Path):
    """The Session's DNS client validates (and caches verdicts) in one DNSSEC mode from one
    set of trust anchors: a call asking for another raises OptionsError naming both sides;
    one leaving them at their defaults runs with the Session's."""
    anchors = tmp_path / "anchors"
    anchors.write_text(". IN DS 20326 8 2 " + "00" * 32 + "\n")
    session_options = Options(dnssec=DnssecMode.VALIDATE, trust_anchors=anchors)
    async with Session(session_options) as session:
        with pytest.raises(OptionsError) as raised:
            await session.discover("a@example.com", options=Options(dnssec=DnssecMode.RESOLVER))
        with pytest.raises(OptionsError, match="trust_anchors") as other:
            await session.discover(
                "a@example.com",
                options=Options(dnssec=DnssecMode.VALIDATE, trust_anchors=tmp_path / "x"),
            )
    assert "dnssec=<DnssecMode.RESOLVER" in str(raised.value)
    assert "dnssec=<DnssecMode.VALIDATE" in str(raised.value)
    assert str(tmp_path / "x") in str(other.value)
    effective = for_session_call(session_options, Options(verify=False))
    assert (effective.dnssec, effective.trust_anchors) == (DnssecMode.VALIDATE, anchors)


def test_session_fields_are_options_fields():
    """Every name the Session fixes is a field of Options (a typo would fix nothing)."""
    assert set(SESSION_FIELDS) <= set(Options.__dataclass_fields__)


class Silent:
    """A source that never answers (until cancelled)."""

    name = SourceName.AUTOCONFIG

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")  # pragma: no cover


async def test_a_per_call_deadline_is_honoured_in_a_session():
    """A call's own deadline (shorter than the session's) is the one that ends it."""
    async with Session(Options(deadline=30.0, verify=False)) as session:
        started = time.perf_counter()
        result = await session.discover(
            "a@example.com", options=Options(deadline=0.3, verify=False), sources=[Silent()]
        )
    assert time.perf_counter() - started < halfway(0.3, 30.0)  # the call's, not the session's
    assert result.attempts[0].status is AttemptStatus.TIMEOUT


@pytest.mark.parametrize(
    "extra",
    [
        {"nameservers": (("127.0.0.1", 53),)},
        {"ssl_context": __import__("ssl").create_default_context()},
        {"block_private_addresses": True},
    ],
)
async def test_an_injected_http_client_cannot_be_combined_with_network_options(
    extra: dict[str, object],
):
    """http_client with nameservers / ssl_context / block_private_addresses is refused,
    naming both (the client would bypass them)."""
    (name,) = extra
    async with httpx.AsyncClient() as client:
        with pytest.raises(OptionsError, match=f"http_client and {name}"):
            Options(http_client=client, **extra)  # type: ignore[arg-type]


async def test_an_injected_client_that_follows_redirects_is_refused():
    """A client following redirects itself would skip the redirect rules: refused."""
    async with httpx.AsyncClient(follow_redirects=True) as client:
        with pytest.raises(OptionsError, match="follow_redirects"):
            Options(http_client=client)


def test_an_injected_client_and_a_ca_file_are_refused(tmp_path: Path):
    """http_client with ca_file is refused too."""
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    client = httpx.AsyncClient()
    with pytest.raises(OptionsError, match="http_client and ca_file"):
        Options(http_client=client, ca_file=ca)


# --- block_private_addresses, for HTTP and for probes alike, against loopback servers ---


class Listener:
    """A loopback server on 127.0.0.1 (port 0) that counts connections and sends ``reply``."""

    def __init__(self, reply: bytes) -> None:
        self.reply = reply
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.write(self.reply)
        await writer.drain()
        writer.close()

    async def __aenter__(self) -> Listener:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


class LoopbackSource:
    """Fetches ``url`` through the call's network and proposes an IMAP server on loopback."""

    name = SourceName.SRV

    def __init__(self, url: str, imap_port: int) -> None:
        self.url = url
        self.imap_port = imap_port
        self.http_error: NetworkError | None = None

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        try:
            await ctx.network().http.get(self.url, ctx.deadline)
        except NetworkError as exc:
            self.http_error = exc
        server = ServerSettings(
            protocol=Protocol.IMAP,
            host="127.0.0.1",
            port=self.imap_port,
            security=Security.PLAIN,
            sources=[self.name],
            trust=Trust.HIGH,
        )
        attempt = SourceAttempt(source=self.name, target=self.url, status=AttemptStatus.OK)
        return SourceOutcome(source=self.name, attempts=[attempt], incoming=[server])


async def _servers() -> AsyncIterator[tuple[Listener, Listener]]:
    http = Listener(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    imap = Listener(b"* OK ready\r\n")
    async with http, imap:
        yield http, imap


@pytest.mark.parametrize("where", ["call", "session", "neither"])
async def test_block_private_addresses_blocks_loopback_for_http_and_probes(where: str):
    """block_private_addresses (given to a plain discover() or to the Session) keeps both
    the HTTP fetch and the probe away from 127.0.0.1; without it both connect."""
    async for http, imap in _servers():
        source = LoopbackSource(f"http://127.0.0.1:{http.port}/", imap.port)
        options = Options(deadline=3.0, block_private_addresses=where != "neither")
        if where == "session":
            async with Session(options) as session:
                result = await session.discover("a@example.com", sources=[source])
        else:
            result = await discover("a@example.com", options=options, sources=[source])
        verification = result.incoming[0].verification
        assert verification is not None
        if where == "neither":
            assert (http.connections, imap.connections) == (1, 1)
            assert source.http_error is None
        else:
            assert (http.connections, imap.connections) == (0, 0)
            assert source.http_error is not None
            assert not verification.reachable


def test_an_injected_resolver_and_nameservers_are_refused():
    """A resolver asks its own nameservers: giving nameservers too is refused, naming both."""
    import dns.asyncresolver

    resolver = dns.asyncresolver.Resolver(configure=False)
    with pytest.raises(OptionsError, match="resolver and nameservers"):
        Options(resolver=resolver, nameservers=(("127.0.0.1", 53),))
