"""Misbehaving servers for the hostile scenarios, run as a separate process by the harness.

Standalone on purpose (no imports from the project): `python hostile.py SPEC.json`.
* silent: accepts TCP connections and never sends a byte.
* endless: sends a greeting line that never ends (no CR LF), in chunks; over TLS on the
  implicit-TLS ports.
* gzip-bomb: answers every HTTP request with a tiny body sent as `Content-Encoding: gzip, gzip`
  that inflates to `bomb_bytes` (128 MiB by default); HTTPS on 443, plain on 80.
* capabilities: an IMAP server that greets properly, then answers the first command with
  `* CAPABILITY` lines that never stop coming (each line short and well formed).
* echo: POP3 (995) and SMTP (465) servers over TLS that offer AUTH PLAIN (POP3) and AUTH
  LOGIN (SMTP) and refuse every login by echoing what they were sent, base64 and decoded.
Each connection stops after a fixed byte count or time, so nothing runs unbounded.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import signal
import ssl
import sys
import zlib
from typing import Any

CHUNK = b"A" * 16384
MAX_BYTES = 64 * 1024 * 1024
MAX_SECONDS = 60.0
GREETING = {
    143: b"* OK ",
    993: b"* OK ",
    110: b"+OK ",
    995: b"+OK ",
    25: b"220 ",
    587: b"220 ",
    465: b"220 ",
    443: b"HTTP/1.1 200 OK\r\nX-Endless: ",
    80: b"HTTP/1.1 200 OK\r\nX-Endless: ",
}


async def _read_head(reader: asyncio.StreamReader, limit: int = 65536) -> None:
    """Read until a blank line (an HTTP request head), a limit, EOF, or 5 s."""
    with contextlib.suppress(TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        async with asyncio.timeout(5.0):
            received = 0
            while received < limit:
                line = await reader.readline()
                received += len(line)
                if line in (b"\r\n", b"\n", b""):
                    return


async def _drain(writer: asyncio.StreamWriter) -> None:
    """Drain, and always give the loop a turn.

    ``drain()`` returns without yielding while the transport takes data. Over TLS it takes data
    even after the client has gone (the loss is only noticed on the loop's next turn), so a
    writing loop without this turn encrypts all MAX_BYTES for nobody, holding the whole
    process (every other hostile server) for seconds.
    """
    await writer.drain()
    await asyncio.sleep(0)


class Bomb:
    """A body that inflates to `size` zero bytes through two gzip layers; built on first use."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._body: asyncio.Future[bytes] | None = None

    @staticmethod
    def _build(size: int) -> bytes:
        inner = zlib.compressobj(9, zlib.DEFLATED, 31)
        chunk = bytes(1 << 20)
        parts = [inner.compress(chunk) for _ in range(max(1, size >> 20))]
        outer = zlib.compressobj(9, zlib.DEFLATED, 31)
        return outer.compress(b"".join(parts) + inner.flush()) + outer.flush()

    async def body(self) -> bytes:
        if self._body is None:
            self._body = asyncio.ensure_future(asyncio.to_thread(self._build, self.size))
        return await self._body


def _gzip_bomb(bomb: Bomb) -> Any:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(MAX_SECONDS):
                await _read_head(reader)
                body = await bomb.body()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
                    b"Content-Encoding: gzip, gzip\r\n"
                    b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body
                )
                await writer.drain()
        except (TimeoutError, OSError, ssl.SSLError):
            pass
        finally:
            with contextlib.suppress(OSError, ssl.SSLError):
                writer.close()

    return handle


