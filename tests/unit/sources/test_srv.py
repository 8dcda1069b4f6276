"""The SRV source keeps its attempt details bounded, however many records come back."""

from __future__ import annotations

import pytest

from autoconf import DnssecMode, DnssecStatus, Options, Trust
from autoconf.errors import MAX_MESSAGE_CHARS
from autoconf.net.dns import DnsClient
from autoconf.net.dnssec import parse_anchors
from autoconf.parsers.srv import SrvRecord
from autoconf.sources.srv import SrvSource
from tests.unit.fakes import FakeDns
from tests.unit.sources.test_autodiscover import context


async def test_a_thousand_srv_records_give_a_bounded_detail():
    """200 SRV records: every attempt detail stays within the message bound."""
    records = [SrvRecord(i, 1, 993, f"imap{i}.corp.example.") for i in range(200)]
    dns = FakeDns(srv=records)
    outcome = await SrvSource().run(context(dns, None, Options()))  # type: ignore[arg-type]
    assert all(len(a.detail or "") <= MAX_MESSAGE_CHARS for a in outcome.attempts)
    assert outcome.incoming


@pytest.mark.parametrize(
    ("status", "trust"),
    [(None, Trust.LOW), (DnssecStatus.INSECURE, Trust.LOW), (DnssecStatus.SECURE, Trust.HIGH)],
)
async def test_srv_attempts_and_servers_carry_what_dnssec_proved(status, trust):
    """Each SRV attempt records the answer's DNSSEC status (None when off); a secure answer
    gives its servers outside the domain high trust, and they carry the status."""
    dns = FakeDns(srv=[SrvRecord(0, 1, 993, "imap.provider.example.")], dnssec=status)
    outcome = await SrvSource().run(context(dns, None, Options()))  # type: ignore[arg-type]
    assert {a.dnssec for a in outcome.attempts} == {status}
    assert outcome.incoming
    assert {(s.trust, s.dnssec) for s in outcome.incoming + outcome.outgoing} == {(trust, status)}


def test_answers_are_shared_only_within_one_dnssec_mode_and_one_set_of_anchors():
    """The process-wide answer cache keys by mode (and anchors): a judged answer never serves
    a plain look-up, nor one validated from other keys."""
    at = (("127.0.0.1", 5399),)
    other = parse_anchors(". 0 IN DS 1 8 2 " + "00" * 32)
    scopes = {
        DnsClient(nameservers=at)._scope,
        DnsClient(nameservers=at, dnssec=DnssecMode.RESOLVER)._scope,
        DnsClient(nameservers=at, dnssec=DnssecMode.VALIDATE)._scope,
        DnsClient(nameservers=at, dnssec=DnssecMode.VALIDATE, trust_anchors=other)._scope,
    }
    assert len(scopes) == 4
