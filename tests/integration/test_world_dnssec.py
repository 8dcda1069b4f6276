"""The world's DNSSEC and DANE (issue 23), checked with dnspython, Unbound and plain sockets.

The chain from the exported root DS down to each signed zone is validated here with
dnspython's ``dns.dnssec`` alone, so these tests say whether the world is right whatever the
library makes of it; Unbound, the world's validating resolver, must agree (AD bit, SERVFAIL).
"""

from __future__ import annotations

import hashlib
import smtplib
import socket
import ssl

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.world import WorldInfo
from tests.world.client import TIMEOUT, http, resolve_a, tls_context
from tests.world.scenarios_dnssec import (
    DNSSEC_SCENARIOS,
    MTA_STS_ID,
    MTA_STS_MX,
    MTA_STS_PATH,
    PROVIDER,
    TLSRPT,
    UNSIGNED,
)

pytestmark = pytest.mark.world

SIGNED = ("dnssec-srv", "dane", "dane-mismatch", "dane-mx")


class NoMatchingKeyError(Exception):
    """A zone publishes no DNSKEY that its DS in the parent names."""


def _ask(
    server: tuple[str, int], name: str, rtype: str, *, checking_disabled: bool = False
) -> dns.message.Message:
    """One question with DO set (TCP: signed answers can be long)."""
    query = dns.message.make_query(name, rtype, want_dnssec=True)
    if checking_disabled:
        query.flags |= dns.flags.CD
    return dns.query.tcp(query, server[0], port=server[1], timeout=TIMEOUT)


def _signed_rrset(
    world: WorldInfo, name: str, rtype: str
) -> tuple[dns.rrset.RRset, dns.rrset.RRset | None]:
    """The rrset and its RRSIG (None if unsigned), as Knot answers them."""
    answer = _ask(world.nameserver, name, rtype)
    owner, kind = dns.name.from_text(name), dns.rdatatype.from_text(rtype)
    rrset = answer.find_rrset(answer.answer, owner, dns.rdataclass.IN, kind)
    sigs = answer.get_rrset(answer.answer, owner, dns.rdataclass.IN, dns.rdatatype.RRSIG, kind)
    return rrset, sigs


def _anchor(world: WorldInfo) -> dns.rrset.RRset:
    assert world.trust_anchor is not None
    zone = dns.zone.from_text(world.trust_anchor.read_text(), origin=".", check_origin=False)
    return zone.find_rrset(".", "DS")


def _trusted_keys(world: WorldInfo, zone: str, ds: dns.rrset.RRset) -> dns.rrset.RRset:
    """The zone's DNSKEY set, proven by one of `ds` and signed by that key."""
    keys, sigs = _signed_rrset(world, zone, "DNSKEY")
    assert sigs is not None, f"DNSKEY {zone} is unsigned"
    origin = dns.name.from_text(zone)
    matching = [
        key for key in keys for d in ds if dns.dnssec.make_ds(origin, key, d.digest_type) == d
    ]
    if not matching:
        raise NoMatchingKeyError(f"no DNSKEY of {zone} matches its DS")
    dns.dnssec.validate(keys, sigs, {origin: keys})
    return keys


def _secure_chain(world: WorldInfo, zone: str) -> dns.rrset.RRset:
    """Walk from the world root's DS down to `zone` (root, test., zone); its trusted DNSKEYs."""
    keys = _trusted_keys(world, ".", _anchor(world))
    parent = "."
    for child in ("test", zone) if zone != "test" else ("test",):
        ds, sigs = _signed_rrset(world, child, "DS")
        assert sigs is not None
        dns.dnssec.validate(ds, sigs, {dns.name.from_text(parent): keys})
        keys, parent = _trusted_keys(world, child, ds), child
    return keys


def _validate(world: WorldInfo, zone: str, name: str, rtype: str) -> dns.rrset.RRset:
    keys = _secure_chain(world, zone)
    rrset, sigs = _signed_rrset(world, name, rtype)
    assert sigs is not None, f"{name} {rtype} is unsigned"
    dns.dnssec.validate(rrset, sigs, {dns.name.from_text(zone): keys})
    return rrset


def test_the_trust_anchor_is_the_world_roots_ds(world: WorldInfo) -> None:
    """One DS of algorithm 13 (ECDSA P-256), SHA-256, in zone-file form; it proves `.`."""
    (ds,) = _anchor(world)
    assert (ds.algorithm, ds.digest_type) == (13, 2)
    assert len(_trusted_keys(world, ".", _anchor(world))) == 1


