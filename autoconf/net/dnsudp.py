"""One UDP socket per nameserver for a Session's DNS queries (a few under a burst), under
dnspython.

dnspython's async resolver opens a datagram endpoint (a socket, a transport, a protocol) for
every query; a verified discovery asks about twenty. :class:`SharedUdpBackend` is a dnspython
async backend whose datagram "sockets" are views onto one connected UDP socket per nameserver,
opened on first use and closed with the Session; a reply is routed to its query by message
id, source and question. Everything else stays dnspython's: building and parsing messages,
retries, the choice of nameserver, truncated answers retried over TCP (its own stream sockets),
and the checks that a reply answers its query.

The socket is connected, so an ICMP "port unreachable" reaches the queries waiting on it as
``ConnectionRefusedError`` at once, as with dnspython's own sockets. The trade-off: the queries
of a Session share one source port, so a forged reply must guess only the 16-bit message id
(dnspython's own sockets vary the port per query too). The Session is short-lived and its
answers come from the nameservers it was given; DNSSEC, where asked, is what proves them.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any, cast

import dns._asyncbackend  # the base classes, re-exported untyped by dns.asyncbackend
import dns.asyncbackend
import dns.exception

# dnspython's backend interface names its limits ``timeout``; the methods below keep its names.
# ruff: noqa: ASYNC109

__all__ = ["MAX_IN_FLIGHT", "RECEIVE_BUFFER", "SharedUdpBackend"]

_Key = tuple[bytes, bytes]  # (message id, question section as sent)

# Queries waiting on one socket at most; more open another socket. The kernel drops what does
# not fit a socket's receive buffer (about 200 kB by default, a few hundred replies) when the
# loop is busy, and a dropped reply costs dnspython's retry after two seconds.
MAX_IN_FLIGHT = 64
RECEIVE_BUFFER = 1 << 20  # asked for; the kernel caps it (net.core.rmem_max)


class _Endpoint(asyncio.DatagramProtocol):
    """One connected UDP socket and the views waiting for its replies."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.waiting: dict[_Key, list[_View]] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:  # as much room for a burst of replies as the system allows
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)

    def in_flight(self) -> int:
        return sum(len(views) for views in self.waiting.values())

    def datagram_received(self, data: bytes, addr: Any) -> None:
        views = self.waiting.get((data[:2], _question(data)))
        if views:
            views[0].replies.put_nowait((data, addr))  # the oldest asker of that question

    def error_received(self, exc: Exception) -> None:
        for views in self.waiting.values():
            for view in views:
                view.replies.put_nowait(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.error_received(exc if exc is not None else EOFError("the DNS socket was closed"))


def _question(wire: bytes) -> bytes:
    """The question section of a DNS message (its first question), as bytes, lower-cased;
    b"" when the message is too short or malformed (dnspython then judges it)."""
    end = 12
    while end < len(wire):
        length = wire[end]
        if length == 0:
            return wire[12 : end + 5].lower()
        if length >= 0xC0:
            return b""  # a compressed name cannot start the question section
        end += length + 1
    return b""


class _View(dns._asyncbackend.DatagramSocket):
    """What dnspython takes for its own datagram socket: one query's share of an endpoint."""

    def __init__(self, backend: SharedUdpBackend, family: int) -> None:
        super().__init__(family, socket.SOCK_DGRAM)
        self._backend = backend
        self.replies: asyncio.Queue[tuple[bytes, Any] | Exception] = asyncio.Queue()
        self._registered: tuple[_Endpoint, _Key] | None = None

    async def sendto(self, what: bytes, destination: Any, timeout: float | None) -> int:
        endpoint = await self._backend.endpoint(self.family, destination)
        self._forget()
        key = (bytes(what[:2]), _question(what))
        endpoint.waiting.setdefault(key, []).append(self)
        self._registered = (endpoint, key)
        assert endpoint.transport is not None
        endpoint.transport.sendto(what)
        return len(what)

    async def recvfrom(self, size: int, timeout: float | None) -> tuple[bytes, Any]:
        try:
            async with asyncio.timeout(timeout):
                reply = await self.replies.get()
        except TimeoutError as exc:
            raise dns.exception.Timeout(timeout=timeout) from exc  # type: ignore[no-untyped-call]
        if isinstance(reply, Exception):
            raise reply
        return reply

    def _forget(self) -> None:
        if self._registered is None:
            return
        endpoint, key = self._registered
        self._registered = None
        views = endpoint.waiting.get(key, [])
        if self in views:
            views.remove(self)
        if not views:
            endpoint.waiting.pop(key, None)

    async def close(self) -> None:
        self._forget()

    async def getpeername(self) -> Any:
        return None

    async def getsockname(self) -> Any:
        return None


class SharedUdpBackend(dns._asyncbackend.Backend):
    """dnspython's asyncio backend, with one shared UDP socket per nameserver (see module)."""

    def __init__(self) -> None:
        self._inner = dns.asyncbackend.get_backend("asyncio")
        self._endpoints: dict[Any, list[_Endpoint]] = {}
        self._opening = asyncio.Lock()
        self.sockets_opened = 0  # for tests and benchmarks

    def name(self) -> str:
        return "asyncio"

    async def make_socket(
        self,
        af: int,
        socktype: int,
        proto: int = 0,
        source: Any = None,
        destination: Any = None,
        timeout: float | None = None,
        ssl_context: Any = None,
        server_hostname: str | None = None,
    ) -> Any:
        if socktype == socket.SOCK_DGRAM and source is None and destination is None:
            return _View(self, af)
        return await self._inner.make_socket(  # type: ignore[no-untyped-call]
            af, socktype, proto, source, destination, timeout, ssl_context, server_hostname
        )

    async def endpoint(self, family: int, destination: Any) -> _Endpoint:
        """A connected socket to ``destination`` with room for one more query, opened when
        none has (opening a UDP socket sends nothing, so it is never slow)."""
        key = (family, destination[0], destination[1])
        async with self._opening:
            pool = self._endpoints.setdefault(key, [])
            pool[:] = [e for e in pool if e.transport is not None]
            found = next((e for e in pool if e.in_flight() < MAX_IN_FLIGHT), None)
            if found is None:
                _, found = await asyncio.get_running_loop().create_datagram_endpoint(
                    _Endpoint, family=family, remote_addr=(destination[0], destination[1])
                )
                self.sockets_opened += 1
                pool.append(found)
            return found

    async def sleep(self, interval: float) -> None:
        await asyncio.sleep(interval)

    def datagram_connection_required(self) -> bool:
        return False

    def get_transport_class(self) -> Any:
        return self._inner.get_transport_class()  # type: ignore[no-untyped-call]

    async def wait_for(self, awaitable: Any, timeout: float | None) -> Any:
        return await self._inner.wait_for(awaitable, timeout)  # type: ignore[no-untyped-call]

    def close(self) -> None:
        """Close every socket (the Session ends)."""
        pools, self._endpoints = self._endpoints, {}
        for pool in pools.values():
            for endpoint in pool:
                if endpoint.transport is not None:
                    endpoint.transport.close()
