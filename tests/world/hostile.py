"""Misbehaving servers for the hostile scenarios, run as a separate process by the harness.

Standalone on purpose (no imports from the project): `python hostile.py SPEC.json`.
* silent: accepts TCP connections and never sends a byte.
* endless: sends a greeting line that never ends (no CR LF), in chunks; over TLS on the
  implicit-TLS ports. Each connection stops after a fixed byte count or time, so nothing
  runs unbounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import ssl
import sys
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
                while sent < MAX_BYTES:
                    writer.write(CHUNK)
                    await writer.drain()
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
