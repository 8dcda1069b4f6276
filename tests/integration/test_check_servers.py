"""check_servers on the world's real Dovecot and Postfix: each server finding; a clean domain."""

from __future__ import annotations

import time
from collections.abc import Sequence

import pytest

from autoconf.check.report import Finding, FindingCode, LegacyTls, Mechanism, ServerReport, Severity
from autoconf.check.servers import check_servers
from autoconf.models import ServerSettings
from autoconf.net.session import Network
from autoconf.net.tls import legacy_context
from autoconf.options import Deadline
from tests.timing import halfway
from tests.world import WorldInfo
from tests.world.library import library_options
from tests.world.scenarios import Server, standard_servers
from tests.world.scenarios_audit import EXPIRING_DAYS

pytestmark = pytest.mark.world

PUBLISHED_BY = frozenset({Mechanism.AUTOCONFIG, Mechanism.SRV})


def _standard(d: str, *, pop3_110: bool = False) -> list[Server]:
    servers = standard_servers(d)
    if pop3_110:
        servers.insert(3, Server("pop3", f"pop.{d}", 110, "starttls"))
    return servers


def published(world: WorldInfo, scenario: str) -> list[Server]:
    """The servers the scenario's autoconfig and SRV name (see tests/world/scenarios_audit.py)."""
    d = world.domains[scenario]
    if scenario == "audit-no-starttls":
        return [
            Server("imap", f"imap.{d}", 143, "starttls"),
            Server("smtp", f"smtp.{d}", 587, "starttls"),
        ]
    if scenario == "audit-port25":
        return [
            Server("imap", f"imap.{d}", 993, "tls"),
            Server("smtp", f"smtp.{d}", 25, "starttls"),
        ]
    return _standard(d, pop3_110=scenario == "audit-plaintext")


async def run_check(
    world: WorldInfo, servers: Sequence[Server], *, deadline: float = 10.0, **options: float
) -> tuple[list[ServerReport], list[Finding]]:
    """check_servers on the world's servers, through the world's DNS and CA only."""
    opts = library_options(world, deadline=deadline, **options)
    network = Network(opts)
    try:
        named = [
            (
                ServerSettings(protocol=s.protocol, host=s.host, port=s.port, security=s.security),
                PUBLISHED_BY,
            )
            for s in servers
        ]
        return await check_servers(
            named,
            network=network.for_call(opts),
            options=opts,
            deadline=Deadline(deadline),
            domain="world.test",
        )
    finally:
        await network.aclose()


def at(findings: list[Finding], code: FindingCode) -> set[tuple[str | None, int | None]]:
    return {(f.host, f.port) for f in findings if f.code is code}


async def test_the_clean_domain_has_no_error_and_no_warning(world: WorldInfo):
    """audit-clean: every server reachable, verified, TLS >= 1.2 only, no plaintext login."""
    reports, findings = await run_check(world, published(world, "audit-clean"))
    bad = [f for f in findings if f.severity is not Severity.INFO]
    assert bad == []
    assert all(r.verification is not None and r.verification.ok for r in reports)
    expected = LegacyTls.REFUSED if legacy_context() is not None else LegacyTls.NOT_TESTED
    assert {r.legacy_tls for r in reports} == {expected}
    assert {r.plaintext_login_before_tls for r in reports if r.security.value == "starttls"} == {
        False
    }
    assert at(findings, FindingCode.SASL_MECHANISMS)  # the info findings are there


async def test_dovecot_and_postfix_accepting_tls_1_0_are_found(world: WorldInfo):
    """audit-legacy-tls: legacy-tls-accepted on IMAP, POP3 and SMTP 587 (or not-tested here)."""
    d = world.domains["audit-legacy-tls"]
    reports, findings = await run_check(world, published(world, "audit-legacy-tls"))
    legacy = {(f"imap.{d}", 993), (f"imap.{d}", 143), (f"pop.{d}", 995), (f"smtp.{d}", 587)}
    if legacy_context() is None:  # this machine's OpenSSL cannot offer TLS 1.0/1.1
        assert legacy <= at(findings, FindingCode.LEGACY_TLS_NOT_TESTED)
        assert {r.legacy_tls for r in reports} == {LegacyTls.NOT_TESTED}
        return
    assert at(findings, FindingCode.LEGACY_TLS_ACCEPTED) == legacy
    assert {(r.host, r.port) for r in reports if r.legacy_tls is LegacyTls.ACCEPTED} == legacy


