"""The admin's domain check (issue 15) against the real servers of the test world.

Each finding code of the mechanism side is produced by a world scenario
(tests/world/scenarios_check.py), the clean domain has no warning or error, and ``--check``
on a silent domain ends within its deadline with the silence as a finding. The server half
(autoconf.check.servers) is replaced by a stand-in that probes nothing, except in the CLI
tests, so these tests are about what the domains publish.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Sequence

import pytest

from autoconf import DnssecMode, check_domain
from autoconf.api import Session
from autoconf.check import DomainReport, FindingCode, Mechanism, ServerReport, Severity
from autoconf.check.guide import GUIDE
from autoconf.check.report import LOCAL_CODES, SERVER_CODES, TRANSPORT_CODES
from autoconf.check.run import run_check
from autoconf.cli import main
from autoconf.engine.runner import run_sync
from autoconf.models import DnssecStatus, ServerSettings
from autoconf.options import Options
from tests.timing import soon_after
from tests.world import WorldInfo
from tests.world.library import cli_args, dnssec_args, dnssec_options, library_options
from tests.world.scenarios_check import CHECK_SCENARIOS, FROM_EXISTING, TRANSPORT_SCENARIOS
from tests.world.scenarios_dnssec import CHECK_FINDINGS as DNSSEC_SCENARIOS

pytestmark = pytest.mark.world

_REPORTS: dict[str, DomainReport] = {}


async def _no_probe(
    servers: Sequence[tuple[ServerSettings, frozenset[Mechanism]]], **_: object
) -> tuple[list[ServerReport], list[object]]:
    """A stand-in for the server half: every server unprobed, no findings."""
    reports = [
        ServerReport(
            protocol=s.protocol, host=s.host, port=s.port, security=s.security, mechanisms=sorted(m)
        )
        for s, m in servers
    ]
    return reports, []


async def _unprobed(address: str, options: Options) -> DomainReport:
    """The check of ``address`` in a Session, with the server half replaced by _no_probe."""
    async with Session(options) as session:
        return await run_check(
            address,
            options=options,
            network=lambda: session._handle(options),
            check_servers=_no_probe,
        )


def report_for(world: WorldInfo, scenario: str) -> DomainReport:
    """The check of one scenario's domain (cached: each domain is checked once)."""
    if scenario not in _REPORTS:
        _REPORTS[scenario] = run_sync(
            _unprobed(world.scenarios[scenario].address, library_options(world, deadline=8.0))
        )
    return _REPORTS[scenario]


_SIGNED: dict[tuple[str, DnssecMode], DomainReport] = {}
MODES = [DnssecMode.VALIDATE, DnssecMode.RESOLVER]


def signed_report_for(
    world: WorldInfo, scenario: str, mode: DnssecMode = DnssecMode.VALIDATE
) -> DomainReport:
    """The whole check (servers probed) of one scenario's domain with ``--dnssec MODE``
    (cached: each domain is checked once a mode)."""
    if (scenario, mode) not in _SIGNED:
        options = dnssec_options(world, mode, deadline=10.0)
        _SIGNED[scenario, mode] = run_sync(
            check_domain(world.scenarios[scenario].address, options=options)
        )
    return _SIGNED[scenario, mode]


def codes(report: DomainReport) -> set[FindingCode]:
    return {f.code for f in report.findings}


@pytest.mark.parametrize(("code", "scenario"), sorted({**FROM_EXISTING, **CHECK_SCENARIOS}.items()))
def test_each_code_comes_from_its_scenario(world: WorldInfo, code: str, scenario: str):
    """The scenario built for a finding code produces that code, at a severity its guide allows."""
    report = report_for(world, scenario)
    assert FindingCode(code) in codes(report), [f.message for f in report.findings]
    for finding in report.findings:
        assert finding.severity in GUIDE[finding.code].severities, finding.code


def test_every_mechanism_code_has_a_scenario():
    """Every code of the mechanism side is covered by a world scenario (the codes about this
    machine come from a broken resolver instead: tests/integration/test_check_local.py)."""
    covered = {FindingCode(c) for c in {**FROM_EXISTING, **CHECK_SCENARIOS}}
    covered |= {FindingCode(c) for c in DNSSEC_SCENARIOS} - SERVER_CODES - TRANSPORT_CODES
    assert set(FindingCode) - SERVER_CODES - LOCAL_CODES - TRANSPORT_CODES == covered


