"""One UDP socket per nameserver for a whole Session's DNS queries, under dnspython.

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
import socket
from typing import Any, cast

import dns._asyncbackend  # the base classes, re-exported untyped by dns.asyncbackend
import dns.asyncbackend
import dns.exception

# dnspython's backend interface names its limits ``timeout``; the methods below keep its names.
# ruff: noqa: ASYNC109

__all__ = ["SharedUdpBackend"]

_Key = tuple[bytes, bytes]  # (message id, question section as sent)


class _Endpoint(asyncio.DatagramProtocol):
    """One connected UDP socket and the views waiting for its replies."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.waiting: dict[_Key, list[_View]] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

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
        self._endpoints: dict[Any, _Endpoint] = {}
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
        """The connected socket to ``destination``, opened on first use (opening a UDP socket
        sends nothing, so it is never slow)."""
        key = (family, destination[0], destination[1])
        async with self._opening:
            found = self._endpoints.get(key)
            if found is None or found.transport is None:
                _, found = await asyncio.get_running_loop().create_datagram_endpoint(
                    _Endpoint, family=family, remote_addr=(destination[0], destination[1])
                )
                self.sockets_opened += 1
                self._endpoints[key] = found
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
        endpoints, self._endpoints = self._endpoints, {}
        for endpoint in endpoints.values():
            if endpoint.transport is not None:
                endpoint.transport.close()
