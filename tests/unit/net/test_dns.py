"""DnsClient on the one Deadline, with failures as DnsFailure kinds."""

from __future__ import annotations

from types import SimpleNamespace

import dns.resolver
import pytest

from autoconf.errors import DeadlineExceeded, DnsError, DnsFailure, DnsTimeout, HostNotFound
from autoconf.net.dns import DnsClient
from autoconf.options import Deadline


class FakeResolver:
    """Stands in for dnspython's resolver: records the lifetime asked for, raises on cue."""

    def __init__(self, outcome: BaseException | list[object]) -> None:
        self.outcome = outcome
        self.lifetimes: list[float] = []
        self.cache = None

    async def resolve(self, name: str, rdtype: str, *, lifetime: float, search: bool):
        self.lifetimes.append(lifetime)
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return _Answer(self.outcome)


class _Answer(list):  # type: ignore[type-arg]
    rrset = SimpleNamespace(ttl=60)


def client(outcome: BaseException | list[object]) -> tuple[DnsClient, FakeResolver]:
    resolver = FakeResolver(outcome)
    return DnsClient(resolver=resolver), resolver  # type: ignore[arg-type]


async def test_the_phase_limit_and_the_deadline_bound_the_lookup():
    """A look-up gets min(phase limit, what is left of the deadline) as its lifetime."""
    dns_client, resolver = client([])
    await dns_client.srv("_imaps._tcp.a.example", Deadline(10), limit=2.0)
    await dns_client.mx("b.example", Deadline(0.5), limit=2.0)
    await dns_client.mx("c.example", Deadline(20.0))
    assert resolver.lifetimes[0] == pytest.approx(2.0)
    assert resolver.lifetimes[1] <= 0.5
    assert 10.0 < resolver.lifetimes[2] <= 20.0  # what is left, however slow the machine


async def test_a_passed_deadline_asks_nobody():
    """With the deadline gone, DeadlineExceeded comes before any query is sent."""
    deadline = Deadline(1, clock=iter([0.0, 5.0, 5.0, 5.0]).__next__)
    dns_client, resolver = client([])
    with pytest.raises(DeadlineExceeded):
        await dns_client.srv("_imaps._tcp.a.example", deadline, limit=1.0)
    assert resolver.lifetimes == []


@pytest.mark.parametrize(
    ("raised", "kind", "cls"),
    [
        (dns.resolver.LifetimeTimeout(timeout=1.0, errors=[]), DnsFailure.TIMEOUT, DnsTimeout),
        (dns.resolver.NoNameservers(), DnsFailure.SERVFAIL, DnsError),
        (dns.resolver.YXDOMAIN(), DnsFailure.ERROR, DnsError),
    ],
)
async def test_failures_carry_their_kind(raised: BaseException, kind: DnsFailure, cls: type):
    """Each dnspython failure becomes a DnsError whose kind says what happened."""
    dns_client, _ = client(raised)
    with pytest.raises(cls) as caught:
        await dns_client.mx("a.example", Deadline(5), limit=1.0)
    assert caught.value.kind is kind
    assert caught.value.host == "a.example"


def test_a_dns_timeout_is_also_a_deadline_exceeded():
    """Code that handles timeouts alike (DeadlineExceeded, TimeoutError) catches DnsTimeout."""
    error = DnsTimeout("slow", host="a.example")
    assert isinstance(error, DeadlineExceeded)
    assert isinstance(error, TimeoutError)
    assert error.kind is DnsFailure.TIMEOUT


async def test_missing_records_are_empty_and_missing_addresses_are_no_answer():
    """NXDOMAIN for SRV is [], a host without A/AAAA is HostNotFound kind no-answer."""
    dns_client, _ = client(dns.resolver.NXDOMAIN())
    assert await dns_client.srv("_imap._tcp.a.example", Deadline(5)) == []
    with pytest.raises(HostNotFound) as caught:
        await dns_client.addresses("mail.a.example", Deadline(5), limit=1.0)
    assert caught.value.kind is DnsFailure.NO_ANSWER


async def test_ip_literals_need_no_lookup():
    """An IP literal is its own address, even with the deadline nearly gone."""
    dns_client, resolver = client([])
    assert await dns_client.addresses("127.0.0.1", Deadline(0.001)) == ["127.0.0.1"]
    assert resolver.lifetimes == []
