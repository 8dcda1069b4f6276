"""The probe's stream owns its receive buffer: what arrived unread is visible, and bounded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import pytest

from autoconf.net.stream import MAX_BUFFER, open_stream

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Coroutine[Any, Any, None]]


@asynccontextmanager
async def server(handler: Handler) -> AsyncIterator[int]:
    srv = await asyncio.start_server(handler, "127.0.0.1", 0)
    try:
        yield srv.sockets[0].getsockname()[1]
    finally:
        srv.close()
        await srv.wait_closed()


async def test_bytes_that_arrived_unread_are_counted_then_read():
    """Data the server sent before we asked is in our own buffer: counted, then read whole."""
    sent = asyncio.Event()

    async def greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"* OK hello\r\n")
        await writer.drain()
        sent.set()
        await reader.read()  # until the client closes
        writer.close()

    async with server(greet) as port:
        stream = await open_stream("127.0.0.1", port)
        await sent.wait()
        for _ in range(100):  # the bytes cross loopback within a few loop turns
            if stream.unread:
                break
            await asyncio.sleep(0.01)
        assert stream.unread == len(b"* OK hello\r\n")
        assert await stream.read() == b"* OK hello\r\n"
        assert stream.unread == 0
        assert stream.ssl_object is None
        await stream.close(0.5)


async def test_end_of_stream_reads_empty_and_writing_after_it_fails():
    """A server that hangs up gives b'' to a reader; draining a closed connection raises."""

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    async with server(hang_up) as port:
        stream = await open_stream("127.0.0.1", port)
        assert await stream.read() == b""
        stream.write(b"a1 LOGOUT\r\n")
        with pytest.raises(ConnectionResetError):
            await stream.drain()
        stream.abort()


async def test_a_flood_pauses_reading_at_the_buffer_bound():
    """A server sending megabytes unasked fills our buffer only to about its bound."""

    async def flood(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            for _ in range(64):
                writer.write(b"x" * 65536)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()

    async with server(flood) as port:
        stream = await open_stream("127.0.0.1", port)
        for _ in range(500):
            if stream.unread > MAX_BUFFER:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)  # time to read on, were reading not paused
        # Paused past the bound: at most one socket read (256 KiB in asyncio) more is kept.
        assert MAX_BUFFER < stream.unread <= MAX_BUFFER + 256 * 1024
        data = await stream.read()
        assert len(data) > MAX_BUFFER  # taken whole
        assert stream.unread == 0
        stream.abort()


class _Unrelated:
    """A transport with asyncio.Transport's methods that does not derive from it, as uvloop's
    transports are: the stream must take it (and close it) all the same."""

    def __init__(self, inner: asyncio.BaseTransport) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


async def test_every_connection_opened_is_closed_whatever_its_transport_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A connection whose transport is not an asyncio.Transport subclass (uvloop's) is read
    and closed like any other: none is left open when the streams are done."""
    loop = asyncio.get_running_loop()
    opened: list[asyncio.BaseTransport] = []
    create_connection = loop.create_connection

    async def recording(factory: Callable[[], asyncio.Protocol], *args: Any, **kw: Any) -> Any:
        def wrapped() -> asyncio.Protocol:
            protocol = factory()
            made = protocol.connection_made

            def connection_made(transport: asyncio.BaseTransport) -> None:
                opened.append(transport)
                made(transport if "uvloop" in type(transport).__module__ else _Unrelated(transport))

            protocol.connection_made = connection_made  # type: ignore[method-assign]
            return protocol

        return await create_connection(wrapped, *args, **kw)

    if type(loop).__module__.startswith("asyncio"):  # uvloop's loop takes no attributes
        monkeypatch.setattr(loop, "create_connection", recording)

    async def greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"* OK hello\r\n")
        await writer.drain()
        await reader.read()
        writer.close()

    async with server(greet) as port:
        streams = [await open_stream("127.0.0.1", port) for _ in range(3)]
        for stream in streams:
            while not (data := await stream.read()):
                pass
            assert data == b"* OK hello\r\n"
        streams[0].abort()
        for stream in streams[1:]:
            await stream.close(0.5)
    assert all(t.is_closing() for t in opened)
