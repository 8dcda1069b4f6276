"""A byte stream over an asyncio transport whose receive buffer is the library's own.

asyncio's ``StreamReader`` keeps what it received in a private ``_buffer``; a mail probe must
know whether bytes arrived after the server agreed to STARTTLS and before the handshake
(CVE-2011-0411: they would later be read as if they had come over TLS). So the probe reads
through :class:`MailStream`, an ``asyncio.Protocol`` of our own, and asks :attr:`unread`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from typing import cast

__all__ = ["MAX_BUFFER", "MailStream", "open_stream"]

# Bytes buffered before reading from the socket pauses (a probe reads replies of a few KiB).
MAX_BUFFER = 64 * 1024


class _Protocol(asyncio.Protocol):
    """Buffers what arrives, with flow control both ways; wakes a waiting reader or writer."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.eof = False
        self.lost: Exception | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._readable: asyncio.Future[None] | None = None
        self._writable: asyncio.Future[None] | None = None
        self._reading_paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A cast, not an isinstance check: uvloop's transports implement asyncio.Transport's
        # methods without deriving from it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        _wake(self._readable)
        if len(self.buffer) > MAX_BUFFER and self.transport is not None:
            self.transport.pause_reading()
            self._reading_paused = True

    def eof_received(self) -> bool:
        self.eof = True
        _wake(self._readable)
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.lost = exc
        _wake(self._readable)
        _wake(self._writable)
        if not self.closed.done():
            self.closed.set_result(None)

    def pause_writing(self) -> None:
        self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        _wake(self._writable)
        self._writable = None

    async def wait_readable(self) -> None:
        if not self.buffer and not self.eof:
            self._readable = asyncio.get_running_loop().create_future()
            try:
                await self._readable
            finally:
                self._readable = None

    def take(self) -> bytes:
        data = bytes(self.buffer)
        self.buffer.clear()
        if self._reading_paused and self.transport is not None:
            self._reading_paused = False
            self.transport.resume_reading()
        return data

    async def wait_writable(self) -> None:
        if self._writable is not None:
            await self._writable
        if self.lost is not None or (self.transport is not None and self.transport.is_closing()):
            raise ConnectionResetError("the connection was closed")


def _wake(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


class MailStream:
    """One TCP connection (later TLS on it): write, drain, read, upgrade, close."""

    def __init__(self, protocol: _Protocol) -> None:
        assert protocol.transport is not None
        self._protocol = protocol
        self._transport: asyncio.Transport = protocol.transport

    @property
    def unread(self) -> int:
        """Bytes received and not yet read (STARTTLS: any at all is an injection)."""
        return len(self._protocol.buffer)

    @property
    def ssl_object(self) -> ssl.SSLObject | None:
        """The TLS session, once :meth:`start_tls` has completed."""
        found = self._transport.get_extra_info("ssl_object")
        return found if isinstance(found, ssl.SSLObject) else None

    def write(self, data: bytes) -> None:
        self._transport.write(data)

    async def drain(self) -> None:
        """Wait while the socket's send buffer is full; raise if the connection is gone."""
        await self._protocol.wait_writable()

    async def read(self) -> bytes:
        """What has arrived (waiting for something); ``b""`` at the end of the stream."""
        await self._protocol.wait_readable()
        return self._protocol.take()

    async def start_tls(self, ctx: ssl.SSLContext, host: str, handshake_timeout: float) -> None:
        """TLS on this connection, checked against ``host`` (an IP literal: its addresses)."""
        loop = asyncio.get_running_loop()
        upgraded = await loop.start_tls(
            self._transport,
            self._protocol,
            ctx,
            server_hostname=host,
            ssl_handshake_timeout=handshake_timeout,
        )
        if upgraded is None:  # only for a transport already closing
            raise ConnectionResetError("the connection was closed before TLS")
        self._transport = self._protocol.transport = upgraded  # no isinstance: see above

    def abort(self) -> None:
        self._transport.abort()

    async def close(self, grace: float) -> None:
        """Close politely, waiting at most ``grace`` seconds before the connection is dropped."""
        self._transport.close()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(grace):
                await asyncio.shield(self._protocol.closed)
        if not self._protocol.closed.done():
            self._transport.abort()


async def open_stream(ip: str, port: int) -> MailStream:
    """A TCP connection to ``ip``:``port`` (no name resolution here: give an address)."""
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_connection(_Protocol, ip, port)
    if protocol.transport is None:  # the protocol never took the connection: ours to close
        transport.abort()
        raise ConnectionResetError("the connection was not handed over")
    return MailStream(protocol)
