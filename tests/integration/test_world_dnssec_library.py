"""The library against the world's DNSSEC and DANE scenarios (issue 23), in both modes.

``validate``: the library validates in process from the world root's DS
(``Options.trust_anchors``), asking Knot; ``resolver``: it trusts the AD bit of Unbound, the
world's validating resolver (``WorldInfo.resolver``). The world itself is checked with dnspython
and Unbound in test_world_dnssec.py; here only what the library makes of it.
"""

from __future__ import annotations

import io
import json
import ssl

import pytest

from autoconf import (
    DaneStatus,
    DiscoveryResult,
    DnssecMode,
    DnssecStatus,
    FailureKind,
    ServerSettings,
    SourceName,
    TlsStatus,
    Trust,
    WarningCode,
    check_domain,
    discover,
)
from autoconf.check import FindingCode
from autoconf.cli import main
from autoconf.net.dns import DnsClient
from autoconf.net.dnssec import read_anchors
from autoconf.options import Deadline
from autoconf.probe.driver import ProbeLimits, probe_server
from tests.world import WorldInfo
from tests.world.library import cli_args, dnssec_args, dnssec_options, library_options
from tests.world.scenarios_dnssec import ALIAS, MTA_STS_MX, TLSRPT

pytestmark = pytest.mark.world

MODES = [DnssecMode.VALIDATE, DnssecMode.RESOLVER]
SRV_ONLY = frozenset({SourceName.SRV})


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _srv_attempts(result: DiscoveryResult) -> list[DnssecStatus | None]:
    return [a.dnssec for a in result.attempts if a.source is SourceName.SRV]


def _first(servers: list[ServerSettings], host: str) -> ServerSettings:
    return next(s for s in servers if s.host == host)


@pytest.mark.parametrize("mode", MODES)
async def test_signed_srv_targets_outside_the_domain_are_trusted_with_a_note(
    world: WorldInfo, mode: DnssecMode
) -> None:
    """dnssec-srv: secure SRV records naming hosts in another domain give high trust (DNSSEC
    vouches for them), still with the host-outside-domain note; off, the same hosts are low."""
    scenario = world.scenarios["dnssec-srv"]
    assert scenario.incoming is not None
    options = dnssec_options(world, mode, sources=SRV_ONLY, verify=False)
    result = await discover(scenario.address, options=options)
    imap = result.incoming[0]
    assert imap.host == scenario.incoming.host
    assert imap.dnssec is DnssecStatus.SECURE
    assert imap.trust is Trust.HIGH
    assert set(_srv_attempts(result)) == {DnssecStatus.SECURE}
    outside = [w for w in result.warnings if w.code is WarningCode.HOST_OUTSIDE_DOMAIN]
    assert imap.host in {w.host for w in outside}

    off = await discover(scenario.address, options=library_options(world, sources=SRV_ONLY))
    assert off.incoming[0].host == imap.host
    assert off.incoming[0].trust is Trust.LOW
    assert off.incoming[0].dnssec is None


@pytest.mark.parametrize("mode", MODES)
async def test_dane_verifies_a_certificate_of_a_ca_not_in_the_ca_file(
    world: WorldInfo, mode: DnssecMode
) -> None:
    """dane: the servers' certificate comes from a CA the CA file does not hold; their secure
    TLSA 3 1 1 matches, so both verify by DANE. With DNSSEC off the certificate fails."""
    scenario = world.scenarios["dane"]
    assert scenario.incoming is not None
    assert scenario.outgoing is not None
    result = await discover(scenario.address, options=dnssec_options(world, mode, sources=SRV_ONLY))
    for server in (
        _first(result.incoming, scenario.incoming.host),
        _first(result.outgoing, scenario.outgoing.host),
    ):
        v = server.verification
        assert v is not None, server
        assert v.dane is DaneStatus.VERIFIED, v
        assert v.dane_record is not None
        assert v.dane_record.startswith("3 1 1 ")
        assert v.ok, v
        assert v.address_dnssec is DnssecStatus.SECURE, v  # the host's A record is signed

    off = await discover(scenario.address, options=library_options(world, sources=SRV_ONLY))
    v = _first(off.incoming, scenario.incoming.host).verification
    assert v is not None
    assert v.failure is FailureKind.CERTIFICATE
    assert (v.dane, v.address_dnssec) == (None, None)