@pytest.mark.parametrize(("code", "scenario"), sorted(DNSSEC_SCENARIOS.items()))
def test_each_dnssec_code_comes_from_its_scenario(world: WorldInfo, code: str, scenario: str):
    """The DNSSEC and DANE findings, each from its signed (or bogus, or unsigned) world
    domain checked whole with --dnssec validate, at a severity its guide allows."""
    report = signed_report_for(world, scenario)
    assert FindingCode(code) in codes(report), [f.message for f in report.findings]
    for finding in report.findings:
        assert finding.severity in GUIDE[finding.code].severities, finding.code


@pytest.mark.parametrize("mode", MODES)
def test_a_bogus_zone_is_said_bogus_not_unpublished(world: WorldInfo, mode: DnssecMode):
    """dnssec-bogus with DNSSEC on: the zone is bogus with its failing link (the DS), and the
    mechanisms whose answers failed validation are named as unread, never nothing-published.
    With DNSSEC off the same domain reads as before (its SRV records, no such finding)."""
    report = signed_report_for(world, "dnssec-bogus", mode)
    found = {f.code: f for f in report.findings}
    assert FindingCode.NOTHING_PUBLISHED not in found, report.findings
    bogus = found[FindingCode.MECHANISMS_BOGUS]
    assert bogus.severity is Severity.ERROR
    # Resolver mode tells bogus from a SERVFAIL only by data under CD=1: the SRV answers have
    # some; the zone's MX answer is empty (it has none), so only validation proves it bogus.
    expected = {Mechanism.SRV, Mechanism.MX} if mode is DnssecMode.VALIDATE else {Mechanism.SRV}
    if mode is DnssecMode.VALIDATE:  # the autoconfig hosts' addresses are in the bogus zone
        expected.add(Mechanism.AUTOCONFIG)
    assert expected <= set(bogus.mechanisms)
    assert any(e.startswith("bogus: _imaps._tcp.") for e in bogus.evidence), bogus.evidence
    srv = next(m for m in report.mechanisms if m.mechanism is Mechanism.SRV)
    assert DnssecStatus.BOGUS in {a.dnssec for a in srv.attempts}
    zone = found[FindingCode.ZONE_DNSSEC_BOGUS]
    assert report.transport is not None
    assert report.transport.dnssec is DnssecStatus.BOGUS
    if mode is DnssecMode.VALIDATE:  # the link is named where the library follows the chain
        assert report.transport.dnssec_detail is not None
        assert "DS" in report.transport.dnssec_detail
        assert report.transport.dnssec_detail in zone.evidence

    off = report_for(world, "dnssec-bogus")
    assert FindingCode.MECHANISMS_BOGUS not in codes(off)
    assert FindingCode.NOTHING_PUBLISHED not in codes(off)
    assert {a.dnssec for m in off.mechanisms for a in m.attempts} == {None}


def test_cli_check_of_a_bogus_zone_says_unread_not_unpublished(world: WorldInfo):
    """--check --dnssec validate on dnssec-bogus, human view: exit 5, the SRV section says its
    answers are bogus (not readable) and names them, and nothing says nothing-published."""
    domain = world.scenarios["dnssec-bogus"].domain
    argv = dnssec_args(world, DnssecMode.VALIDATE, domain, "--check", "--timeout", "10")
    code, out, _ = _cli(argv)
    assert code == 5, out
    assert "SRV records (RFC 6186 / RFC 8314) (not readable: DNSSEC bogus)" in out, out
    assert "Autoconfig (config-v1.1.xml) (not readable: DNSSEC bogus)" in out, out
    assert f"DNSSEC proves these answers bogus: _caldav._tcp.{domain} SRV" in out, out
    assert "[mechanisms-bogus]" in out
    assert "[zone-dnssec-bogus]" in out
    assert "[nothing-published]" not in out


