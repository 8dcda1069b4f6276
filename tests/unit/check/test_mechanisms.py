"""The mechanisms looked at one by one, on a scripted network (no sockets), and the deadline."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from autoconf._data import default_ispdb
from autoconf.address import parse_address
from autoconf.check.mechanisms import check_autoconfig, check_mx, check_srv, lookup_clientconfig
from autoconf.check.report import FindingCode, LookupOutcome, Mechanism
from autoconf.check.run import run_check
from autoconf.errors import FetchError, FetchFailure, HostNotFound, TLSError
from autoconf.models import DnssecStatus
from autoconf.net.cache import TTLCache
from autoconf.net.dns import DnsAnswer, MxRecord
from autoconf.net.http import FetchResult
from autoconf.options import Deadline, Options
from autoconf.parsers.srv import SrvRecord
from autoconf.parsers.tlsa import TlsaRecord
from autoconf.sources.base import SourceContext
from tests.timing import soon_after

D = "example.com"
DOC = f"""<?xml version="1.0"?>
<clientConfig version="1.1"><emailProvider id="{D}"><domain>{D}</domain>
  <incomingServer type="imap"><hostname>imap.{D}</hostname><port>993</port>
    <socketType>SSL</socketType><username>%EMAILADDRESS%</username>
    <authentication>password-cleartext</authentication></incomingServer>
  <outgoingServer type="smtp"><hostname>smtp.{D}</hostname><port>465</port>
    <socketType>SSL</socketType><authentication>password-cleartext</authentication>
  </outgoingServer>
