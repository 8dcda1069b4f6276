"""DNSSEC validation over zones signed in memory (dnspython ``sign_zone``, Ed25519 keys)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from autoconf.errors import DnsError, DnsFailure
from autoconf.models import DnssecStatus
from autoconf.net import dns as dnsmod
from autoconf.net import dnssec as v
from autoconf.net.dns import DnsClient
from autoconf.options import Deadline, DnssecMode

dns_dnssec = v._dnssec()

IN = dns.rdataclass.IN
N = dns.name.from_text
ALG = dns_dnssec.Algorithm.ED25519


def _key() -> tuple[ed25519.Ed25519PrivateKey, Any]:
    private = ed25519.Ed25519PrivateKey.generate()
    return private, dns_dnssec.make_dnskey(private.public_key(), ALG, flags=257)


ZONES_TEXT = {
    ".": """
@ 3600 SOA ns.test. admin.test. 1 3600 600 86400 300
@ 3600 NS ns.test.
test. 3600 NS ns.test.
""",
    "test.": """
@ 3600 SOA ns.test. admin.test. 1 3600 600 86400 300
@ 3600 NS ns
ns 3600 A 127.0.0.1
signed 3600 NS ns
plain 3600 NS ns
n3 3600 NS ns
slow3 3600 NS ns
odd 3600 NS ns
odd 3600 DS 12345 200 2 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
oddhash 3600 NS ns
oddhash 3600 DS 12345 15 200 00112233445566778899aabbccddeeff
""",
    "slow3.test.": """
@ 3600 SOA ns.test. admin.test. 1 3600 600 86400 300
@ 3600 NS ns.test.
www 3600 A 127.0.0.3
""",
    "odd.test.": """
@ 3600 SOA ns.test. admin.test. 1 3600 600 86400 300
@ 3600 NS ns.test.
mail 3600 A 127.0.0.5
""",
    "oddhash.test.": """
@ 3600 SOA ns.test. admin.test. 1 3600 600 86400 300
@ 3600 NS ns.test.
mail 3600 A 127.0.0.5
""",
    "signed.test.": """
@ 3600 SOA ns.test. admin.test. 1 3600 600 86400 300
@ 3600 NS ns.test.
_imaps._tcp 3600 SRV 0 1 993 mail.signed.test.
mail 3600 A 127.0.0.2
_993._tcp.mail 3600 TLSA 3 1 1 0011223344556677889900112233445566778899001122334455667788990011
*.wild 3600 A 127.0.0.9
real.wild 3600 A 127.0.0.10
alias 3600 CNAME mail
broken 3600 CNAME mail
out 3600 CNAME mail.plain.test.
other 3600 CNAME www.n3.test.
_993._tcp.other 3600 TLSA 3 1 1 1111111111111111111111111111111111111111111111111111111111111111
""",
    "plain.test.": """
@ 3600 SOA ns.test. admin.test. 1 3600 600 86400 300
@ 3600 NS ns.test.
_imaps._tcp 3600 SRV 0 1 993 mail.plain.test.
mail 3600 A 127.0.0.6
_993._tcp.mail 3600 TLSA 3 1 1 2222222222222222222222222222222222222222222222222222222222222222
alias 3600 CNAME mail.signed.test.
""",
    "n3.test.": """
@ 3600 SOA ns.test. admin.test. 1 3600 600 86400 300
@ 3600 NS ns.test.
child 3600 NS ns.test.
www 3600 A 127.0.0.3
*.w 3600 A 127.0.0.9
real.w 3600 A 127.0.0.10
""",
    "child.n3.test.": """