@pytest.mark.parametrize("mode", MODES)
def test_signed_srv_targets_outside_the_domain_are_a_note(world: WorldInfo, mode: DnssecMode):
    """dnssec-srv: with DNSSEC on, each SRV target outside the domain is only a note that says
    the answer is signed (the library trusts such targets); with DNSSEC off, a warning."""
    report = signed_report_for(world, "dnssec-srv", mode)
    outside = [f for f in report.findings if f.code is FindingCode.SRV_TARGET_OUTSIDE_DOMAIN]
    assert len(outside) == 2, report.findings
    assert all(f.severity is Severity.INFO for f in outside)
    assert all("dnssec: secure" in f.evidence and "DNSSEC-signed" in f.message for f in outside)
    srv = next(m for m in report.mechanisms if m.mechanism is Mechanism.SRV)
    assert {r.dnssec for r in srv.dns} == {DnssecStatus.SECURE}

    off = report_for(world, "dnssec-srv")
    outside = [f for f in off.findings if f.code is FindingCode.SRV_TARGET_OUTSIDE_DOMAIN]
    assert len(outside) == 2
    assert all(f.severity is Severity.WARNING for f in outside)


@pytest.mark.parametrize("mode", MODES)
def test_a_server_verified_by_dane_only_is_said_so(world: WorldInfo, mode: DnssecMode):
    """dane: with DNSSEC on, the servers whose certificate only their TLSA 3 1 1 record
    vouches for are verified (no certificate error), marked dane_only, with a warning that
    clients without DANE reject the certificate."""
    report = signed_report_for(world, "dane", mode)
    assert report.servers
    for server in report.servers:
        assert server.verification is not None
        assert server.verification.ok, server.verification
        assert server.dane_only, server
    found = [f for f in report.findings if f.code is FindingCode.CERTIFICATE_DANE_ONLY]
    assert {(f.host, f.port) for f in found} == {(s.host, s.port) for s in report.servers}
    assert all("clients without DANE will reject" in f.message for f in found)
    refused = {FindingCode.CERTIFICATE_INVALID, FindingCode.CERTIFICATE_CHAIN_INCOMPLETE}
    assert not refused & codes(report), report.findings


def test_cli_check_of_a_dane_only_server(world: WorldInfo):
    """--check --dnssec validate --json on dane: dane_only in the JSON, the warning, exit 4;
    the human view says it in plain words."""
    domain = world.scenarios["dane"].domain
    argv = dnssec_args(world, DnssecMode.VALIDATE, domain, "--check", "--timeout", "10")
    code, out, _ = _cli([*argv, "--json"])
    report = DomainReport.model_validate(json.loads(out))
    assert FindingCode.CERTIFICATE_DANE_ONLY in codes(report)
    assert all(s.dane_only for s in report.servers)
    assert code == 4, [f.message for f in report.findings]
    _, human, _ = _cli(argv)
    assert "verified by DANE only" in human, human


# Codes of mail between servers this world cannot produce, each with its reason: none now.
# (mx-old-tls needs an OpenSSL that offers TLS 1.0/1.1; where it cannot, the same MX is
# reported as mx-starttls-missing, as test_each_transport_code_comes_from_its_scenario says.)
_TRANSPORT_UNIT_ONLY: set[FindingCode] = set()


@pytest.mark.parametrize(("code", "scenario"), sorted(TRANSPORT_SCENARIOS.items()))
def test_each_transport_code_comes_from_its_scenario(world: WorldInfo, code: str, scenario: str):
    """The MX hosts on port 25, MTA-STS and TLS-RPT, checked for real beside the mechanisms.
    An MX that speaks only TLS 1.0/1.1 is mx-old-tls where this machine's OpenSSL can offer
    those versions; where it cannot, no TLS is reached: mx-starttls-missing."""
    from autoconf.net.tls import legacy_context

    report = report_for(world, scenario)
    if code == FindingCode.MX_OLD_TLS and legacy_context() is None:
        code = FindingCode.MX_STARTTLS_MISSING
    assert FindingCode(code) in codes(report), [f.message for f in report.findings]
    for finding in report.findings:
        assert finding.severity in GUIDE[finding.code].severities, finding.code


