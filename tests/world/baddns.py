"""A broken resolver, as a machine with no working DNS has one: `python -P baddns.py MODE`
(``-P`` keeps this folder off ``sys.path``, so its dns.py does not hide dnspython).

* nxdomain: answers every question (UDP) with NXDOMAIN, as a captive portal or a resolver
  without upstream does;
* silent: reads every question and never answers, as a resolver behind a dead link;
* unreachable: answers every A question with 127.0.0.99, where nothing listens, and every
  other question with no records, as a resolver still answering from its cache while the
  network beyond it is down.

Binds 127.0.0.1 on a free UDP port and prints that port on its first line; stops on SIGTERM,
SIGINT or when stdin closes. Answers are built with dnspython (the project's own DNS library).
"""

from __future__ import annotations

import asyncio
import signal
import sys

import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

# The address every name has in the "unreachable" mode: loopback, where no test listens.
NOWHERE = "127.0.0.99"


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a datagram endpoint's

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.mode == "silent" or self.transport is None:
            return
        try:
            query = dns.message.from_wire(data)
        except dns.exception.DNSException:
            return
        answer = dns.message.make_response(query)
        if self.mode == "nxdomain":
            answer.set_rcode(dns.rcode.NXDOMAIN)
        else:
            for question in query.question:
                if question.rdtype == dns.rdatatype.A:
                    answer.answer.append(
                        dns.rrset.from_text(question.name, 60, dns.rdataclass.IN, "A", NOWHERE)
                    )
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

    def on_stdin() -> None:  # the parent closed our stdin: it is gone, so stop
        if not sys.stdin.read():
            stop.set()

    loop.add_reader(sys.stdin.fileno(), on_stdin)
    await stop.wait()
    transport.close()


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("nxdomain", "silent", "unreachable"):
        raise SystemExit("usage: python -P baddns.py nxdomain|silent|unreachable")
    asyncio.run(main(sys.argv[1]))