@pytest.mark.parametrize("mode", MODES)
async def test_dane_follows_a_signed_alias_to_the_tlsa_of_its_target(
    world: WorldInfo, mode: DnssecMode
) -> None:
    """dane: mail.DOMAIN is a signed CNAME of imap.DOMAIN, which alone has a TLSA record; a
    probe of the alias finds it there (RFC 7671 §7) and verifies the server by DANE, with a
    trust store that holds no CA at all."""
    scenario = world.scenarios["dane"]
    options = dnssec_options(world, mode)
    anchors = read_anchors(options.trust_anchors) if options.trust_anchors else None
    dns = DnsClient(nameservers=options.nameservers, dnssec=mode, trust_anchors=anchors)
    alias = f"{ALIAS}.{scenario.domain}"
    answer = await dns.tlsa(alias, 993, Deadline(20))
    assert answer.dnssec is DnssecStatus.SECURE
    assert answer.names == (f"imap.{scenario.domain}", alias)
    assert [r.usage for r in answer.records] == [3]
    server = ServerSettings(protocol="imap", host=alias, port=993, security="tls")
    v = await probe_server(
        server,
        dns=dns,
        ssl_context=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT),  # verifying, and no CA loaded
        deadline=Deadline(20),
        limits=ProbeLimits.from_options(options),
    )
    assert (v.dane, v.tls, v.address_dnssec) == (
        DaneStatus.VERIFIED,
        TlsStatus.OK,
        DnssecStatus.SECURE,
    ), v
    dns.close()


@pytest.mark.parametrize("mode", MODES)
async def test_a_tlsa_that_does_not_match_fails(world: WorldInfo, mode: DnssecMode) -> None:
    """dane-mismatch: the world CA vouches for the servers, but their secure TLSA pins another
    key: DANE says failed, and the certificate is refused."""
    scenario = world.scenarios["dane-mismatch"]
    assert scenario.incoming is not None
    assert scenario.outgoing is not None
    result = await discover(scenario.address, options=dnssec_options(world, mode, sources=SRV_ONLY))
    for server in (
        _first(result.incoming, scenario.incoming.host),
        _first(result.outgoing, scenario.outgoing.host),
    ):
        v = server.verification
        assert v is not None, server
        assert v.dane is DaneStatus.FAILED, v
        assert v.failure is FailureKind.CERTIFICATE, v
        assert not v.ok


@pytest.mark.parametrize("mode", MODES)
async def test_a_zone_whose_ds_matches_no_key_is_refused(
    world: WorldInfo, mode: DnssecMode
) -> None:
    """dnssec-bogus: the SRV answers are bogus, said as such and never used; off, they are."""
    scenario = world.scenarios["dnssec-bogus"]
    assert scenario.incoming is not None
    options = dnssec_options(world, mode, sources=SRV_ONLY, verify=False)
    result = await discover(scenario.address, options=options)
    assert DnssecStatus.BOGUS in _srv_attempts(result)
    assert WarningCode.DNSSEC_BOGUS in {w.code for w in result.warnings}
    assert [s for s in result.incoming + result.outgoing if SourceName.SRV in s.sources] == []

    off = await discover(
        scenario.address, options=library_options(world, sources=SRV_ONLY, verify=False)
    )
    assert off.incoming[0].host == scenario.incoming.host


@pytest.mark.parametrize("mode", MODES)
async def test_an_unsigned_domain_is_unchanged(world: WorldInfo, mode: DnssecMode) -> None:
    """srv (unsigned, under the signed test.): the same servers, trust and checks as with DNSSEC
    off; its SRV answers are insecure and its servers have no TLSA (DANE none)."""
    scenario = world.scenarios["srv"]
    result = await discover(scenario.address, options=dnssec_options(world, mode, sources=SRV_ONLY))
    off = await discover(scenario.address, options=library_options(world, sources=SRV_ONLY))

    def shape(r: DiscoveryResult) -> list[tuple[str, int, str, Trust, bool]]:
        return [
            (s.host, s.port, s.security, s.trust, s.verification is not None and s.verification.ok)
            for s in r.incoming + r.outgoing
        ]

    assert shape(result) == shape(off)
    assert set(_srv_attempts(result)) == {DnssecStatus.INSECURE}
    assert {a.dnssec for a in off.attempts} == {None}
    probed = [s.verification for s in result.incoming + result.outgoing if s.verification]
    assert probed
    assert all(v.dane is DaneStatus.NONE for v in probed if v.tls.value == "ok")
    # Unsigned hosts (learned from a probe of the same host too); never-probed ones: none.
    assert {v.address_dnssec for v in probed if v.probed} == {DnssecStatus.INSECURE}