async def test_login_offered_before_starttls_is_found(world: WorldInfo):
    """audit-plaintext: IMAP 143 (no LOGINDISABLED), POP3 110 (USER), SMTP 587 (AUTH) in clear."""
    d = world.domains["audit-plaintext"]
    reports, findings = await run_check(world, published(world, "audit-plaintext"))
    expected = {(f"imap.{d}", 143), (f"pop.{d}", 110), (f"smtp.{d}", 587)}
    assert at(findings, FindingCode.PLAINTEXT_LOGIN_BEFORE_TLS) == expected
    assert {(r.host, r.port) for r in reports if r.plaintext_login_before_tls} == expected


async def test_a_certificate_expiring_in_5_days_is_found(world: WorldInfo):
    """audit-expiring: certificate-expiring on every server, with the days left."""
    servers = published(world, "audit-expiring")
    _, findings = await run_check(world, servers)
    expiring = [f for f in findings if f.code is FindingCode.CERTIFICATE_EXPIRING]
    assert {(f.host, f.port) for f in expiring} == {(s.host, s.port) for s in servers}
    assert all(f"days left: {EXPIRING_DAYS}" in f.evidence for f in expiring)
    assert all(f.severity is Severity.WARNING for f in expiring)


async def test_a_leaf_without_its_intermediate_is_an_incomplete_chain(world: WorldInfo):
    """audit-chain: Dovecot and Postfix send only a leaf of an intermediate CA."""
    servers = published(world, "audit-chain")
    _, findings = await run_check(world, servers)
    assert at(findings, FindingCode.CERTIFICATE_CHAIN_INCOMPLETE) == {
        (s.host, s.port) for s in servers
    }
    assert not at(findings, FindingCode.CERTIFICATE_INVALID)


async def test_starttls_missing_and_no_implicit_tls_are_found(world: WorldInfo):
    """audit-no-starttls: 143 and 587 offer no STARTTLS; no 993 or 465 is published."""
    d = world.domains["audit-no-starttls"]
    _, findings = await run_check(world, published(world, "audit-no-starttls"))
    assert at(findings, FindingCode.STARTTLS_MISSING) == {(f"imap.{d}", 143), (f"smtp.{d}", 587)}
    assert at(findings, FindingCode.IMPLICIT_TLS_MISSING) == {
        (f"imap.{d}", None),
        (f"smtp.{d}", None),
    }
    assert not at(findings, FindingCode.SERVER_UNREACHABLE)


async def test_smtp_on_port_25_only_is_submission_missing(world: WorldInfo):
    """audit-port25: submission-missing for the SMTP host; IMAP 993 is fine."""
    d = world.domains["audit-port25"]
    _, findings = await run_check(world, published(world, "audit-port25"))
    assert at(findings, FindingCode.SUBMISSION_MISSING) == {(f"smtp.{d}", 25)}
    assert not at(findings, FindingCode.SERVER_UNREACHABLE)
    assert not at(findings, FindingCode.PLAINTEXT_LOGIN_BEFORE_TLS)


@pytest.mark.parametrize(
    ("scenario", "kind"), [("expired", "expired"), ("wrong-name", "hostname-mismatch")]
)
async def test_a_refused_certificate_names_its_kind(world: WorldInfo, scenario: str, kind: str):
    """The world's expired and wrong-name servers: certificate-invalid with the kind."""
    d = world.domains[scenario]
    _, findings = await run_check(world, [Server("imap", f"imap.{d}", 993, "tls")])
    (finding,) = [f for f in findings if f.code is FindingCode.CERTIFICATE_INVALID]
    assert f"kind: {kind}" in finding.evidence


async def test_a_silent_host_and_a_missing_host_are_unreachable_within_the_deadline(
    world: WorldInfo,
):
    """The silent host ends at its phase limit with timeout; a name without address with dns."""
    silent = world.domains["silent"]
    servers = [
        Server("imap", f"imap.{silent}", 993, "tls"),
        Server("smtp", f"smtp.{silent}", 587, "starttls"),
        Server("imap", f"nowhere.{world.domains['audit-clean']}", 993, "tls"),
    ]
    started = time.monotonic()
    _, findings = await run_check(
        world, servers, deadline=20.0, first_byte_timeout=1.0, tls_timeout=1.0
    )
    assert time.monotonic() - started < halfway(1.0 + 1.0, 20.0)  # its limits, not the deadline
    unreachable = {
        (f.host, f.port): f for f in findings if f.code is FindingCode.SERVER_UNREACHABLE
    }
    assert len(unreachable) == 3
    assert "failure: timeout" in unreachable[(f"imap.{silent}", 993)].evidence
    assert "failure: timeout" in unreachable[(f"smtp.{silent}", 587)].evidence
    assert "failure: dns" in unreachable[(f"nowhere.{world.domains['audit-clean']}", 993)].evidence