def test_every_transport_code_has_a_scenario_or_a_reason():
    """Every code of mail between servers comes from a world scenario (with DNSSEC off or
    on), but those this world cannot produce, each with its reason above."""
    covered = {FindingCode(c) for c in TRANSPORT_SCENARIOS}
    covered |= {FindingCode(c) for c in DNSSEC_SCENARIOS} & TRANSPORT_CODES
    assert covered | _TRANSPORT_UNIT_ONLY == TRANSPORT_CODES
    assert not covered & _TRANSPORT_UNIT_ONLY


def test_mta_sts_enforce_judges_each_mx(world: WorldInfo):
    """check-mta-sts: the policy read, each MX probed on port 25, the severities enforce asks."""
    report = report_for(world, "check-mta-sts")
    d = world.scenarios["check-mta-sts"].domain
    assert report.transport is not None
    assert report.transport.mta_sts.mode == "enforce"
    assert report.transport.mta_sts.mx == [f"mx.{d}", f"mx2.{d}"]
    by_host = {h.host: h for h in report.transport.mx}
    good = by_host[f"mx.{d}"]
    assert good.verification is not None
    assert good.verification.ok
    assert good.tls_version in ("TLSv1.2", "TLSv1.3")
    assert good.spki_sha256 is not None
    assert len(good.spki_sha256) == 64
    found = {(f.code, f.host): f.severity for f in report.findings}
    assert found[(FindingCode.MX_CERTIFICATE, f"mx2.{d}")] is Severity.ERROR
    assert found[(FindingCode.MTA_STS_MX_MISMATCH, f"mx3.{d}")] is Severity.ERROR
    assert found[(FindingCode.MX_UNREACHABLE, f"mx3.{d}")] is Severity.WARNING
    assert not {c for c, h in found if h == f"mx.{d}"}


def test_srv_zone_prints_the_tlsa_record_of_the_mx(world: WorldInfo):
    """--format srv-zone: a 3 1 1 line for the MX from the key it presented on port 25."""
    domain = world.scenarios["check-clean"].domain
    code, out, _ = _cli([*cli_args(world, domain, "--check", "--format", "srv-zone")])
    lines = [line for line in out.splitlines() if " IN TLSA 3 1 1 " in line]
    assert any(line.startswith(f"_25._tcp.mx.{domain}. IN TLSA 3 1 1 ") for line in lines), out
    assert any(line.startswith(f"_993._tcp.imap.{domain}. ") for line in lines), out
    assert code == 0


def test_clean_domain_has_no_warning_or_error(world: WorldInfo):
    """check-clean.test: every mechanism published, in agreement; only notes remain."""
    report = report_for(world, "check-clean")
    assert [f.message for f in report.findings if f.severity is not Severity.INFO] == []
    published = {m.mechanism for m in report.mechanisms if m.published}
    assert {Mechanism.AUTOCONFIG, Mechanism.SRV, Mechanism.AUTODISCOVER, Mechanism.MX} <= published
    autoconfig = next(m for m in report.mechanisms if m.mechanism is Mechanism.AUTOCONFIG)
    assert [x.status for x in autoconfig.lookups] == [200] * 6


def test_disagreement_names_both_servers(world: WorldInfo):
    """The SRV-vs-autoconfig disagreement names both mechanisms and both IMAP hosts."""
    report = report_for(world, "check-srv-elsewhere")
    found = [f for f in report.findings if f.code is FindingCode.MECHANISMS_DISAGREE]
    assert any(set(f.mechanisms) == {Mechanism.AUTOCONFIG, Mechanism.SRV} for f in found)
    evidence = " ".join(e for f in found for e in f.evidence)
    d = world.scenarios["check-srv-elsewhere"].domain
    assert f"imap2.{d}" in evidence
    assert f"imap.{d}" in evidence


def test_certificate_finding_names_the_kind(world: WorldInfo):
    """A wrong-name web certificate is an error that says hostname-mismatch."""
    report = report_for(world, "check-web-cert")
    found = next(f for f in report.findings if f.code is FindingCode.AUTOCONFIG_CERTIFICATE)
    assert found.severity is Severity.ERROR
    assert "hostname-mismatch" in found.message


