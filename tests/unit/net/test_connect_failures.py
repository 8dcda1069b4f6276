"""Lasting connect failures are remembered briefly per host and port; timeouts never are."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl

import pytest
import trustme

from autoconf.errors import HostNotFound, NetworkError, TLSError
from autoconf.net.dns import DnsClient
from autoconf.net.http import ConnectFailures, HttpFetcher, make_http_client
from autoconf.options import Deadline
from tests.unit.net.test_http import FakeDns, Reply, serve


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fetcher_with(failures: ConnectFailures, dns: object, context: ssl.SSLContext | None = None):
    client = make_http_client(
        dns=dns,  # type: ignore[arg-type]
        ssl_context=context or ssl.create_default_context(),
        failures=failures,
    )
    fetcher = HttpFetcher(
        client, connect_timeout=1, tls_timeout=1, first_byte_timeout=1, failures=failures
    )
    return client, fetcher


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_refused_port_is_not_tried_again_until_the_failure_expires():
    """A refused connection is raised again at once within the TTL, then tried afresh."""
    clock = Clock()
    failures = ConnectFailures(ttl=10.0, clock=clock)
    dns = FakeDns({"refuses.test": ["127.0.0.1"]})
    port = free_port()
    client, fetcher = fetcher_with(failures, dns)
    async with client:
        url = f"http://refuses.test:{port}/x"
        with pytest.raises(NetworkError) as first:
            await fetcher.get(url, Deadline(5))
        assert first.value.url == url
        assert len(failures) == 1
        # A server now listens there, but within the TTL the failure stands without a connect.
        async with serve({"/x": Reply()}) as server:
            url = f"http://refuses.test:{server.port}/x"
            failures.record("refuses.test", server.port, first.value)
            with pytest.raises(NetworkError) as again:
                await fetcher.get(url, Deadline(5))
            assert type(again.value) is NetworkError
            assert again.value.url == url
            assert server.connections == 0
            clock.now += 10.5
            result = await fetcher.get(url, Deadline(5))
        assert result.status == 200
        assert server.connections == 1


async def test_a_name_without_address_is_remembered_for_its_port():
    """HostNotFound for a name is raised from memory for the next URL on that host and port."""
    failures = ConnectFailures()

    class NoName(FakeDns):
        async def addresses(self, host, deadline, *, limit=None):
            self.asked.append(host)
            raise HostNotFound(f"{host} has no address", host=host)

    dns = NoName({})
    client, fetcher = fetcher_with(failures, dns)
    async with client:
        for path in ("/a", "/b"):
            with pytest.raises(HostNotFound):
                await fetcher.post(
                    f"https://gone.test{path}", Deadline(5), body=b"x", content_type="text/xml"
                )
    assert dns.asked == ["gone.test"]


async def test_a_connect_timeout_is_never_remembered():
    """A connection that timed out is tried again at once: a timeout says little."""
    failures = ConnectFailures()

    class Slow(FakeDns):
        async def addresses(self, host, deadline, *, limit=None):
            self.asked.append(host)
            await asyncio.sleep(deadline.remaining())  # no answer within the connect phase
            deadline.phase()  # raises DeadlineExceeded, as DnsClient does
            return ["127.0.0.1"]

    dns = Slow({})
    client, fetcher = fetcher_with(failures, dns)
    async with client:
        for _ in range(2):
            with pytest.raises(NetworkError):
                await fetcher.get("http://slow.test/x", Deadline(0.3))
    assert len(failures) == 0
    assert dns.asked == ["slow.test", "slow.test"]


async def test_a_refused_certificate_is_remembered_for_tls_only():
    """A bad certificate is not handshaken again within the TTL; plain HTTP is not affected."""
    ca = trustme.CA()
    cert = ca.issue_cert("other.test")  # the wrong name for the host asked
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    failures = ConnectFailures()
    dns = FakeDns({"bad.test": ["127.0.0.1"]})
    client, fetcher = fetcher_with(failures, dns, client_context)
    async with client, serve({"/x": Reply()}, tls=server_context) as server:
        url = f"https://bad.test:{server.port}/x"
        for _ in range(3):
            with pytest.raises(TLSError) as caught:
                await fetcher.get(url, Deadline(5))
            assert caught.value.kind == "hostname-mismatch"
        assert dns.asked == ["bad.test"]  # one connection, one handshake
        assert failures.recent("bad.test", server.port, tls=False) is None
        assert failures.recent("bad.test", server.port, tls=True) is not None


async def test_a_remembered_failure_keeps_no_frames_of_the_request():
    """What is remembered is a copy without the traceback the failure gathered on its way up
    (the request's frames: pool, locks, headers), which a long batch would otherwise keep
    alive with every entry; the copy keeps its type, message and fields."""
    failures = ConnectFailures()

    class NoName(FakeDns):
        async def addresses(self, host, deadline, *, limit=None):
            raise HostNotFound(f"{host} has no address", host=host)

    client, fetcher = fetcher_with(failures, NoName({}))
    async with client:
        with pytest.raises(HostNotFound) as raised:
            await fetcher.get("https://gone.test/x", Deadline(5))
    assert raised.value.__traceback__ is not None  # the caller's error has its frames
    kept = failures.recent("gone.test", 443, tls=True)
    assert isinstance(kept, HostNotFound)
    assert kept is not raised.value
    assert (kept.__traceback__, kept.__context__, kept.__cause__) == (None, None, None)
    assert (str(kept), kept.host) == ("gone.test has no address", "gone.test")


def test_the_memory_is_bounded_oldest_first():
    """Beyond max_entries the oldest failures are forgotten first."""
    failures = ConnectFailures(max_entries=3)
    for port in range(1, 6):
        failures.record("h.test", port, NetworkError("refused"))
    assert len(failures) == 3
    assert failures.recent("h.test", 1, tls=False) is None
    assert failures.recent("h.test", 5, tls=True) is not None


async def test_a_session_shares_its_failures_across_calls():
    """The Session's network hands every call the same memory of failures."""
    from autoconf import Options
    from autoconf.net.session import Network

    network = Network(Options())
    try:
        assert network.connect_failures is not None
        assert network.for_call(Options()).http._inner._failures is network.connect_failures
    finally:
        await network.aclose()
    assert isinstance(network.dns, DnsClient)


async def test_an_idle_connection_the_server_closed_is_not_reused():
    """A kept-alive connection the server closed while idle is dropped, never reused."""
    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/xml\r\n\r\nok")
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.close()  # the server ends the idle keep-alive connection

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    failures = ConnectFailures()
    client, fetcher = fetcher_with(failures, FakeDns({"idle.test": ["127.0.0.1"]}))
    try:
        async with client:
            for _ in range(3):
                result = await fetcher.get(f"http://idle.test:{port}/", Deadline(5))
                assert result.body == b"ok"
                await asyncio.sleep(0.2)
    finally:
        server.close()
        await server.wait_closed()
    assert connections == 3


async def test_connections_are_pooled_by_origin_within_a_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each origin (scheme, host, port) has a pool of its own; beyond MAX_POOLS the least
    recently used pool with nothing in flight is closed, and every response closed gives its
    pool back (nothing stays counted in flight)."""
    from autoconf.net import transport

    monkeypatch.setattr(transport, "MAX_POOLS", 2)
    failures = ConnectFailures()
    client, fetcher = fetcher_with(failures, FakeDns({"pool.test": ["127.0.0.1"]}))
    pools = client._transport._pools  # type: ignore[attr-defined]
    async with contextlib.AsyncExitStack() as stack:
        servers = [await stack.enter_async_context(serve({"/x": Reply()})) for _ in range(5)]
        async with client:
            for _ in range(2):
                for server in servers:
                    result = await fetcher.get(f"http://pool.test:{server.port}/x", Deadline(5))
                    assert result.status == 200
                    assert len(pools._pools) <= 2
                    assert all(e.in_flight == 0 for e in pools._pools.values())
        assert not pools._pools  # closed with the client
    assert [s.connections for s in servers] == [2] * 5


async def test_a_name_the_process_knows_has_no_address_is_refused_before_the_request():
    """When the process's fresh answers give a host no address, the fetcher refuses the URL
    at once with the transport's own error (same type and words), remembers it for the host
    and port as the transport does, and the transport is never asked."""
    from autoconf.net.cache import SHARED_ANSWERS

    real = DnsClient(nameservers=(("127.0.0.1", free_port()),))  # never asked: all is known
    assert real._scope is not None
    for rdtype in ("A", "AAAA"):
        SHARED_ANSWERS.put((real._scope, "gone.test", rdtype), [], 60)
    try:
        url = "https://gone.test/mail/config-v1.1.xml"
        # The transport's way: it resolves through the same DNS, learns it, and remembers it.
        client = make_http_client(dns=real, ssl_context=ssl.create_default_context())
        plain = HttpFetcher(client, connect_timeout=1, tls_timeout=1, first_byte_timeout=1)
        async with client:
            with pytest.raises(HostNotFound) as through_transport:
                await plain.get(url, Deadline(5))
        # The fetcher's way: the transport (another DNS, which records what it is asked) is not
        # reached at all.
        failures = ConnectFailures()
        transport_dns = FakeDns({})
        client, _ = fetcher_with(failures, transport_dns)
        fetcher = HttpFetcher(
            client,
            connect_timeout=1,
            tls_timeout=1,
            first_byte_timeout=1,
            failures=failures,
            dns=real,
        )
        async with client:
            with pytest.raises(HostNotFound) as at_once:
                await fetcher.get(url, Deadline(5))
            assert transport_dns.asked == []
            # A host the process knows nothing of still goes the transport's way.
            with pytest.raises(NetworkError):
                await fetcher.get("https://unknown.test/x", Deadline(5))
            assert transport_dns.asked == ["unknown.test"]
        assert str(at_once.value) == str(through_transport.value)
        assert (at_once.value.kind, at_once.value.url) == (
            through_transport.value.kind,
            through_transport.value.url,
        )
        remembered = failures.recent("gone.test", 443, tls=True)
        assert isinstance(remembered, HostNotFound)
    finally:
        real.close()
        SHARED_ANSWERS.clear()