@pytest.mark.parametrize("scenario", SIGNED)
def test_signed_zones_validate_from_the_anchor(world: WorldInfo, scenario: str) -> None:
    """Root -> test. -> the scenario's zone: every DS and DNSKEY set checks out."""
    d = world.domains[scenario]
    soa = _validate(world, d, d, "SOA")
    assert soa.name == dns.name.from_text(d)


def test_signed_srv_targets_outside_the_domain_validate(world: WorldInfo) -> None:
    """dnssec-srv's SRV records name hosts in another signed zone; both validate."""
    d = world.domains["dnssec-srv"]
    srv = _validate(world, d, f"_imaps._tcp.{d}", "SRV")
    (target,) = (rr.target.to_text(omit_final_dot=True) for rr in srv)
    assert target == f"imap.{PROVIDER}"
    assert not target.endswith(d)
    (a,) = _validate(world, PROVIDER, target, "A")
    assert a.address == world.hosts[target]


def test_the_bogus_zone_publishes_no_key_its_ds_names(world: WorldInfo) -> None:
    """dnssec-bogus is signed, its DS in test. validates, but matches none of its DNSKEYs."""
    d = world.domains["dnssec-bogus"]
    _, sigs = _signed_rrset(world, f"imap.{d}", "A")
    assert sigs is not None  # signed, so not merely insecure
    with pytest.raises(NoMatchingKeyError, match="matches its DS"):
        _secure_chain(world, d)


def test_the_unsigned_domain_is_proven_insecure(world: WorldInfo) -> None:
    """srv-only.test: no DS; the signed test. zone's NSEC at the delegation says NS, not DS."""
    d = world.domains[UNSIGNED]
    keys = _secure_chain(world, "test")
    answer = _ask(world.nameserver, d, "DS")
    assert answer.rcode() == dns.rcode.NOERROR
    assert not answer.answer
    owner = dns.name.from_text(d)
    nsec = answer.find_rrset(answer.authority, owner, dns.rdataclass.IN, dns.rdatatype.NSEC)
    sigs = answer.find_rrset(
        answer.authority, owner, dns.rdataclass.IN, dns.rdatatype.RRSIG, dns.rdatatype.NSEC
    )
    dns.dnssec.validate(nsec, sigs, {dns.name.from_text("test"): keys})
    types = {t for rr in nsec for window, bits in rr.windows for t in _types(window, bits)}
    assert dns.rdatatype.NS in types
    assert dns.rdatatype.DS not in types
    _, unsigned = _signed_rrset(world, f"_imaps._tcp.{d}", "SRV")
    assert unsigned is None


def _types(window: int, bits: bytes) -> list[int]:
    return [
        window * 256 + i * 8 + j
        for i, byte in enumerate(bits)
        for j in range(8)
        if byte >> (7 - j) & 1
    ]


def _resolver_answer(world: WorldInfo, name: str, rtype: str) -> dns.message.Message:
    assert world.resolver is not None
    return _ask(world.resolver, name, rtype)


@pytest.mark.parametrize(
    ("scenario", "owner", "rtype"),
    [
        ("dnssec-srv", "_imaps._tcp.{d}", "SRV"),
        ("dnssec-srv", f"imap.{PROVIDER}", "A"),
        ("dane", "_993._tcp.imap.{d}", "TLSA"),
        ("dane-mismatch", "_465._tcp.smtp.{d}", "TLSA"),
        ("dane-mx", "{d}", "MX"),
        ("dane-mx", "_25._tcp.mx.{d}", "TLSA"),
        ("dane-mx", "_mta-sts.{d}", "TXT"),
    ],
)
def test_unbound_sets_ad_for_signed_names(
    world: WorldInfo, scenario: str, owner: str, rtype: str
) -> None:
    """The validating resolver says the signed zones' answers are authentic (AD)."""
    answer = _resolver_answer(world, owner.format(d=world.domains[scenario]), rtype)
    assert answer.rcode() == dns.rcode.NOERROR
    assert answer.answer
    assert answer.flags & dns.flags.AD


def test_unbound_answers_unsigned_names_without_ad(world: WorldInfo) -> None:
    """srv-only.test (and a name outside test.) are insecure: answered, AD clear."""
    for name, rtype in (
        (f"_imaps._tcp.{world.domains[UNSIGNED]}", "SRV"),
        ("imap.gmail.com", "A"),
    ):
        answer = _resolver_answer(world, name, rtype)
        assert answer.rcode() == dns.rcode.NOERROR, name
        assert answer.answer, name
        assert not answer.flags & dns.flags.AD, name


