"""The check tells "this machine cannot check" apart from "the domain publishes nothing"."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from autoconf.check.findings import findings_for
from autoconf.check.local import local_finding, local_problem
from autoconf.check.report import (
    FindingCode,
    HttpLookup,
    LocalProblem,
    LookupOutcome,
    Mechanism,
    MechanismReport,
    Severity,
)
from autoconf.check.run import run_check
from autoconf.errors import DnsError, DnsFailure, DnsTimeout, HostNotFound
from autoconf.models import AttemptStatus, SourceAttempt, SourceName
from autoconf.options import Deadline, Options
from tests.unit.check.test_mechanisms import FakeNetwork, ScriptedDns, ScriptedHttp

D = "example.com"
ISPDB_HOST = "autoconfig.thunderbird.net"
AC1 = f"https://autoconfig.{D}/mail/config-v1.1.xml"


def mx(status: AttemptStatus) -> MechanismReport:
    attempt = SourceAttempt(source=SourceName.MX, target=f"{D} MX", status=status)
    return MechanismReport(mechanism=Mechanism.MX, published=False, attempts=[attempt])


def host(status: AttemptStatus) -> SourceAttempt:
    return SourceAttempt(source=SourceName.ISPDB, target=f"{ISPDB_HOST} A/AAAA", status=status)


def online_ispdb(*, reached: bool) -> MechanismReport:
    return MechanismReport(
        mechanism=Mechanism.ISPDB, published=False, source=SourceName.ISPDB, reached=reached
    )


@pytest.mark.parametrize("domain", [AttemptStatus.NO_DOMAIN, AttemptStatus.TIMEOUT])
def test_the_domain_and_a_name_that_must_exist_both_failing_is_local_dns_down(domain):
    """NXDOMAIN or no answer for the domain, and the ISPDB host unresolved: DNS down."""
    assert local_problem([mx(domain)], host(AttemptStatus.UNRESOLVED)) is LocalProblem.DNS_DOWN


@pytest.mark.parametrize(
    ("domain", "must_exist"),
    [
        (AttemptStatus.NO_DOMAIN, AttemptStatus.OK),  # the domain really does not exist
        (AttemptStatus.EMPTY, AttemptStatus.UNRESOLVED),  # the DNS answered for the domain
        (AttemptStatus.TIMEOUT, AttemptStatus.TIMEOUT),  # the deadline: says nothing
    ],
)
def test_either_half_alone_is_judged_as_the_domains(domain, must_exist):
    """Only both failures together blame this machine; either alone leaves the domain judged."""
    reports = [mx(domain), online_ispdb(reached=True)]
    assert local_problem(reports, host(must_exist)) is None


def test_a_name_that_resolves_but_nothing_answering_is_local_network_down():
    """The ISPDB host resolves, yet neither it nor any web host of the domain answered."""
    silent = MechanismReport(
        mechanism=Mechanism.AUTOCONFIG,
        published=False,
        lookups=[HttpLookup(url=AC1, outcome=LookupOutcome.UNREACHABLE)],
    )
    reports = [silent, online_ispdb(reached=False), mx(AttemptStatus.EMPTY)]
    assert local_problem(reports, host(AttemptStatus.OK)) is LocalProblem.NETWORK_DOWN
    answered = silent.model_copy(
        update={"lookups": [HttpLookup(url=AC1, outcome=LookupOutcome.NOT_FOUND, status=404)]}
    )
    assert local_problem([answered, *reports[1:]], host(AttemptStatus.OK)) is None
    assert local_problem([silent, online_ispdb(reached=True)], host(AttemptStatus.OK)) is None


def test_the_local_finding_names_both_look_ups_and_asks_nothing_of_the_admin():
    """local-dns-down is an error naming the domain and the name that must exist, with both
    look-ups as evidence; its fix is about this machine."""
    finding = local_finding(
        LocalProblem.DNS_DOWN, D, [mx(AttemptStatus.TIMEOUT)], host(AttemptStatus.UNRESOLVED)
    )
    assert finding.code is FindingCode.LOCAL_DNS_DOWN
    assert finding.severity is Severity.ERROR
    assert D in finding.message
    assert ISPDB_HOST in finding.message
    assert finding.evidence == [f"{D} MX: timeout", f"{ISPDB_HOST} A/AAAA: unresolved"]
    assert finding.fix is not None
    assert "this machine" in finding.fix


def test_a_silent_online_ispdb_is_a_note_that_asks_the_admin_to_fix_nothing():
    """A timeout at a host outside the domain (the online ISPDB) is a note whose fix does not
    ask to make that host answer; a silent host of the domain stays a warning."""
    ispdb = MechanismReport(
        mechanism=Mechanism.ISPDB,
        published=False,
        source=SourceName.ISPDB,
        attempts=[
            SourceAttempt(
                source=SourceName.ISPDB,
                target=f"https://{ISPDB_HOST}/v1.1/{D}",
                status=AttemptStatus.TIMEOUT,
            )
        ],
    )
    own = MechanismReport(
        mechanism=Mechanism.AUTOCONFIG,
        published=False,
        lookups=[HttpLookup(url=AC1, outcome=LookupOutcome.TIMEOUT)],
    )
    found = [f for f in findings_for(D, [own, ispdb]) if f.code is FindingCode.MECHANISM_TIMEOUT]
    by_mechanism = {f.mechanisms[0]: f for f in found}
    assert by_mechanism[Mechanism.ISPDB].severity is Severity.INFO
    assert f"make {ISPDB_HOST}" not in (by_mechanism[Mechanism.ISPDB].fix or "")
    assert by_mechanism[Mechanism.AUTOCONFIG].severity is Severity.WARNING
    assert f"make autoconfig.{D} answer" in (by_mechanism[Mechanism.AUTOCONFIG].fix or "")


class BrokenDns(ScriptedDns):
    """A resolver that says NXDOMAIN for every name, or never answers within its limit."""

    def __init__(self, *, silent: bool) -> None:
        super().__init__()
        self.silent = silent

    def _fail(self, name: str) -> Exception:
        if self.silent:
            return DnsTimeout(f"no DNS answer for {name}", host=name)
        return HostNotFound(f"{name} does not exist", host=name)

    async def srv(self, name: str, deadline: Deadline, *, limit: float | None = None):
        if self.silent:
            raise self._fail(name)
        return []

    async def mx(self, domain: str, deadline: Deadline, *, limit: float | None = None):
        if self.silent:
            raise self._fail(domain)
        return []

    async def addresses(self, host: str, deadline: Deadline, *, limit: float | None = None):
        raise self._fail(host)

    async def no_such_domain(self, name: str, deadline: Deadline, *, limit: float | None = None):
        if self.silent:
            raise DnsError("no answer", kind=DnsFailure.TIMEOUT, host=name)
        return True


class DnsFirstHttp(ScriptedHttp):
    """HTTP that resolves its host first, as the real client does: the DNS's failure."""

    def __init__(self, dns: BrokenDns) -> None:
        super().__init__({})
        self.dns = dns

    async def get(self, url: str, deadline: Deadline, **_: Any):
        from urllib.parse import urlsplit

        await self.dns.addresses(urlsplit(url).hostname or "", deadline)
        raise AssertionError("unreachable")  # pragma: no cover