@pytest.mark.parametrize("mode", MODES)
async def test_fetches_carry_what_dnssec_proved_of_their_hosts(
    world: WorldInfo, mode: DnssecMode
) -> None:
    """autoconfig (unsigned): each HTTPS attempt records its host's addresses as insecure,
    and the document is used as without DNSSEC; off, the attempts say nothing of it."""
    scenario = world.scenarios["autoconfig"]
    sources = frozenset({SourceName.AUTOCONFIG})
    options = dnssec_options(world, mode, sources=sources, verify=False)
    result = await discover(scenario.address, options=options)
    fetched = [a for a in result.attempts if a.target.startswith("https://")]
    assert fetched
    assert {a.dnssec for a in fetched} == {DnssecStatus.INSECURE}
    assert result.incoming[0].host == f"imap.{scenario.domain}"

    off = await discover(
        scenario.address, options=library_options(world, sources=sources, verify=False)
    )
    assert {a.dnssec for a in off.attempts} == {None}


@pytest.mark.parametrize("mode", MODES)
def test_json_shows_dnssec_on_dns_attempts_and_dane_on_verifications(
    world: WorldInfo, mode: DnssecMode
) -> None:
    """--json --dnssec MODE on the dane scenario: "dnssec" on the SRV attempts, "dane" and
    "dane_record" on the probed servers' verification."""
    scenario = world.scenarios["dane"]
    code, out, err = _run(dnssec_args(world, mode, scenario.address, "--sources", "srv", "--json"))
    result = json.loads(out)
    assert code == 0, err
    srv = [a for a in result["attempts"] if a["source"] == "srv"]
    assert srv
    assert {a["dnssec"] for a in srv} == {"secure"}
    imap = next(s for s in result["incoming"] if s["host"] == f"imap.{scenario.domain}")
    assert imap["verification"]["dane"] == "verified"
    assert imap["verification"]["dane_record"].startswith("3 1 1 ")
    assert imap["verification"]["address_dnssec"] == "secure"


def test_json_without_dnssec_says_nothing_of_it(world: WorldInfo) -> None:
    """Without --dnssec: every attempt's "dnssec" is null, as is every verification's "dane"."""
    scenario = world.scenarios["srv"]
    code, out, err = _run(cli_args(world, scenario.address, "--sources", "srv", "--json"))
    result = json.loads(out)
    assert code == 0, err
    assert {a["dnssec"] for a in result["attempts"]} == {None}
    verifications = [s["verification"] for s in result["incoming"] if s["verification"]]
    assert verifications
    assert {v["dane"] for v in verifications} == {None}
    assert {v["address_dnssec"] for v in verifications} == {None}


@pytest.mark.parametrize("mode", MODES)
async def test_check_of_an_mx_with_tlsa_and_an_mta_sts_policy_naming_another_mx(
    world: WorldInfo, mode: DnssecMode
) -> None:
    """dane-mx, checked: the MX speaks STARTTLS on port 25 and its secure TLSA 3 1 1 matches
    its key; the MTA-STS policy (enforce) names only another MX, which a finding says; the
    TLS-RPT record is read."""
    d = world.domains["dane-mx"]
    report = await check_domain(d, options=dnssec_options(world, mode))
    transport = report.transport
    assert transport is not None, report.findings
    (mx,) = transport.mx
    assert mx.host == f"mx.{d}"
    assert mx.verification is not None
    assert mx.verification.tls is TlsStatus.OK, mx.verification
    assert mx.tlsa is not None
    assert mx.tlsa.dnssec is DnssecStatus.SECURE
    assert mx.tlsa.matches is True, mx.tlsa
    assert transport.mta_sts.mode == "enforce"
    assert transport.mta_sts.mx == [MTA_STS_MX]
    assert transport.tls_rpt == TLSRPT
    codes = {f.code for f in report.findings}
    assert FindingCode.MTA_STS_MX_MISMATCH in codes
    for absent in (
        FindingCode.MX_STARTTLS_MISSING,
        FindingCode.TLSA_MISMATCH,
        FindingCode.TLSA_NOT_SECURE,
        FindingCode.TLSA_BOGUS,
        FindingCode.TLS_RPT_MISSING,
    ):
        assert absent not in codes, report.findings