def test_unbound_refuses_the_bogus_zone(world: WorldInfo) -> None:
    """dnssec-bogus: SERVFAIL from the validating resolver; with CD set, the data is there."""
    d = world.domains["dnssec-bogus"]
    assert _resolver_answer(world, f"imap.{d}", "A").rcode() == dns.rcode.SERVFAIL
    assert world.resolver is not None
    unchecked = _ask(world.resolver, f"imap.{d}", "A", checking_disabled=True)
    assert unchecked.rcode() == dns.rcode.NOERROR
    assert unchecked.answer


def _spki_sha256(der: bytes) -> str:
    key = x509.load_der_x509_certificate(der).public_key()
    spki = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest()


def _presented(world: WorldInfo, host: str, port: int) -> bytes:
    """The leaf certificate `host`:`port` presents over implicit TLS (not verified)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection((resolve_a(world, host), port), TIMEOUT) as sock,
        context.wrap_socket(sock, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return der


def _tlsa(world: WorldInfo, zone: str, owner: str) -> list[str]:
    rrset = _validate(world, zone, owner, "TLSA")
    assert all((rr.usage, rr.selector, rr.mtype) == (3, 1, 1) for rr in rrset)
    return [rr.cert.hex() for rr in rrset]


@pytest.mark.parametrize(("host", "port"), [("imap", 993), ("smtp", 465)])
def test_dane_servers_match_their_tlsa_and_fail_pkix(
    world: WorldInfo, host: str, port: int
) -> None:
    """dane: the TLSA 3 1 1 is the presented key's digest; the world CA does not vouch for it."""
    d = world.domains["dane"]
    name = f"{host}.{d}"
    assert _tlsa(world, d, f"_{port}._tcp.{name}") == [_spki_sha256(_presented(world, name, port))]
    with (
        socket.create_connection((resolve_a(world, name), port), TIMEOUT) as sock,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        tls_context(world).wrap_socket(sock, server_hostname=name)


@pytest.mark.parametrize(("host", "port"), [("imap", 993), ("smtp", 465)])
def test_dane_mismatch_servers_do_not_match_their_tlsa(
    world: WorldInfo, host: str, port: int
) -> None:
    """dane-mismatch: PKIX-valid servers (world CA) whose TLSA pins another key."""
    d = world.domains["dane-mismatch"]
    name = f"{host}.{d}"
    assert _spki_sha256(_presented(world, name, port)) not in _tlsa(
        world, d, f"_{port}._tcp.{name}"
    )
    with socket.create_connection((resolve_a(world, name), port), TIMEOUT) as sock:
        tls_context(world).wrap_socket(sock, server_hostname=name).close()


def test_dane_mx_speaks_starttls_with_the_pinned_key(world: WorldInfo) -> None:
    """dane-mx: the MX offers STARTTLS on 25 and presents the key its TLSA pins."""
    d = world.domains["dane-mx"]
    mx = f"mx.{d}"
    (record,) = _validate(world, d, d, "MX")
    assert record.exchange.to_text(omit_final_dot=True) == mx
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with smtplib.SMTP(resolve_a(world, mx), 25, "client.world.test", TIMEOUT) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("starttls")
        smtp.starttls(context=context)
        assert isinstance(smtp.sock, ssl.SSLSocket)
        der = smtp.sock.getpeercert(binary_form=True)
    assert der is not None
    assert _tlsa(world, d, f"_25._tcp.{mx}") == [_spki_sha256(der)]


def test_dane_mx_mta_sts_policy_names_another_mx(world: WorldInfo) -> None:
    """dane-mx: _mta-sts TXT, a policy over HTTPS whose only mx: is not the MX, and TLS-RPT."""
    d = world.domains["dane-mx"]
    (txt,) = _validate(world, d, f"_mta-sts.{d}", "TXT")
    assert b"".join(txt.strings).decode() == f"v=STSv1; id={MTA_STS_ID}"
    (rpt,) = _validate(world, d, f"_smtp._tls.{d}", "TXT")
    assert b"".join(rpt.strings).decode() == TLSRPT
    answer = http(world, "GET", f"https://mta-sts.{d}{MTA_STS_PATH}")
    assert answer.status == 200
    assert answer.content_type.startswith("text/plain")
    policy = dict(line.split(": ", 1) for line in answer.body.decode().splitlines() if ": " in line)
    assert policy["version"] == "STSv1"
    assert policy["mode"] == "enforce"
    assert policy["mx"] == MTA_STS_MX != f"mx.{d}"


def test_every_dnssec_scenario_is_in_the_world(world: WorldInfo) -> None:
    """Each scenario the module lists has its domain and expected servers."""
    for name in DNSSEC_SCENARIOS:
        scenario = world.scenarios[name]
        assert scenario.incoming is not None
        assert scenario.incoming.host in world.hosts
