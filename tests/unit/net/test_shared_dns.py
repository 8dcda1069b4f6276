"""A Session's DNS shares one UDP socket per nameserver (TCP when truncated), and answers are
shared by the sessions of the process for their TTL; dnspython still checks every reply."""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from collections.abc import AsyncIterator
from typing import Any

import dns.message
import dns.rcode
import dns.rrset
import pytest

from autoconf.errors import DnsError
from autoconf.net.cache import SHARED_ANSWERS
from autoconf.net.dns import DnsClient
from autoconf.options import Deadline


def answer(wire: bytes, *, truncate: bool = False, spoof: bool = False) -> bytes:
    """A reply giving every A query 192.0.2.<length of the first label>."""
    query = dns.message.from_wire(wire)
    reply = dns.message.make_response(query)
    question = query.question[0]
    label = question.name.labels[0]
    if truncate:
        reply.flags |= dns.flags.TC
    else:
        reply.answer.append(
            dns.rrset.from_text(question.name, 300, "IN", "A", f"192.0.2.{len(label)}")
        )
    if spoof:  # the same id, another question: must never be taken for the answer
        reply.question[0] = dns.rrset.RRset(dns.name.from_text("other.example"), 1, 1)
    return reply.to_wire()


class Server(asyncio.DatagramProtocol):
    """A nameserver on 127.0.0.1 (UDP, and TCP on the same port for truncated answers)."""

    def __init__(self) -> None:
        self.udp: list[bytes] = []
        self.tcp: list[bytes] = []
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.udp.append(data)
        name = dns.message.from_wire(data).question[0].name.to_text()
        if name.startswith("spoofed."):
            self.transport.sendto(answer(data, spoof=True), addr)
        self.transport.sendto(answer(data, truncate=name.startswith("big.")), addr)

    async def stream(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        (length,) = struct.unpack("!H", await reader.readexactly(2))
        data = await reader.readexactly(length)
        self.tcp.append(data)
        wire = answer(data)
        writer.write(struct.pack("!H", len(wire)) + wire)
        await writer.drain()
        writer.close()


@pytest.fixture
async def server() -> AsyncIterator[tuple[Server, int]]:
    loop = asyncio.get_running_loop()
    protocol = Server()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: protocol, local_addr=("127.0.0.1", 0)
    )
    port = transport.get_extra_info("sockname")[1]
    tcp = await asyncio.start_server(protocol.stream, "127.0.0.1", port)
    SHARED_ANSWERS.clear()
    try:
        yield protocol, port
    finally:
        transport.close()
        tcp.close()
        await tcp.wait_closed()
        SHARED_ANSWERS.clear()


def a_query(client: DnsClient, name: str) -> Any:
    return client._query(name, "A", 2.0)


async def test_many_queries_share_one_socket(server: tuple[Server, int]) -> None:
    """Thirty concurrent queries of a Session go out on one UDP socket and each gets its answer."""
    protocol, port = server
    client = DnsClient(nameservers=(("127.0.0.1", port),), shared_socket=True)
    names = [f"{'x' * (i + 1)}.example" for i in range(30)]
    answers = await asyncio.gather(*(a_query(client, name) for name in names))
    client.close()
    assert [a[0].address for a in answers] == [f"192.0.2.{i + 1}" for i in range(30)]
    assert client._backend is not None
    assert client._backend.sockets_opened == 1
    assert len(protocol.udp) == 30


async def test_a_truncated_answer_is_asked_again_over_tcp(server: tuple[Server, int]) -> None:
    """A reply with the TC bit set is retried over TCP, as dnspython does."""
    protocol, port = server
    client = DnsClient(nameservers=(("127.0.0.1", port),), shared_socket=True)
    found = await a_query(client, "big.example")
    client.close()
    assert found[0].address == "192.0.2.3"
    assert len(protocol.tcp) == 1


async def test_a_reply_to_another_question_is_not_taken(server: tuple[Server, int]) -> None:
    """A reply with the query's id but another question is ignored; the real one is taken."""
    _, port = server
    client = DnsClient(nameservers=(("127.0.0.1", port),), shared_socket=True)
    found = await a_query(client, "spoofed.example")
    client.close()
    assert found[0].address == "192.0.2.7"


async def test_answers_are_shared_by_the_sessions_of_the_process(
    server: tuple[Server, int],
) -> None:
    """A second Session asking the same nameserver the same question gets the answer unasked."""
    protocol, port = server
    first = DnsClient(nameservers=(("127.0.0.1", port),), shared_socket=True)
    second = DnsClient(nameservers=(("127.0.0.1", port),), shared_socket=True)
    await a_query(first, "abc.example")
    found = await a_query(second, "ABC.example")
    first.close()
    second.close()
    assert found[0].address == "192.0.2.3"
    assert len(protocol.udp) == 1


async def test_a_refusing_nameserver_fails_at_once() -> None:
    """A nameserver port with nothing behind it fails the query quickly, not at its lifetime."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there
    client = DnsClient(nameservers=(("127.0.0.1", port),), shared_socket=True)
    started = time.monotonic()
    with pytest.raises(DnsError):
        await client.srv("_imaps._tcp.example.com", Deadline(5.0))
    client.close()
    assert time.monotonic() - started < 2.5  # the lifetime was 5 s


async def test_addresses_known_to_the_process_are_given_without_asking(
    server: tuple[Server, int],
) -> None:
    """A host whose A and AAAA answers the process holds gets them from there (no task, no
    query), the same list the queries gave; a host with only one of them asks again."""
    protocol, port = server
    first = DnsClient(nameservers=(("127.0.0.1", port),), shared_socket=True)
    second = DnsClient(nameservers=(("127.0.0.1", port),), shared_socket=True)
    deadline = Deadline(2.0)
    asked = await first.addresses("mail.example", deadline)
    queries = len(protocol.udp)
    assert second._known_addresses("MAIL.example") is not None
    assert await second.addresses("MAIL.example", deadline) == asked == ["192.0.2.4"]
    assert len(protocol.udp) == queries
    await a_query(first, "half.example")  # A only: the AAAA is still to be asked
    assert second._known_addresses("half.example") is None
    assert await second.addresses("half.example", deadline) == ["192.0.2.4"]
    assert len(protocol.udp) == queries + 2  # the A of first's query, then second's AAAA
    first.close()
    second.close()