@ 3600 SOA ns.test. admin.test. 1 3600 600 86400 300
@ 3600 NS ns.test.
mail 3600 A 127.0.0.4
""",
}
SIGNED = (".", "test.", "signed.test.", "n3.test.", "slow3.test.")


class World:
    """Authoritative answers from zones held in memory, as a resolver with CD=1 hands them over."""

    def __init__(self) -> None:
        self.zones: dict[dns.name.Name, dns.zone.Zone] = {}
        self.keys: dict[dns.name.Name, Any] = {}
        now = time.time()
        for origin in sorted(ZONES_TEXT, key=lambda o: -len(N(o))):  # children first (DS)
            zone = dns.zone.from_text(ZONES_TEXT[origin], origin=origin, relativize=False)
            self.zones[N(origin)] = zone
        for origin in sorted(SIGNED, key=lambda o: -len(N(o))):
            name = N(origin)
            private, dnskey = _key()
            self.keys[name] = dnskey
            zone = self.zones[name]
            with zone.writer() as txn:
                for child, key in self.keys.items():
                    if child != name and child.parent() == name:
                        txn.add(child, 3600, dns_dnssec.make_ds(child, key, "SHA256"))
                dns_dnssec.sign_zone(
                    zone,
                    txn,
                    keys=[(private, dnskey)],
                    inception=now - 3600,
                    expiration=now + 86400,
                )
                if origin == "n3.test.":
                    _hashed_denial(txn, name, private, dnskey, now)
                if origin == "slow3.test.":  # more iterations than validators use
                    _hashed_denial(txn, name, private, dnskey, now, iterations=200)
        root_key = self.keys[dns.name.root]
        self.anchors = v.parse_anchors(
            ". 0 IN DS " + dns_dnssec.make_ds(dns.name.root, root_key, "SHA256").to_text()
        )

    def zone_for(self, name: dns.name.Name, rdtype: int) -> dns.zone.Zone:
        if rdtype == dns.rdatatype.DS and name != dns.name.root:
            name = name.parent()
        best = max((o for o in self.zones if name.is_subdomain(o)), key=len)
        return self.zones[best]

    async def ask(self, name: dns.name.Name, rdtype: Any) -> dns.message.Message:
        zone = self.zone_for(name, rdtype)
        query = dns.message.make_query(name, rdtype, want_dnssec=True)
        msg = dns.message.make_response(query)
        node = zone.get_node(name)
        if node is not None:
            found = node.get_rdataset(IN, rdtype)
            if found is not None:
                msg.answer.append(_rrset(name, found))
                sig = node.get_rdataset(IN, dns.rdatatype.RRSIG, rdtype)
                if sig is not None:
                    msg.answer.append(_rrset(name, sig))
                return msg
        self._deny(zone, name, node is not None, msg)
        return msg

    def _deny(
        self, zone: dns.zone.Zone, name: dns.name.Name, exists: bool, msg: dns.message.Message
    ) -> None:
        if not exists:
            msg.set_rcode(dns.rcode.NXDOMAIN)
        proofs = []
        for owner, node in zone.nodes.items():
            for rdtype in (dns.rdatatype.NSEC, dns.rdatatype.NSEC3):
                found = node.get_rdataset(IN, rdtype)
                if found is not None:
                    proofs.append(
                        (owner, found, node.get_rdataset(IN, dns.rdatatype.RRSIG, rdtype))
                    )
        for owner, found, sig in proofs:
            msg.authority.append(_rrset(owner, found))
            if sig is not None:
                msg.authority.append(_rrset(owner, sig))


def _hashed_denial(
    txn: Any, origin: dns.name.Name, private: Any, dnskey: Any, now: float, iterations: int = 0
) -> None:
    """Replace the NSEC chain ``sign_zone`` made by an NSEC3 chain (it signs NSEC only)."""
    owners: dict[dns.name.Name, list[str]] = {}
    for name, rdataset in list(txn.iterate_rdatasets()):
        if rdataset.rdtype == dns.rdatatype.NSEC or rdataset.covers == dns.rdatatype.NSEC:
            txn.delete(name, rdataset.rdtype, rdataset.covers)
            continue
        owners.setdefault(name, [])
        if rdataset.rdtype != dns.rdatatype.RRSIG:
            owners[name].append(dns.rdatatype.to_text(rdataset.rdtype))
    for name in owners:
        if txn.get(name, dns.rdatatype.RRSIG, dns.rdatatype.A) or name == origin:
            owners[name].append("RRSIG")
    owners[origin].append("NSEC3PARAM")
    for name in list(owners):  # empty non-terminals are hashed too (RFC 5155 §7.1)
        while name != origin:
            name = name.parent()
            owners.setdefault(name, [])
    hashed = sorted((str(dns_dnssec.nsec3_hash(n, b"", iterations, 1)), n) for n in owners)
    param = dns.rdata.from_text(IN, "NSEC3PARAM", f"1 0 {iterations} -")
    txn.add(origin, 300, param)
    _sign(txn, origin, dns.rrset.from_rdata(origin, 300, param), private, dnskey, now)
    for i, (digest, name) in enumerate(hashed):
        following = hashed[(i + 1) % len(hashed)][0]
        owner = dns.name.from_text(digest.lower(), origin)
        text = f"1 0 {iterations} - {following.lower()} {' '.join(owners[name])}"
        rrset = dns.rrset.from_text(owner, 300, IN, "NSEC3", text)
        txn.add(owner, 300, rrset[0])
        _sign(txn, origin, rrset, private, dnskey, now)


def _sign(
    txn: Any, origin: dns.name.Name, rrset: Any, private: Any, dnskey: Any, now: float
) -> None:
    sig = dns_dnssec.sign(
        rrset, private, origin, dnskey, inception=now - 3600, expiration=now + 86400
    )
    txn.add(rrset.name, rrset.ttl, sig)


def _rrset(name: dns.name.Name, rdataset: Any) -> dns.rrset.RRset:
    rrset = dns.rrset.RRset(name, IN, rdataset.rdtype, rdataset.covers)
    rrset.update(rdataset)  # type: ignore[no-untyped-call]
    return rrset


@pytest.fixture(scope="module")
def world() -> World:
    return World()


def _judge(world: World, name: str, rdtype: str, **kw: Any) -> v.Verdict:
    async def run() -> v.Verdict:
        qtype = dns.rdatatype.from_text(rdtype)
        msg = kw.pop("msg", None) or await world.ask(N(name), qtype)
        ask = kw.pop("ask", world.ask)
        return await v.judge(ask, msg, N(name), qtype, world.anchors, kw.pop("now", time.time()))

    return asyncio.run(run())


def test_secure_chain(world: World) -> None:
    verdict = _judge(world, "_imaps._tcp.signed.test.", "SRV")
    assert verdict.status is DnssecStatus.SECURE
    assert "signed.test" in verdict.detail


def test_insecure_delegation_nsec(world: World) -> None:
    verdict = _judge(world, "_imaps._tcp.plain.test.", "SRV")
    assert verdict.status is DnssecStatus.INSECURE
    assert "plain.test" in verdict.detail


def test_insecure_delegation_nsec3(world: World) -> None:
    verdict = _judge(world, "mail.child.n3.test.", "A")
    assert verdict.status is DnssecStatus.INSECURE
    assert "child.n3.test" in verdict.detail


def test_secure_in_nsec3_zone(world: World) -> None:
    assert _judge(world, "www.n3.test.", "A").status is DnssecStatus.SECURE


def test_bogus_bad_signature(world: World) -> None:
    async def tampered() -> dns.message.Message:
        msg = await world.ask(N("_imaps._tcp.signed.test."), dns.rdatatype.SRV)
        srv = msg.answer[0]
        forged = dns.rrset.from_text(srv.name, srv.ttl, IN, "SRV", "0 1 994 evil.example.")
        msg.answer[0] = forged
        return msg

    msg = asyncio.run(tampered())
    verdict = _judge(world, "_imaps._tcp.signed.test.", "SRV", msg=msg)
    assert verdict.status is DnssecStatus.BOGUS


def test_bogus_unsigned_answer_in_signed_zone(world: World) -> None:
    msg = asyncio.run(world.ask(N("mail.signed.test."), dns.rdatatype.A))
    del msg.answer[1:]
    assert _judge(world, "mail.signed.test.", "A", msg=msg).status is DnssecStatus.BOGUS


def test_bogus_ds_matching_no_key(world: World) -> None:
    _, stranger = _key()

    async def ask(name: dns.name.Name, rdtype: Any) -> dns.message.Message:
        msg = await world.ask(name, rdtype)
        if rdtype == dns.rdatatype.DNSKEY and name == N("signed.test."):
            msg.answer[0] = dns.rrset.from_rdata(name, 3600, stranger)
        return msg

    verdict = _judge(world, "_imaps._tcp.signed.test.", "SRV", ask=ask)
    assert verdict.status is DnssecStatus.BOGUS
    assert "signed.test" in verdict.detail


def test_bogus_expired_signature(world: World) -> None:
    later = time.time() + 10 * 86400
    assert _judge(world, "_imaps._tcp.signed.test.", "SRV", now=later).status is (
        DnssecStatus.BOGUS
    )


def test_denial_of_existence_secure(world: World) -> None:
    nx = _judge(world, "nothere.signed.test.", "A")
    nodata = _judge(world, "signed.test.", "MX")
    nodata3 = _judge(world, "www.n3.test.", "MX")
    assert (nx.status, nodata.status, nodata3.status) == (DnssecStatus.SECURE,) * 3


def test_denial_without_proof_is_bogus(world: World) -> None:
    async def bare() -> dns.message.Message:
        msg = await world.ask(N("nothere.signed.test."), dns.rdatatype.A)
        msg.authority.clear()
        return msg

    msg = asyncio.run(bare())
    assert _judge(world, "nothere.signed.test.", "A", msg=msg).status is DnssecStatus.BOGUS


@pytest.mark.parametrize("zone", ["odd.test.", "oddhash.test."])
def test_a_ds_of_unsupported_algorithms_or_digests_is_insecure_not_bogus(
    world: World, zone: str
) -> None:
    """A signed DS whose key algorithm (200) or digest type (200) this validator does not
    implement makes the zone unsigned to it (RFC 4035 §5.2, RFC 6840 §5.2): insecure."""
    verdict = _judge(world, f"mail.{zone}", "A")
    assert verdict.status is DnssecStatus.INSECURE
    assert zone.rstrip(".") in verdict.detail


def test_nsec3_with_more_iterations_than_validators_use_is_insecure(world: World) -> None:
    """A signed zone denying with NSEC3 of 200 iterations (over RFC 9276's limit): its
    negative answers, and names below a name it denies, are insecure; its signed records
    stay secure."""
    nodata = _judge(world, "slow3.test.", "MX")
    below = _judge(world, "x.nothere.slow3.test.", "A")
    assert (nodata.status, below.status) == (DnssecStatus.INSECURE, DnssecStatus.INSECURE)
    assert "NSEC3" in nodata.detail
    assert "NSEC3" in below.detail
    assert _judge(world, "www.slow3.test.", "A").status is DnssecStatus.SECURE


def test_nsec3_of_an_unknown_hash_proves_nothing_and_never_raises(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NSEC3 records naming hash algorithm 2 (none is defined but SHA-1) are not hashed with
    (which would raise): the denial is unusable, so insecure."""

    async def build() -> dns.message.Message:
        msg = await world.ask(N("www.n3.test."), dns.rdatatype.MX)
        for rrset in msg.authority:
            if rrset.rdtype == dns.rdatatype.NSEC3:
                rd = rrset[0]
                rrset.clear()
                rrset.add(rd.replace(algorithm=2))
        return msg

    msg = asyncio.run(build())
    monkeypatch.setattr(v, "check_rrset", lambda *args: None)  # signatures aside
    keys = dns.rrset.RRset(N("n3.test."), IN, dns.rdatatype.DNSKEY)
    proof = v.denial(msg, N("www.n3.test."), dns.rdatatype.MX, N("n3.test."), keys, time.time())
    assert proof is v.Denial.UNUSABLE


def test_supported_follows_the_policy_of_validators() -> None:
    """A SHA-1 DS is still followed (RFC 8624 lets validators use it); an RSAMD5, GOST or
    unknown algorithm and a GOST or unknown digest are not."""

    def ok(alg: int, digest: int) -> bool:
        size = {1: 20, 2: 32, 3: 32, 4: 48}.get(digest, 16)  # the digest's length, by its type
        text = f"12345 {alg} {digest} {'ab' * size}"
        return v.supported(dns.rdata.from_text(IN, "DS", text))

    assert all([ok(15, 1), ok(8, 2), ok(13, 4)])
    assert not any([ok(1, 2), ok(12, 2), ok(200, 2), ok(15, 3), ok(15, 200)])


def test_a_sha1_ds_matches_its_key(world: World) -> None:
    """A DS with a SHA-1 digest (which dnspython refuses to make by default) anchors its key."""
    key = world.keys[N("signed.test.")]
    sha1 = dns_dnssec.make_ds(N("signed.test."), key, "SHA1", policy=dns_dnssec.allow_all_policy)
    assert v._ds_matches(N("signed.test."), key, sha1)


def _wildcard_answer(
    world: World, wildcard: str, name: str, *, proof: bool = True
) -> dns.message.Message:
    """The signed records of ``wildcard`` as the answer for ``name`` (their RRSIG unchanged),
    with the zone's NSEC or NSEC3 records in the authority section when ``proof``."""

    async def build() -> dns.message.Message:
        signed = await world.ask(N(wildcard), dns.rdatatype.A)
        denied = await world.ask(N("zz-nothing." + wildcard[2:]), dns.rdatatype.A)
        msg = dns.message.make_response(dns.message.make_query(N(name), dns.rdatatype.A))
        for rrset in signed.answer:
            msg.answer.append(_rrset(N(name), rrset))
        if proof:
            msg.authority.extend(denied.authority)
        return msg

    return asyncio.run(build())


@pytest.mark.parametrize("wildcard", ["*.wild.signed.test.", "*.w.n3.test."])
def test_a_wildcard_answer_with_a_proof_of_the_names_absence_is_secure(
    world: World, wildcard: str
) -> None:
    """An answer expanded from a wildcard, with the NSEC (or NSEC3) record that proves the
    name itself does not exist, is secure (RFC 4035 §5.3.4, RFC 5155 §8.8)."""
    name = "x." + wildcard[2:]
    msg = _wildcard_answer(world, wildcard, name)
    assert _judge(world, name, "A", msg=msg).status is DnssecStatus.SECURE


@pytest.mark.parametrize("wildcard", ["*.wild.signed.test.", "*.w.n3.test."])
def test_a_wildcard_answer_without_proof_is_bogus(world: World, wildcard: str) -> None:
    """Without the NSEC/NSEC3 proof, a wildcard expansion could stand in for records that
    exist: bogus."""
    name = "x." + wildcard[2:]
    msg = _wildcard_answer(world, wildcard, name, proof=False)
    verdict = _judge(world, name, "A", msg=msg)
    assert verdict.status is DnssecStatus.BOGUS
    assert "wildcard" in verdict.detail


@pytest.mark.parametrize("wildcard", ["*.wild.signed.test.", "*.w.n3.test."])
def test_a_wildcard_answer_for_a_name_that_exists_is_bogus(world: World, wildcard: str) -> None:
    """The wildcard's records replayed for a name that exists (``real.``): no NSEC/NSEC3
    covers it, so the proof fails: bogus."""
    name = "real." + wildcard[2:]
    msg = _wildcard_answer(world, wildcard, name)
    assert _judge(world, name, "A", msg=msg).status is DnssecStatus.BOGUS


def test_an_answer_signed_over_its_own_name_needs_no_proof(world: World) -> None:
    """A wildcard's own records asked for by their name (``*.wild``) and plain names are
    not expansions: no denial is asked for."""
    assert _judge(world, "*.wild.signed.test.", "A").status is DnssecStatus.SECURE
    assert _judge(world, "real.wild.signed.test.", "A").status is DnssecStatus.SECURE


def test_a_name_below_an_alias_is_in_the_aliases_zone(world: World) -> None:
    """The chain walk asks for the DS of an alias (``alias.signed.test``): whether the answer
    is the signed CNAME itself (as servers that follow it give) or an NSEC naming CNAME, the
    alias is no zone cut, and a name below it is judged by the zone's own proof."""

    async def alias_answers(name: dns.name.Name, rdtype: Any) -> dns.message.Message:
        if rdtype == dns.rdatatype.DS and name == N("alias.signed.test."):
            return await world.ask(name, dns.rdatatype.CNAME)
        return await world.ask(name, rdtype)

    name = "_993._tcp.alias.signed.test."
    assert _judge(world, name, "TLSA").status is DnssecStatus.SECURE
    assert _judge(world, name, "TLSA", ask=alias_answers).status is DnssecStatus.SECURE


def _negative(world: World, name: str, rdtype: str, *, rcode: int, keep: Any = None) -> Any:
    """The zone's denial for ``name`` (every NSEC/NSEC3 record of the zone, or those ``keep``
    accepts) under the given ``rcode``."""

    async def build() -> dns.message.Message:
        msg = await world.ask(N(name), dns.rdatatype.from_text(rdtype))
        msg.set_rcode(rcode)
        if keep is not None:
            msg.authority[:] = [r for r in msg.authority if keep(r.name)]
        return msg

    return asyncio.run(build())


def test_nxdomain_needs_the_wildcards_absence_proven_too(world: World) -> None:
    """An NSEC covering the name alone does not prove NXDOMAIN: the wildcard at its closest
    encloser (``*.signed.test``, covered by another NSEC) must be proven absent too."""
    name = "nothere.signed.test."
    only_the_name = _negative(
        world,
        name,
        "A",
        rcode=dns.rcode.NXDOMAIN,
        keep=lambda o: o == N("_993._tcp.mail.signed.test."),
    )
    assert _judge(world, name, "A", msg=only_the_name).status is DnssecStatus.BOGUS
    assert _judge(world, name, "A").status is DnssecStatus.SECURE


def test_nxdomain_nsec3_needs_the_wildcards_absence_proven_too(world: World) -> None:
    """NSEC3: the closest encloser and the next closer name are not enough without the
    record covering the wildcard's hash (RFC 5155 §8.4)."""
    denial = asyncio.run(world.ask(N("nx.n3.test."), dns.rdatatype.A))
    hashed = [r for r in denial.authority if r.rdtype == dns.rdatatype.NSEC3]
    digest, table = v._hashes(hashed, N("n3.test."))
    wildcard = digest(N("*.n3.test."))
    for label in ("nx", "nx1", "nx2", "nx3", "nx4", "nx5", "nx6", "nx7"):
        name = f"{label}.n3.test."  # one whose own proof leaves the wildcard uncovered
        needed = {digest(N("n3.test.")), _cover(table, digest(N(name)))}
        if _cover(table, wildcard) not in needed:
            break
    else:
        pytest.fail("no name whose proof is apart from the wildcard's")
    keep = lambda o: o.labels[0].decode().upper() in needed  # noqa: E731
    msg = _negative(world, name, "A", rcode=dns.rcode.NXDOMAIN, keep=keep)
    assert _judge(world, name, "A", msg=msg).status is DnssecStatus.BOGUS
    assert _judge(world, name, "A").status is DnssecStatus.SECURE


def _cover(table: dict[str, Any], hashed: str) -> str:
    return next(owner for owner, rd in table.items() if v._covering({owner: rd}, hashed))


@pytest.mark.parametrize("zone", ["wild.signed.test.", "w.n3.test."])
def test_a_name_a_wildcard_answers_is_never_nxdomain_but_may_lack_a_type(
    world: World, zone: str
) -> None:
    """Under ``*.ZONE`` (an A record), a denial that ``y.ZONE`` exists is bogus (the wildcard
    answers for it), while the absence of its TXT is a proven no-data answer (RFC 4035
    §3.1.3.4, RFC 5155 §7.2.5)."""
    name = f"y.{zone}"
    denied = _negative(world, name, "A", rcode=dns.rcode.NXDOMAIN)
    nodata = _negative(world, name, "TXT", rcode=dns.rcode.NOERROR)
    assert _judge(world, name, "A", msg=denied).status is DnssecStatus.BOGUS
    assert _judge(world, name, "TXT", msg=nodata).status is DnssecStatus.SECURE


def test_an_empty_non_terminal_has_no_data_not_no_name(world: World) -> None:
    """``_tcp.mail.signed.test`` has names below it: its NSEC proof is a no-data answer."""
    name = "_tcp.mail.signed.test."
    nodata = _negative(world, name, "A", rcode=dns.rcode.NOERROR)
    assert _judge(world, name, "A", msg=nodata).status is DnssecStatus.SECURE


def test_zone_status(world: World) -> None:
    async def run(domain: str) -> DnssecStatus:
        verdict = await v.zone_status(world.ask, N(domain), world.anchors, time.time())
        return verdict.status

    assert asyncio.run(run("signed.test.")) is DnssecStatus.SECURE
    assert asyncio.run(run("plain.test.")) is DnssecStatus.INSECURE


def test_root_anchors_are_the_two_iana_ksks() -> None:
    anchors = v.parse_anchors(v.ROOT_ANCHORS)
    assert sorted(ds.key_tag for ds in anchors[dns.name.root]) == [20326, 38696]


@pytest.mark.parametrize("text", ["", "example. IN A 127.0.0.1", "not a record at all ("])
def test_bad_anchors_are_a_clear_error(text: str) -> None:
    with pytest.raises(ValueError, match=r"anchor|records"):
        v.parse_anchors(text)


# The client: DNSSEC mode through DnsClient, the world standing in for its nameservers.


def _client(mode: DnssecMode, world: World | None = None) -> DnsClient:
    return DnsClient(
        nameservers=(("127.0.0.1", 5399),),
        dnssec=mode,
        trust_anchors=world.anchors if world else None,
    )


def test_client_validate(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    async def fake_ask(resolver: Any, name: Any, rdtype: Any, within: Any, backend: Any) -> Any:
        assert resolver.flags & dns.flags.CD
        return await world.ask(name, rdtype)

    monkeypatch.setattr(dnsmod, "_ask", fake_ask)

    async def run() -> None:
        client = _client(DnssecMode.VALIDATE, world)
        records = await client.srv("_imaps._tcp.signed.test", Deadline(30))
        assert records[0].port == 993
        assert client.dnssec_of("_imaps._tcp.signed.test", "SRV") is DnssecStatus.SECURE
        tlsa = await client.tlsa("mail.signed.test", 993, Deadline(30))
        assert (len(tlsa.records), tlsa.dnssec) == (1, DnssecStatus.SECURE)
        assert await client.addresses("mail.signed.test", Deadline(30)) == ["127.0.0.2"]
        assert (await client.zone_dnssec("plain.test", Deadline(30)))[0] is DnssecStatus.INSECURE
        assert await client.srv("_imaps._tcp.plain.test", Deadline(30))
        assert client.dnssec_of("_imaps._tcp.plain.test", "SRV") is DnssecStatus.INSECURE

    asyncio.run(run())


def _validating(world: World, monkeypatch: pytest.MonkeyPatch, tamper: Any = None) -> None:
    """The client's questions answered by ``world`` (``tamper`` may change a message)."""

    async def fake_ask(resolver: Any, name: Any, rdtype: Any, within: Any, backend: Any) -> Any:
        msg = await world.ask(name, rdtype)
        return tamper(name, rdtype, msg) if tamper else msg

    monkeypatch.setattr(dnsmod, "_ask", fake_ask)


def _tlsa(world: World, host: str) -> dnsmod.DnsAnswer[Any]:
    async def run() -> dnsmod.DnsAnswer[Any]:
        return await _client(DnssecMode.VALIDATE, world).tlsa(host, 993, Deadline(30))

    return asyncio.run(run())


def test_tlsa_of_an_alias_is_looked_up_at_its_secure_target_first(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host that is a CNAME alias in a signed zone: the TLSA records at the name it expands
    to are used, secure, and both names are reference identifiers (RFC 7671 §7)."""
    _validating(world, monkeypatch)
    answer = _tlsa(world, "alias.signed.test")
    assert answer.dnssec is DnssecStatus.SECURE
    assert [r.data[:2] for r in answer.records] == [b"\x00\x11"]
    assert answer.names == ("mail.signed.test", "alias.signed.test")


def test_tlsa_falls_back_to_the_alias_itself(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """No TLSA at the expanded name (proven absent): the records at the original name are
    used (RFC 7671 §7)."""
    _validating(world, monkeypatch)
    answer = _tlsa(world, "other.signed.test")
    assert answer.dnssec is DnssecStatus.SECURE
    assert [r.data[:1] for r in answer.records] == [b"\x11"]
    assert answer.names == ("www.n3.test", "other.signed.test")


@pytest.mark.parametrize("host", ["out.signed.test", "alias.plain.test"])
def test_tlsa_behind_an_insecure_link_of_the_chain_is_not_secure(
    world: World, monkeypatch: pytest.MonkeyPatch, host: str
) -> None:
    """A chain with an unsigned link (the target's zone, or the alias's own) leaves any TLSA
    record unproven: insecure, and the expanded name is not a reference identifier."""
    _validating(world, monkeypatch)
    answer = _tlsa(world, host)
    assert answer.dnssec is DnssecStatus.INSECURE
    assert answer.names == (host,)


def test_tlsa_behind_a_bogus_link_is_bogus(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A CNAME link whose signature was stripped in a signed zone: bogus, raised as such."""

    def strip(name: Any, rdtype: Any, msg: dns.message.Message) -> dns.message.Message:
        if rdtype == dns.rdatatype.CNAME and name == N("broken.signed.test."):
            del msg.answer[1:]
        return msg

    _validating(world, monkeypatch, strip)
    with pytest.raises(DnsError) as caught:
        _tlsa(world, "broken.signed.test")
    assert caught.value.kind is DnsFailure.BOGUS


def test_tlsa_of_a_plain_host_names_the_host(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """No alias: the records of ``_PORT._tcp.HOST``, the host its one reference identifier."""
    _validating(world, monkeypatch)
    answer = _tlsa(world, "mail.signed.test")
    assert (len(answer.records), answer.dnssec) == (1, DnssecStatus.SECURE)
    assert answer.names == ("mail.signed.test",)


def test_address_status_says_what_dnssec_proved_of_a_hosts_addresses(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host in a signed zone: its addresses are secure; in an unsigned one: insecure; an
    IP literal has no DNS fact (None); a host never looked up: unknown; DNSSEC off: None."""
    _validating(world, monkeypatch)

    async def run() -> None:
        client = _client(DnssecMode.VALIDATE, world)
        assert await client.addresses("mail.signed.test", Deadline(30)) == ["127.0.0.2"]
        assert await client.addresses("mail.plain.test", Deadline(30)) == ["127.0.0.6"]
        assert client.address_status("mail.signed.test", "127.0.0.2") is DnssecStatus.SECURE
        assert client.address_status("MAIL.signed.test.") is DnssecStatus.SECURE  # A and AAAA
        assert client.address_status("mail.plain.test", "127.0.0.6") is DnssecStatus.INSECURE
        assert client.address_status("127.0.0.2") is None
        assert client.address_status("never.signed.test") is DnssecStatus.UNKNOWN
        assert _client(DnssecMode.OFF).address_status("mail.signed.test") is None

    asyncio.run(run())


def _resolver_answer(*, ad: bool, servfail: bool = False) -> Any:
    async def fake_ask(resolver: Any, name: Any, rdtype: Any, within: Any, backend: Any) -> Any:
        if servfail and not resolver.flags & dns.flags.CD:
            raise DnsError("failed", kind=DnsFailure.SERVFAIL, host=str(name))
        msg = dns.message.make_response(dns.message.make_query(name, rdtype))
        msg.answer.append(dns.rrset.from_text(name, 60, IN, "SRV", "0 1 993 mail.example."))
        if ad:
            msg.flags |= dns.flags.AD
        return msg

    return fake_ask


@pytest.mark.parametrize(
    ("ad", "status"), [(True, DnssecStatus.SECURE), (False, DnssecStatus.INSECURE)]
)
def test_client_resolver_ad_bit(
    ad: bool, status: DnssecStatus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dnsmod, "_ask", _resolver_answer(ad=ad))

    async def run() -> None:
        client = _client(DnssecMode.RESOLVER)
        assert await client.srv(f"_imaps._tcp.ad-{ad}.example", Deadline(30))
        assert client.dnssec_of(f"_imaps._tcp.ad-{ad}.example", "SRV") is status

    asyncio.run(run())


def test_client_resolver_servfail_with_data_under_cd_is_bogus(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dnsmod, "_ask", _resolver_answer(ad=False, servfail=True))

    async def run() -> None:
        client = _client(DnssecMode.RESOLVER)
        with pytest.raises(DnsError) as caught:
            await client.srv("_imaps._tcp.bogus.example", Deadline(30))
        assert caught.value.kind is DnsFailure.BOGUS
        assert client.dnssec_of("_imaps._tcp.bogus.example", "SRV") is DnssecStatus.BOGUS

    asyncio.run(run())


def test_client_off_records_no_status() -> None:
    client = DnsClient(nameservers=(("127.0.0.1", 5399),))
    assert client.dnssec_of("example", "SRV") is None


def test_concurrent_judgements_share_one_walk_of_the_chain(world: World) -> None:
    """With a Session's memo, judging many answers of one zone at once asks for each link once."""
    asked: list[tuple[dns.name.Name, Any]] = []

    async def ask(name: dns.name.Name, rdtype: Any) -> dns.message.Message:
        asked.append((name, rdtype))
        return await world.ask(name, rdtype)

    async def run() -> list[DnssecStatus]:
        memo: v.Chains = {}
        name = N("_imaps._tcp.signed.test.")
        msg = await world.ask(name, dns.rdatatype.SRV)
        verdicts = await asyncio.gather(
            *(
                v.judge(ask, msg, name, dns.rdatatype.SRV, world.anchors, time.time(), memo)
                for _ in range(5)
            )
        )
        return [verdict.status for verdict in verdicts]

    assert asyncio.run(run()) == [DnssecStatus.SECURE] * 5
    assert asked.count((dns.name.root, dns.rdatatype.DNSKEY)) == 1


def test_a_walk_that_failed_for_want_of_an_answer_is_not_kept(world: World) -> None:
    """A look-up failure is retried by the next judgement; only verdicts are reused."""
    failing = {"on": True}

    async def ask(name: dns.name.Name, rdtype: Any) -> dns.message.Message:
        if failing["on"]:
            raise DnsError("no answer", kind=DnsFailure.TIMEOUT, host=str(name))
        return await world.ask(name, rdtype)

    async def run() -> DnssecStatus:
        memo: v.Chains = {}
        with pytest.raises(DnsError):
            await v.zone_status(ask, N("signed.test."), world.anchors, time.time(), memo)
        failing["on"] = False
        verdict = await v.zone_status(ask, N("signed.test."), world.anchors, time.time(), memo)
        return verdict.status

    assert asyncio.run(run()) is DnssecStatus.SECURE


def test_anchors_that_do_not_fit_the_root_prove_nothing(world: World) -> None:
    """Validating another DNS (a private root) with the IANA keys: unknown, never bogus."""
    iana = v.parse_anchors(v.ROOT_ANCHORS)

    async def run() -> v.Verdict:
        return await v.zone_status(world.ask, N("signed.test."), iana, time.time())

    verdict = asyncio.run(run())
    assert verdict.status is DnssecStatus.UNKNOWN
    assert "trust anchor" in verdict.detail