</emailProvider></clientConfig>""".encode()


class ScriptedHttp:
    """Answers (a FetchResult or an exception) by URL; others are 404; ``hang``: never."""

    def __init__(self, answers: dict[str, FetchResult | Exception], *, hang: bool = False):
        self.answers = answers
        self.hang = hang
        self.asked: list[str] = []

    async def get(self, url: str, deadline: Deadline, **_: Any) -> FetchResult:
        self.asked.append(url)
        if self.hang:
            await asyncio.sleep(3600)
        answer = self.answers.get(url)
        if answer is None:
            raise FetchError(
                f"HTTP 404 from {url}", kind=FetchFailure.HTTP_STATUS, status=404, url=url
            )
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def post(self, url: str, deadline: Deadline, **_: Any) -> FetchResult:
        return await self.get(url, deadline)


class ScriptedDns:
    """SRV, MX and TXT by name, addresses for known hosts; ``hang`` never answers."""

    def __init__(self, *, srv=None, mx=None, hosts=(), hang: bool = False, txt=None):
        self.txt_by_name: dict[str, list[tuple[bytes, ...]]] = txt or {}
        self.srv_by_name: dict[str, list[SrvRecord]] = srv or {}
        self.mx_records: list[MxRecord] = mx or []
        self.hosts = set(hosts)
        self.hang = hang
        self.tlsa_by_name: dict[str, list[TlsaRecord]] = {}
        self.zone = (DnssecStatus.UNKNOWN, "not asked")
        # What DNSSEC proved of an answer, by (name, type); none: DNSSEC off.
        self.statuses: dict[tuple[str, str], DnssecStatus] = {}

    def dnssec_of(self, name: str, rdtype: str) -> DnssecStatus | None:
        return self.statuses.get((name, rdtype))

    def attempt_status(self, name: str, rdtype: str) -> DnssecStatus | None:
        return self.statuses.get((name, rdtype))

    def address_status(self, host: str, address: str | None = None) -> None:
        return None  # DNSSEC off

    async def _maybe_hang(self) -> None:
        if self.hang:
            await asyncio.sleep(3600)

    async def srv(self, name: str, deadline: Deadline, *, limit: float | None = None):
        await self._maybe_hang()
        return list(self.srv_by_name.get(name, []))

    async def txt(self, name: str, deadline: Deadline, *, limit: float | None = None):
        await self._maybe_hang()
        return list(self.txt_by_name.get(name, []))

    async def mx(self, domain: str, deadline: Deadline, *, limit: float | None = None):
        await self._maybe_hang()
        return list(self.mx_records)

    async def addresses(self, host: str, deadline: Deadline, *, limit: float | None = None):
        await self._maybe_hang()
        if host not in self.hosts:
            raise HostNotFound(f"{host} does not exist", host=host)
        return ["192.0.2.1"]

    async def no_such_domain(self, name: str, deadline: Deadline, *, limit: float | None = None):
        return False

    async def zone_dnssec(self, domain: str, deadline: Deadline, *, limit: float | None = None):
        return self.zone

    async def tlsa(self, host: str, port: int, deadline: Deadline, *, limit: float | None = None):
        await self._maybe_hang()
        return DnsAnswer(tuple(self.tlsa_by_name.get(f"_{port}._tcp.{host}", ())))


@dataclass
class FakeNetwork:
    http: ScriptedHttp
    dns: ScriptedDns
    documents: TTLCache = field(default_factory=TTLCache)
    cache: TTLCache = field(default_factory=TTLCache)
    shared: None = None  # no cache shared with other processes


def context(
    http: ScriptedHttp, dns: ScriptedDns | None = None, seconds: float = 5.0
) -> SourceContext:
    net = FakeNetwork(http=http, dns=dns or ScriptedDns())
    return SourceContext(
        address=parse_address(f"jane@{D}"),
        options=Options(ispdb_url="https://ispdb.invalid/v1.1/"),
        deadline=Deadline(seconds),
        ispdb=default_ispdb(),
        network=lambda: net,  # type: ignore[arg-type, return-value]
    )


def answer(url: str, body: bytes = DOC, content_type: str = "text/xml", **kw: Any) -> FetchResult:
    return FetchResult(
        url=kw.pop("final", url), status=200, body=body, content_type=content_type, **kw
    )


AC1 = f"https://autoconfig.{D}/mail/config-v1.1.xml"


async def test_an_answer_keeps_its_status_type_and_servers():
    """A good document: outcome ok, HTTP 200, its content type and both servers."""
    lookup = await lookup_clientconfig(
        context(ScriptedHttp({AC1: answer(AC1)})), AC1, with_address=False
    )
    assert lookup.outcome is LookupOutcome.OK
    assert (lookup.status, lookup.content_type) == (200, "text/xml")
    assert [s.host for s in lookup.incoming + lookup.outgoing] == [f"imap.{D}", f"smtp.{D}"]


@pytest.mark.parametrize(
    ("result", "outcome"),
    [
        (answer(AC1, b"<!DOCTYPE html><html></html>", "text/html"), LookupOutcome.NOT_XML),
        (answer(AC1, b"<html><body>parked</body></html>", "text/xml"), LookupOutcome.NOT_XML),
        (answer(AC1, b"<?xml version='1.0'?><clientConfig>"), LookupOutcome.BAD_DOCUMENT),
        (TLSError("certificate refused", kind="hostname-mismatch"), LookupOutcome.CERTIFICATE),
        (TLSError("handshake failed"), LookupOutcome.TLS),
        (HostNotFound("no such host", host="autoconfig.example.com"), LookupOutcome.NOT_FOUND),
        (
            FetchError("HTTP 500", kind=FetchFailure.HTTP_STATUS, status=500),
            LookupOutcome.HTTP_ERROR,
        ),
        (FetchError("loop", kind=FetchFailure.REDIRECT_REFUSED), LookupOutcome.REDIRECT_REFUSED),
    ],
)
async def test_each_failure_has_its_outcome(
    result: FetchResult | Exception, outcome: LookupOutcome
):
    """HTML, broken XML, certificate, TLS, NXDOMAIN, HTTP 500, bad redirect: each its outcome."""
    lookup = await lookup_clientconfig(
        context(ScriptedHttp({AC1: result})), AC1, with_address=False
    )
    assert lookup.outcome is outcome


async def test_a_refused_certificate_keeps_its_kind():
    """The certificate kind of a TLSError is kept for the finding."""
    http = ScriptedHttp({AC1: TLSError("refused", kind="expired")})
    lookup = await lookup_clientconfig(context(http), AC1, with_address=False)
    assert lookup.certificate == "expired"


async def test_a_redirect_elsewhere_is_recorded():
    """The chain and the change of domain come from the net layer's FetchResult."""
    final = "https://config.other.example/mail/config-v1.1.xml"
    result = answer(AC1, final=final, redirects=(AC1,), warnings=("to another domain",))
    lookup = await lookup_clientconfig(
        context(ScriptedHttp({AC1: result})), AC1, with_address=False
    )
    assert lookup.redirected_elsewhere
    assert (lookup.final_url, lookup.redirects) == (final, [AC1])


