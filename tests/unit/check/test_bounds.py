"""A domain publishing thousands of SRV records: the check looks at a bounded number, says
how many it left out (in the data and as a finding), and ends in time (issue 19.5)."""

from __future__ import annotations

import time

from autoconf.check.findings import MAX_SERVERS, MAX_SRV_RECORDS
from autoconf.check.mechanisms import check_srv
from autoconf.check.report import FindingCode, Mechanism, Severity
from autoconf.check.run import check_domain
from autoconf.options import Options
from autoconf.parsers.srv import SERVICES, SrvRecord

from .test_mechanisms import D, FakeNetwork, ScriptedDns, ScriptedHttp, _Session, context

PER_SERVICE = 1000
_PORTS = {"_imaps": 993, "_imap": 143, "_pop3s": 995, "_pop3": 110}


def _many() -> ScriptedDns:
    """6 services x 1,000 records, every target resolving, priorities 999 down to 0."""
    srv = {
        f"{service}.{D}": [
            SrvRecord(
                PER_SERVICE - 1 - i, i % 7, _PORTS.get(service.split(".")[0], 465), f"h{i}.{D}."
            )
            for i in range(PER_SERVICE)
        ]
        for service in SERVICES
    }
    hosts = {f"h{i}.{D}" for i in range(PER_SERVICE)}
    return ScriptedDns(srv=srv, hosts=hosts)


async def test_srv_keeps_the_records_a_client_tries_first_and_counts_the_rest():
    """At most MAX_SRV_RECORDS per service (the lowest priorities) are listed and resolved;
    the rest are counted in records_left_out and a srv-records-left-out warning."""
    report = await check_srv(context(ScriptedHttp({}), _many()))
    assert len(report.dns) == len(SERVICES) * MAX_SRV_RECORDS
    assert report.records_left_out == len(SERVICES) * (PER_SERVICE - MAX_SRV_RECORDS)
    assert max(r.priority for r in report.dns) == MAX_SRV_RECORDS - 1
    assert all(r.resolves for r in report.dns)
    assert len(report.incoming) + len(report.outgoing) <= len(SERVICES) * MAX_SRV_RECORDS


async def test_srv_within_the_bound_leaves_nothing_out():
    """A service with few records keeps them all; nothing is counted as left out."""
    dns = ScriptedDns(
        srv={f"_imaps._tcp.{D}": [SrvRecord(0, 1, 993, f"imap.{D}.")]}, hosts={f"imap.{D}"}
    )
    report = await check_srv(context(ScriptedHttp({}), dns))
    assert report.records_left_out == 0
    assert len(report.dns) == 1


async def test_check_probes_at_most_max_servers_and_says_how_many_it_left_out():
    """check_domain hands at most MAX_SERVERS servers to the server half; the report counts
    the others (servers_left_out) and warns about both bounds, within its deadline."""
    probed: list[int] = []

    async def probe(servers, **_):
        probed.append(len(servers))
        return [], []

    session = _Session(FakeNetwork(http=ScriptedHttp({}), dns=_many()))
    started = time.monotonic()
    report = await check_domain(D, options=Options(), session=session, check_servers=probe)  # type: ignore[arg-type]
    assert time.monotonic() - started < Options().deadline
    assert probed == [MAX_SERVERS]
    named = len(SERVICES) * MAX_SRV_RECORDS
    assert report.servers_left_out == named - MAX_SERVERS
    found = {f.code: f for f in report.findings}
    assert found[FindingCode.SERVERS_LEFT_OUT].severity is Severity.WARNING
    assert found[FindingCode.SERVERS_LEFT_OUT].mechanisms == [Mechanism.SRV]
    assert str(named - MAX_SERVERS) in found[FindingCode.SERVERS_LEFT_OUT].message
    assert FindingCode.SRV_RECORDS_LEFT_OUT in found
    assert len(report.model_dump_json()) < 200_000
