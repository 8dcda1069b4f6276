"""The SRV source keeps its attempt details bounded, however many records come back."""

from __future__ import annotations

from autoconf import Options
from autoconf.errors import MAX_MESSAGE_CHARS
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
