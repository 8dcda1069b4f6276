"""A broken resolver, as a machine with no working DNS has one: `python -P baddns.py MODE`
(``-P`` keeps this folder off ``sys.path``, so its dns.py does not hide dnspython).

* nxdomain: answers every question (UDP) with NXDOMAIN, as a captive portal or a resolver
  without upstream does;
* silent: reads every question and never answers, as a resolver behind a dead link.

Binds 127.0.0.1 on a free UDP port and prints that port on its first line; stops on SIGTERM,
SIGINT or when stdin closes. Answers are built with dnspython (the project's own DNS library).
"""

from __future__ import annotations

import asyncio
import signal
import sys

import dns.message
import dns.rcode


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.mode == "silent" or self.transport is None:
            return
        try:
            query = dns.message.from_wire(data)
        except dns.exception.DNSException:
            return
        answer = dns.message.make_response(query)
        answer.set_rcode(dns.rcode.NXDOMAIN)
        self.transport.sendto(answer.to_wire(), addr)


async def main(mode: str) -> None:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: _Protocol(mode), local_addr=("127.0.0.1", 0)
    )
    print(transport.get_extra_info("sockname")[1], flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_reader(sys.stdin.fileno(), lambda: sys.stdin.read() or stop.set())
    await stop.wait()
    transport.close()


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("nxdomain", "silent"):
        raise SystemExit("usage: python baddns.py nxdomain|silent")
    asyncio.run(main(sys.argv[1]))