async def test_autoconfig_asks_six_urls_and_never_stops_at_the_first():
    """Both URLs with and without ?emailaddress=, and both over plain HTTP: six look-ups."""
    http = ScriptedHttp({AC1: answer(AC1)})
    report = await check_autoconfig(context(http))
    assert len(http.asked) == 6
    assert sum(u.startswith("http://") for u in http.asked) == 2
    assert sum("emailaddress=" in u for u in http.asked) == 2
    assert report.published
    assert [x.outcome for x in report.lookups].count(LookupOutcome.OK) == 1


async def test_srv_asks_all_six_services_and_resolves_each_target():
    """Every service is asked; a target that has no address is marked so, '.' is not asked."""
    dns = ScriptedDns(
        srv={
            f"_imaps._tcp.{D}": [SrvRecord(0, 1, 993, f"imap.{D}.")],
            f"_submissions._tcp.{D}": [SrvRecord(0, 1, 465, f"gone.{D}.")],
            f"_pop3._tcp.{D}": [SrvRecord(0, 0, 0, ".")],
        },
        hosts={f"imap.{D}"},
    )
    report = await check_srv(context(ScriptedHttp({}), dns))
    assert len(report.attempts) == 6
    by_target = {r.target: r.resolves for r in report.dns}
    assert by_target == {f"imap.{D}": True, f"gone.{D}": False, ".": None}
    assert [s.port for s in report.incoming] == [993]


async def test_mx_records_and_null_mx():
    """MX hosts are resolved; a null MX is a record with target '.' and nothing looked up."""
    dns = ScriptedDns(mx=[MxRecord(0, "")])
    report = await check_mx(context(ScriptedHttp({}), dns))
    assert [(r.target, r.resolves) for r in report.dns] == [(".", None)]
    dns = ScriptedDns(mx=[MxRecord(10, f"mx.{D}")])
    report = await check_mx(context(ScriptedHttp({}), dns))
    assert [(r.target, r.resolves) for r in report.dns] == [(f"mx.{D}", False)]


async def _no_probe(servers, **_: object):
    """The server half's stand-in: nothing probed, no findings."""
    return [], []


async def test_a_silent_network_ends_at_the_deadline_with_timeout_findings():
    """Every HTTP and DNS answer hangs: the check still ends at its deadline, with findings."""
    net = FakeNetwork(http=ScriptedHttp({}, hang=True), dns=ScriptedDns(hang=True))
    started = time.monotonic()
    report = await run_check(
        D,
        options=Options(deadline=1.0),
        network=lambda: net,  # type: ignore[arg-type,return-value]
        check_servers=_no_probe,
    )
    assert time.monotonic() - started < soon_after(1.0)
    assert FindingCode.MECHANISM_TIMEOUT in {f.code for f in report.findings}
    assert {m.mechanism for m in report.mechanisms} == {
        Mechanism.AUTOCONFIG,
        Mechanism.SRV,
        Mechanism.AUTODISCOVER,
        Mechanism.ISPDB,
        Mechanism.MX,
        Mechanism.PACC,
    }


async def test_servers_are_handed_to_the_server_half_once_each():
    """Every server some mechanism names goes to check_servers once, with who named it."""
    seen: list[tuple[str, int, frozenset[Mechanism]]] = []

    async def probe(servers, **kw):
        seen.extend((s.host, s.port, m) for s, m in servers)
        assert kw["domain"] == D
        return [], []

    dns = ScriptedDns(
        srv={f"_imaps._tcp.{D}": [SrvRecord(0, 1, 993, f"imap.{D}.")]}, hosts={f"imap.{D}"}
    )
    net = FakeNetwork(http=ScriptedHttp({AC1: answer(AC1)}), dns=dns)
    report = await run_check(
        f"jane@{D}", options=Options(deadline=3.0), network=lambda: net, check_servers=probe
    )  # type: ignore[arg-type]
    assert (f"imap.{D}", 993, frozenset({Mechanism.AUTOCONFIG, Mechanism.SRV})) in seen
    assert sorted(h for h, _, _ in seen) == [f"imap.{D}", f"smtp.{D}"]
    assert report.address == f"jane@{D}"