def _cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err, stdin=io.StringIO())
    return code, out.getvalue(), err.getvalue()


def test_cli_check_on_a_silent_domain_ends_within_the_deadline(world: WorldInfo):
    """--check on silent.test ends before its deadline and reports the silence, exit 4 or 5."""
    domain = world.scenarios["silent"].domain
    started = time.monotonic()
    code, out, _ = _cli([*cli_args(world, domain, "--check", "--json", "--timeout", "8")])
    elapsed = time.monotonic() - started
    assert elapsed < soon_after(8.0)  # the deadline, and the report built after it
    report = DomainReport.model_validate(json.loads(out))
    assert FindingCode.MECHANISM_TIMEOUT in codes(report)
    assert code in (4, 5)


def test_cli_check_clean_domain_exits_zero(world: WorldInfo):
    """--check on the clean domain: exit 0 and a report that says it is in order."""
    domain = world.scenarios["check-clean"].domain
    code, out, _ = _cli([*cli_args(world, domain, "--check", "--timeout", "8")])
    assert "Everything checked is in order" in out, out
    assert code == 0


# Every server finding through the whole command, as an admin runs it: scenario -> the codes
# its report must hold, and the exit status (4 warnings only, 5 errors, 0 clean).
_THROUGH_CLI = {
    "audit-legacy-tls": ({FindingCode.LEGACY_TLS_ACCEPTED}, 4),
    "audit-plaintext": ({FindingCode.PLAINTEXT_LOGIN_BEFORE_TLS}, 5),
    "audit-expiring": ({FindingCode.CERTIFICATE_EXPIRING}, 4),
    "audit-chain": ({FindingCode.CERTIFICATE_CHAIN_INCOMPLETE}, 5),
    "audit-no-starttls": ({FindingCode.STARTTLS_MISSING, FindingCode.IMPLICIT_TLS_MISSING}, 5),
    "audit-port25": ({FindingCode.SUBMISSION_MISSING}, 4),
    "expired": ({FindingCode.CERTIFICATE_INVALID}, 5),
    "silent": ({FindingCode.SERVER_UNREACHABLE}, 5),
    "check-clean": ({FindingCode.SASL_MECHANISMS}, 0),
    "audit-clean": ({FindingCode.SASL_MECHANISMS}, 0),
}


@pytest.mark.parametrize("scenario", sorted(_THROUGH_CLI))
def test_cli_check_reports_the_server_findings_with_their_exit_status(
    world: WorldInfo, scenario: str
):
    """python -m autoconf --check DOMAIN --json, servers probed: the scenario's server
    findings are in the report and the exit status is the documented one."""
    from autoconf.net.tls import legacy_context

    expected, status = _THROUGH_CLI[scenario]
    if scenario == "audit-legacy-tls" and legacy_context() is None:
        expected = {FindingCode.LEGACY_TLS_NOT_TESTED}  # this OpenSSL cannot offer TLS 1.0
        status = 0
    domain = world.scenarios[scenario].domain
    code, out, _ = _cli([*cli_args(world, domain, "--check", "--json", "--timeout", "8")])
    report = DomainReport.model_validate(json.loads(out))
    assert expected <= codes(report), [f.message for f in report.findings]
    assert code == status
    if status == 0:
        assert all(f.severity is Severity.INFO for f in report.findings)


def test_every_server_code_is_produced_through_the_cli():
    """Each server-side code appears in the CLI table above, except legacy-tls-not-tested,
    which this machine's OpenSSL (it offers TLS 1.0) cannot produce against a live server:
    tests/unit/check/test_servers.py::test_without_local_legacy_tls_the_report_says_not_tested
    produces it with legacy TLS switched off."""
    covered = {c for found, _ in _THROUGH_CLI.values() for c in found}
    covered.add(FindingCode.CERTIFICATE_DANE_ONLY)  # test_cli_check_of_a_dane_only_server
    scenarios = {FindingCode(c) for c in {**FROM_EXISTING, **CHECK_SCENARIOS}}
    server_side = SERVER_CODES - scenarios
    assert server_side - covered == {FindingCode.LEGACY_TLS_NOT_TESTED}