async def _capabilities(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    sent = 0
    try:
        async with asyncio.timeout(MAX_SECONDS):
            writer.write(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
            await writer.drain()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(2.0):
                    await reader.readline()  # the client's first command, if any
            number = 0
            while sent < MAX_BYTES and not writer.is_closing():
                lines = b"".join(
                    b"* CAPABILITY IMAP4rev1 X-ENDLESS-%d\r\n" % (number + i) for i in range(512)
                )
                number += 512
                writer.write(lines)
                await _drain(writer)
                sent += len(lines)
    except (TimeoutError, OSError, ssl.SSLError):
        pass
    finally:
        with contextlib.suppress(OSError, ssl.SSLError):
            writer.close()


def _decoded(word: bytes) -> str:
    try:
        return base64.b64decode(word, validate=True).decode(errors="replace")
    except (binascii.Error, ValueError):
        return ""


def _echo_pop3(line: bytes) -> bytes:
    words = line.split()
    verb = words[0].upper() if words else b""
    if verb == b"CAPA":
        return b"+OK\r\nSASL PLAIN\r\nUSER\r\n.\r\n"
    if verb in (b"AUTH", b"PASS"):
        echo = " ".join(_decoded(w) for w in words[1:]).encode()
        return b"-ERR bad credentials " + line + b" = " + echo + b"\r\n"
    return b"+OK\r\n"


def _echo_smtp(line: bytes, said: list[bytes]) -> bytes:
    verb = line.split()[0].upper() if line.split() else b""
    if verb == b"EHLO":
        return b"250-echo\r\n250 AUTH LOGIN\r\n"
    if verb == b"AUTH":
        return b"334 VXNlcm5hbWU6\r\n"  # "Username:"
    if verb == b"QUIT":
        return b"221 bye\r\n"
    said.append(line)
    if len(said) == 1:
        return b"334 UGFzc3dvcmQ6\r\n"  # "Password:"
    echo = " = ".join(f"{w.decode()} = {_decoded(w)}" for w in said).encode()
    return b"535 5.7.8 bad credentials " + echo + b"\r\n"


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Refuse every login by echoing it; the port (995 or 465) says which protocol."""
    pop3 = writer.get_extra_info("sockname")[1] == 995
    said: list[bytes] = []
    try:
        async with asyncio.timeout(MAX_SECONDS):
            writer.write(b"+OK echo ready\r\n" if pop3 else b"220 echo ESMTP\r\n")
            received = 0
            while received < 65536 and (line := await reader.readline()):
                received += len(line)
                line = line.strip()
                writer.write(_echo_pop3(line) if pop3 else _echo_smtp(line, said))
                await writer.drain()
    except (TimeoutError, OSError, ssl.SSLError, ValueError):
        pass
    finally:
        with contextlib.suppress(OSError, ssl.SSLError):
            writer.close()


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        await asyncio.wait_for(reader.read(), MAX_SECONDS)  # until the client closes
    except (TimeoutError, OSError):
        pass
    finally:
        writer.close()


def _endless(port: int) -> Any:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sent = 0
        try:
            async with asyncio.timeout(MAX_SECONDS):
                writer.write(GREETING.get(port, b""))
                while sent < MAX_BYTES and not writer.is_closing():
                    writer.write(CHUNK)
                    await _drain(writer)
                    sent += len(CHUNK)
        except (TimeoutError, OSError, ssl.SSLError):
            pass
        finally:
            with contextlib.suppress(OSError, ssl.SSLError):
                writer.close()

    return handle


async def main(spec: dict[str, Any]) -> None:
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(spec["cert"], spec["key"])
    servers = []
    for ip, port in spec["silent"]:
        servers.append(await asyncio.start_server(_silent, ip, port, reuse_address=True))
    for ip, port in spec["endless"]:
        ctx = tls if port in spec["tls_ports"] else None
        servers.append(
            await asyncio.start_server(_endless(port), ip, port, ssl=ctx, reuse_address=True)
        )
    bomb = Bomb(spec.get("bomb_bytes", 128 << 20))
    for ip, port in spec.get("gzip_bomb", []):
        ctx = tls if port == 443 else None
        servers.append(
            await asyncio.start_server(_gzip_bomb(bomb), ip, port, ssl=ctx, reuse_address=True)
        )
    for ip, port in spec.get("echo", []):
        servers.append(await asyncio.start_server(_echo, ip, port, ssl=tls, reuse_address=True))
    for ip, port in spec.get("capabilities", []):
        ctx = tls if port in spec["tls_ports"] else None
        servers.append(
            await asyncio.start_server(_capabilities, ip, port, ssl=ctx, reuse_address=True)
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for server in servers:
        server.close()


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        asyncio.run(main(json.load(f)))