async def test_without_verify_no_server_is_probed():
    """Options(verify=False) (--no-verify): the servers are listed, unprobed, never handed on."""
    called: list[object] = []

    async def probe(servers, **kw):
        called.append(servers)
        return [], []

    net = FakeNetwork(http=ScriptedHttp({AC1: answer(AC1)}), dns=ScriptedDns())
    report = await run_check(
        D,
        options=Options(deadline=3.0, verify=False),
        network=lambda: net,  # type: ignore[arg-type,return-value]
        check_servers=probe,
    )
    assert called == []
    assert sorted(s.host for s in report.servers) == [f"imap.{D}", f"smtp.{D}"]
    assert all(s.verification is None for s in report.servers)


async def test_a_bug_in_one_mechanism_costs_only_its_own_report():
    """A mechanism that raises something unexpected ends as an error report; the rest stand."""
    dns = ScriptedDns(
        srv={f"_imaps._tcp.{D}": [SrvRecord(0, 1, 993, f"imap.{D}.")]}, hosts={f"imap.{D}"}
    )
    net = FakeNetwork(http=ScriptedHttp({AC1: RuntimeError("a bug")}), dns=dns)
    report = await run_check(
        D,
        options=Options(deadline=3.0),
        network=lambda: net,  # type: ignore[arg-type,return-value]
        check_servers=_no_probe,
    )
    autoconfig = next(m for m in report.mechanisms if m.mechanism is Mechanism.AUTOCONFIG)
    assert [a.detail for a in autoconfig.attempts] == ["RuntimeError: a bug"]
    srv = next(m for m in report.mechanisms if m.mechanism is Mechanism.SRV)
    assert srv.published


async def test_servers_the_deadline_leaves_unprobed_are_findings_not_silence():
    """A server half that overruns the deadline: each named server is a server-unreachable
    warning, so the report never reads "all fine" about servers it did not probe."""

    async def hang(servers, **kw):
        await asyncio.sleep(30)
        return [], []

    dns = ScriptedDns(
        srv={f"_imaps._tcp.{D}": [SrvRecord(0, 1, 993, f"imap.{D}.")]}, hosts={f"imap.{D}"}
    )
    net = FakeNetwork(http=ScriptedHttp({}), dns=dns)
    started = time.monotonic()
    report = await run_check(
        D, options=Options(deadline=1.0), network=lambda: net, check_servers=hang
    )  # type: ignore[arg-type]
    assert time.monotonic() - started < soon_after(1.0)  # not the server half's 30 s
    late = [f for f in report.findings if f.code is FindingCode.SERVER_UNREACHABLE]
    assert [(f.host, f.port) for f in late] == [(f"imap.{D}", 993)]
    assert "failure: deadline" in late[0].evidence


async def test_an_idn_domain_is_ascii_in_the_report_and_a_bare_domain_has_no_address():
    """ "bücher.example" is checked and reported as xn--bcher-kva.example; a bare domain
    leaves ``address`` empty (postmaster@ only stands in), an address keeps it."""
    net = FakeNetwork(http=ScriptedHttp({}), dns=ScriptedDns())
    bare = await run_check(
        " bücher.example ",
        options=Options(deadline=2.0),
        network=lambda: net,
        check_servers=_no_probe,
    )  # type: ignore[arg-type]
    assert bare.domain == "xn--bcher-kva.example"
    assert bare.address is None
    given = await run_check(
        "jane@bücher.example",
        options=Options(deadline=2.0),
        network=lambda: net,
        check_servers=_no_probe,
    )  # type: ignore[arg-type]
    assert given.address == "jane@xn--bcher-kva.example"