@pytest.mark.parametrize("silent", [False, True])
async def test_a_broken_resolver_gives_one_local_finding_and_probes_nothing(silent: bool):
    """With every name NXDOMAIN (or unanswered), the report of posteo.de (which the bundled
    ISPDB knows) is one local-dns-down finding, no server probed, no domain finding."""
    dns = BrokenDns(silent=silent)
    net = FakeNetwork(http=DnsFirstHttp(dns), dns=dns)
    probed: list[object] = []

    async def probe(servers, **_: Any):
        probed.append(servers)
        return [], []

    report = await asyncio.wait_for(
        run_check(
            "posteo.de",
            options=Options(deadline=3.0),
            network=lambda: net,  # type: ignore[arg-type,return-value]
            check_servers=probe,
        ),
        timeout=10,
    )
    assert report.local_problem is LocalProblem.DNS_DOWN
    assert [f.code for f in report.findings] == [FindingCode.LOCAL_DNS_DOWN]
    assert probed == []
    assert report.servers == []


def test_no_fix_asks_the_admin_to_change_a_host_outside_the_domain():
    """A certificate or reachability error at a provider's host (outside the domain) says the
    host is its operator's to fix; the same at the domain's own host, and the deadline's
    run-again warning, keep their fixes."""
    from autoconf.check.findings import for_the_admin
    from autoconf.check.report import Finding

    def finding(code: FindingCode, host: str, severity: Severity = Severity.ERROR) -> Finding:
        return Finding(
            code=code,
            severity=severity,
            mechanisms=[Mechanism.AUTOCONFIG],
            message="m",
            fix=f"Install a certificate whose names include {host}.",
            host=host,
            port=993,
        )

    theirs = finding(FindingCode.CERTIFICATE_INVALID, "imap.provider.example")
    unreachable = finding(FindingCode.SERVER_UNREACHABLE, "imap.provider.example")
    ours = finding(FindingCode.CERTIFICATE_INVALID, f"imap.{D}")
    deadline = finding(FindingCode.SERVER_UNREACHABLE, "imap.provider.example", Severity.WARNING)
    changed = for_the_admin(D, [theirs, unreachable, ours, deadline])
    for before, after in zip([theirs, unreachable], changed[:2], strict=True):
        assert after.fix is not None
        assert "Install" not in after.fix
        assert "imap.provider.example is not a host of example.com" in after.fix
        assert after.model_copy(update={"fix": before.fix}) == before
    assert changed[2:] == [ours, deadline]
