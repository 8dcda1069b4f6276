"""DNSSEC validation (RFC 4033-4035, NSEC3 RFC 5155) over dnspython messages and rrsets.

The checks are pure functions of the messages, the keys and the time; the one walk that asks
questions (:func:`judge`, :func:`zone_status`) takes the asking as a callable, so tests feed it
zones signed in memory and the client feeds it its nameservers (with DO and CD set, so a
validating resolver hands over what we check ourselves). Signatures are checked by
``dns.dnssec.validate`` (dnspython, over ``cryptography``); what this module adds is the chain
from a trust anchor down the zone cuts and the NSEC/NSEC3 proofs, which dnspython leaves to its
callers.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import types
import warnings
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zonefile

from ..errors import OptionsError
from ..models import DnssecStatus

__all__ = [
    "NSEC3_MAX_ITERATIONS",
    "ROOT_ANCHORS",
    "Anchors",
    "Ask",
    "Bogus",
    "Chains",
    "Denial",
    "NoMatchingKey",
    "Unanchored",
    "Verdict",
    "check_rrset",
    "denial",
    "expansion_proven",
    "judge",
    "parse_anchors",
    "read_anchors",
    "supported",
    "trusted_keys",
    "zone_status",
]

# IANA's root zone trust anchors (https://data.iana.org/root-anchors/root-anchors.xml): KSK-2017
# (key tag 20326, valid from 2017-02-02) and KSK-2024 (key tag 38696, valid from 2024-07-18);
# source and date in data/SOURCES.md.
ROOT_ANCHORS = (
    ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"
    ". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16\n"
)


@functools.cache
def _dnssec() -> types.ModuleType:
    """``dns.dnssec``, imported on first use (not at ``import autoconf``) and without the
    deprecation warning ``cryptography`` gives for the DSA algorithms dnspython registers."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="DSA is deprecated")
        import dns.dnssec

    return dns.dnssec


Ask = Callable[[dns.name.Name, dns.rdatatype.RdataType], Awaitable[dns.message.Message]]
Anchors = dict[dns.name.Name, dns.rrset.RRset]  # DS or DNSKEY records per anchored name

_DS = dns.rdatatype.DS
_DNSKEY = dns.rdatatype.DNSKEY
_RRSIG = dns.rdatatype.RRSIG
_NSEC = dns.rdatatype.NSEC
_NSEC3 = dns.rdatatype.NSEC3
_NS = dns.rdatatype.NS
_SOA = dns.rdatatype.SOA
_CNAME = dns.rdatatype.CNAME


@dataclass(frozen=True, slots=True)
class Verdict:
    """What DNSSEC proves, and in ``detail`` the link that decided it (for the admin check)."""

    status: DnssecStatus
    detail: str


class Denial(Enum):
    """What the NSEC/NSEC3 records of a negative answer prove."""

    NONE = "none"  # nothing: no proof, or a proof of something else
    NODATA = "nodata"  # the name exists without the type asked for
    NXDOMAIN = "nxdomain"  # the name does not exist
    UNSIGNED_CUT = "unsigned-cut"  # (a DS question) a delegation without DS: insecure below
    NOT_A_CUT = "not-a-cut"  # (a DS question) the name is no zone cut: same zone below
    # Only NSEC3 records this validator does not use (an unknown hash, or more iterations
    # than NSEC3_MAX_ITERATIONS): the zone is treated as unsigned (RFC 5155 §8.1, RFC 9276 §3.2)
    UNUSABLE = "unusable"


class Bogus(Exception):
    """A link that does not validate (internal: turned into a ``bogus`` Verdict)."""


class NoMatchingKey(Bogus):
    """No DNSKEY of the zone matches its DS (or anchor)."""


class Unanchored(Exception):
    """The anchored zone's own keys do not match the trust anchor (internal: ``unknown``)."""


def parse_anchors(text: str) -> Anchors:
    """DS or DNSKEY records in zone-file form (absolute names), by owner name.

    Raises :class:`ValueError` for text that is not such records. The answer for a text is
    parsed once per process and shared: every caller only reads it (a short-lived Session,
    as each ``discover()`` without one builds, would otherwise parse the same anchors again).
    """
    return _parsed_anchors(text)


@functools.lru_cache(maxsize=8)
def _parsed_anchors(text: str) -> Anchors:
    try:
        rrsets = dns.zonefile.read_rrsets(
            text, origin=dns.name.root, relativize=False, default_ttl=0, rdclass=None
        )
    except dns.exception.DNSException as exc:
        raise ValueError(f"not DS or DNSKEY records in zone-file form: {exc}") from exc
    anchors: Anchors = {}
    for rrset in rrsets:
        if rrset.rdtype not in (_DS, _DNSKEY):
            raise ValueError(f"a trust anchor is a DS or DNSKEY record, not {rrset.rdtype.name}")
        if rrset.name in anchors and anchors[rrset.name].rdtype != rrset.rdtype:
            raise ValueError(f"{rrset.name}: give DS or DNSKEY anchors, not both")
        anchors.setdefault(rrset.name, dns.rrset.RRset(rrset.name, rrset.rdclass, rrset.rdtype))
        anchors[rrset.name].update(rrset)  # type: ignore[no-untyped-call]
    if not anchors:
        raise ValueError("no trust anchor in the text")
    return anchors


def read_anchors(path: Path) -> Anchors:
    """The trust anchors in the file ``path``; :class:`~autoconf.errors.OptionsError` when it
    cannot be read or holds no DS/DNSKEY records."""
    try:
        return parse_anchors(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise OptionsError(f"trust anchors {path}: {exc}") from exc


def _find(
    sections: Iterable[list[dns.rrset.RRset]],
    name: dns.name.Name,
    rdtype: dns.rdatatype.RdataType,
    covers: int = 0,
) -> dns.rrset.RRset | None:
    for section in sections:
        for rrset in section:
            if rrset.name == name and rrset.rdtype == rdtype and rrset.covers == covers:
                return rrset
    return None


def _sigs(msg: dns.message.Message, rrset: dns.rrset.RRset) -> dns.rrset.RRset | None:
    return _find((msg.answer, msg.authority), rrset.name, _RRSIG, rrset.rdtype)


def check_rrset(
    rrset: dns.rrset.RRset,
    sigs: dns.rrset.RRset | None,
    zone: dns.name.Name,
    keys: dns.rrset.RRset,
    now: float,
) -> None:
    """Raise :class:`Bogus` unless an RRSIG by ``zone``'s ``keys`` validates ``rrset`` now."""
    what = f"{rrset.name} {dns.rdatatype.to_text(rrset.rdtype)}"
    if sigs is None or len(sigs) == 0:
        raise Bogus(f"{what} is not signed in the signed zone {zone}")
    try:
        _dnssec().validate(rrset, sigs, {zone: keys}, now=now)
    except dns.exception.ValidationFailure as exc:
        raise Bogus(f"{what}: signature does not validate with {zone}'s keys ({exc})") from exc


def trusted_keys(
    zone: dns.name.Name,
    dnskey: dns.rrset.RRset | None,
    sigs: dns.rrset.RRset | None,
    anchor: dns.rrset.RRset,
    now: float,
) -> dns.rrset.RRset:
    """The DNSKEY set of ``zone`` when a key the ``anchor`` (DS or DNSKEY) names signs it."""
    if dnskey is None or len(dnskey) == 0:
        raise Bogus(f"{zone} has a DS but no DNSKEY")
    if anchor.rdtype == _DNSKEY:
        entry = [key for key in dnskey if key in anchor]
    else:
        entry = [key for key in dnskey if any(_ds_matches(zone, key, ds) for ds in anchor)]
    if not entry:
        raise NoMatchingKey(f"no DNSKEY of {zone} matches its DS")
    entry_set = dns.rrset.RRset(zone, dnskey.rdclass, _DNSKEY)
    for key in entry:
        entry_set.add(key)
    check_rrset(dnskey, sigs, zone, entry_set, now)
    return dnskey


def _ds_matches(zone: dns.name.Name, key: dns.rdata.Rdata, ds: dns.rdata.Rdata) -> bool:
    try:  # validating: a SHA-1 DS is checked (RFC 8624 lets validators use it), not refused
        made = _dnssec().make_ds(zone, key, ds.digest_type, validating=True)  # type: ignore[attr-defined]
    except (dns.exception.DNSException, ValueError):
        return False
    return bool(made == ds)


_DIGEST_TYPES = frozenset({1, 2, 4})  # SHA-1, SHA-256, SHA-384: the digests make_ds computes


def supported(ds: dns.rdata.Rdata) -> bool:
    """Can this validator follow the DS record ``ds``: a digest type and a key algorithm that
    dnspython implements and its policy (RFC 8624) lets a validator use?"""
    sec = _dnssec()
    policy = sec.default_policy
    digest, algorithm = ds.digest_type, ds.algorithm  # type: ignore[attr-defined]
    if digest not in _DIGEST_TYPES or not policy.ok_to_validate_ds(digest):
        return False
    try:
        sec.get_algorithm_cls(algorithm)
    except dns.exception.UnsupportedAlgorithm:
        return False
    return bool(policy.ok_to_validate(ds))  # reads the record's algorithm field alone


def _expanded_from(
    rrset: dns.rrset.RRset,
    sigs: dns.rrset.RRset | None,
    zone: dns.name.Name,
    keys: dns.rrset.RRset,
    now: float,
) -> int | None:
    """None when a signature over ``rrset``'s own name validates it; else the labels of the
    wildcard it was expanded from (an RRSIG with fewer labels than the owner, RFC 4035 §5.3.2)."""
    owner = len(rrset.name) - 1 - int(rrset.name.is_wild())
    if sigs is None or all(sig.labels >= owner for sig in sigs):
        return None
    valid = []
    for sig in sigs:
        try:
            _dnssec().validate_rrsig(rrset, sig, {zone: keys}, now=now)
        except dns.exception.DNSException:
            continue
        valid.append(sig.labels)
    return None if not valid or max(valid) >= owner else max(valid)


def expansion_proven(
    msg: dns.message.Message,
    name: dns.name.Name,
    labels: int,
    zone: dns.name.Name,
    keys: dns.rrset.RRset,
    now: float,
) -> bool:
    """Do the signed NSEC/NSEC3 records of ``msg`` prove that no name closer to ``name`` than
    the wildcard's closest encloser (``labels`` labels) exists (RFC 4035 §5.3.4, RFC 5155
    §8.8)? Raises :class:`Bogus` for one that does not validate with ``zone``'s keys."""
    nsecs = [r for r in msg.authority if r.rdtype in (_NSEC, _NSEC3) and r.name.is_subdomain(zone)]
    for rrset in nsecs:
        check_rrset(rrset, _sigs(msg, rrset), zone, keys, now)
    if labels + 1 >= len(name):
        return False
    closer = name.split(labels + 2)[1]  # the next closer name: one label below the encloser
    for rrset in nsecs:
        nxt = rrset[0].next if rrset.rdtype == _NSEC else None
        if nxt is not None and _between(rrset.name, nxt, closer) and not nxt.is_subdomain(closer):
            return True
    hashed = [r for r in nsecs if r.rdtype == _NSEC3 and _usable_nsec3(r)]
    if not hashed:
        return False
    digest, table = _hashes(hashed, zone)
    return _covering(table, digest(closer)) is not None


def _types(windows: Iterable[tuple[int, bytes]]) -> set[int]:
    found: set[int] = set()
    for window, bitmap in windows:
        for i, byte in enumerate(bitmap):
            for bit in range(8):
                if byte & (0x80 >> bit):
                    found.add(window * 256 + i * 8 + bit)
    return found


def _exists_without(types: set[int], rdtype: dns.rdatatype.RdataType) -> Denial:
    """The denial a record at the asked name proves (NODATA, or what it says of a DS)."""
    if rdtype in types:
        return Denial.NONE
    if rdtype == _DS:  # an alias (CNAME) is never a zone cut: the same zone below it
        return Denial.UNSIGNED_CUT if _NS in types and _SOA not in types else Denial.NOT_A_CUT
    if _CNAME in types:
        return Denial.NONE
    return Denial.NODATA


def denial(
    msg: dns.message.Message,
    qname: dns.name.Name,
    rdtype: dns.rdatatype.RdataType,
    zone: dns.name.Name,
    keys: dns.rrset.RRset,
    now: float,
) -> Denial:
    """What the signed NSEC/NSEC3 records of ``msg`` prove about ``qname``/``rdtype``.

    Every NSEC/NSEC3 set must validate with ``zone``'s ``keys`` (else :class:`Bogus`). NXDOMAIN
    needs the name covered and the wildcard at its closest encloser proven absent too."""
    nsecs = [r for r in msg.authority if r.rdtype in (_NSEC, _NSEC3)]
    for rrset in nsecs:
        check_rrset(rrset, _sigs(msg, rrset), zone, keys, now)
    plain = [r for r in nsecs if r.rdtype == _NSEC]
    hashed = [r for r in nsecs if r.rdtype == _NSEC3]
    usable = [r for r in hashed if _usable_nsec3(r)]
    if plain:
        return _nsec_denial(plain, qname, rdtype)
    if usable:
        return _nsec3_denial(usable, qname, rdtype, zone)
    return Denial.UNUSABLE if hashed else Denial.NONE


NSEC3_MAX_ITERATIONS = 150  # RFC 9276 §3.2 lets a validator treat more as unsigned
_SHA1 = 1  # the one NSEC3 hash algorithm (RFC 5155 §11)


def _usable_nsec3(rrset: dns.rrset.RRset) -> bool:
    rd = rrset[0]
    return bool(rd.algorithm == _SHA1 and rd.iterations <= NSEC3_MAX_ITERATIONS)


def _nsec_denial(
    rrsets: list[dns.rrset.RRset], qname: dns.name.Name, rdtype: dns.rdatatype.RdataType
) -> Denial:
    for rrset in rrsets:
        rd = rrset[0]
        if rrset.name == qname:
            return _exists_without(_types(rd.windows), rdtype)
    for rrset in rrsets:
        owner, nxt = rrset.name, rrset[0].next
        if not _between(owner, nxt, qname):
            continue
        if nxt.is_subdomain(qname):  # names below it exist: an empty non-terminal
            return _exists_without(set(), rdtype)
        # The name does not exist, nor may the wildcard at its closest encloser (the longest
        # suffix it shares with either end of the span), RFC 4035 §5.4.
        depth = max(qname.fullcompare(owner)[2], qname.fullcompare(nxt)[2])
        wildcard = dns.name.from_text("*", qname.split(depth)[1])
        for r in rrsets:  # the wildcard exists: it answers for the name, without this type
            if r.name == wildcard:  # (RFC 4035 §3.1.3.4)
                return _exists_without(_types(r[0].windows), rdtype)
        if any(_between(r.name, r[0].next, wildcard) for r in rrsets):
            return Denial.NXDOMAIN
        return Denial.NONE
    return Denial.NONE


def _between(owner: Any, nxt: Any, name: Any) -> bool:
    """Does the NSEC/NSEC3 span from ``owner`` to ``nxt`` (canonical order, the last one
    wrapping round to the first) cover ``name``?"""
    return bool((owner < name < nxt) or (nxt <= owner and (name > owner or name < nxt)))


Hashes = tuple[Callable[[dns.name.Name], str], dict[str, dns.rdata.Rdata]]


def _hashes(rrsets: list[dns.rrset.RRset], zone: dns.name.Name) -> Hashes:
    """How the zone hashes names (its first NSEC3's parameters), and its NSEC3 records by the
    hash they are the owner of."""
    rd0 = rrsets[0][0]

    def digest(name: dns.name.Name) -> str:
        return str(_dnssec().nsec3_hash(name, rd0.salt, rd0.iterations, rd0.algorithm)).upper()

    table = {
        r.name.labels[0].decode().upper(): r[0]
        for r in rrsets
        if r.name.parent() == zone and r[0].algorithm == rd0.algorithm
    }
    return digest, table


def _covering(table: dict[str, dns.rdata.Rdata], hashed: str) -> dns.rdata.Rdata | None:
    for owner, rd in table.items():
        nxt = base64.b32hexencode(rd.next).decode().upper()  # type: ignore[attr-defined]
        if _between(owner, nxt, hashed):
            return rd
    return None


def _nsec3_denial(
    rrsets: list[dns.rrset.RRset],
    qname: dns.name.Name,
    rdtype: dns.rdatatype.RdataType,
    zone: dns.name.Name,
) -> Denial:
    digest, table = _hashes(rrsets, zone)
    matched = table.get(digest(qname))
    if matched is not None:
        return _exists_without(_types(matched.windows), rdtype)  # type: ignore[attr-defined]
    # No match: find the closest encloser, then the next closer name must be covered.
    name = qname
    while name != zone and len(name) > len(zone):
        parent = name.parent()
        if parent == zone or digest(parent) in table:
            covered = _covering(table, digest(name))
            if covered is None:
                return Denial.NONE
            if rdtype == _DS and _opt_out(covered) and name == qname:
                return Denial.UNSIGNED_CUT  # opt-out: an unsigned delegation may hide here
            # Nor may the wildcard at the closest encloser exist (RFC 5155 §8.4).
            wildcard = digest(dns.name.from_text("*", parent))
            if wildcard in table:  # it exists, and answers for the name without this type
                return _exists_without(_types(table[wildcard].windows), rdtype)  # type: ignore[attr-defined]
            return Denial.NONE if _covering(table, wildcard) is None else Denial.NXDOMAIN
        name = parent
    return Denial.NONE


def _opt_out(rd: dns.rdata.Rdata) -> bool:
    return bool(rd.flags & 1)  # type: ignore[attr-defined]  # RFC 5155 §3.1.2.1


async def _keys_for(
    ask: Ask, zone: dns.name.Name, anchor: dns.rrset.RRset, now: float
) -> dns.rrset.RRset:
    msg = await ask(zone, _DNSKEY)
    dnskey = _find((msg.answer,), zone, _DNSKEY)
    return trusted_keys(zone, dnskey, _sigs(msg, dnskey) if dnskey else None, anchor, now)


Link = tuple[dns.name.Name, dns.rrset.RRset | None, str]
# Chains followed (or being followed) in a Session, by target: until when each holds, and the
# walk itself, which every concurrent judgement of a name in that zone awaits.
Chains = MutableMapping[dns.name.Name, tuple[float, "asyncio.Future[Link]"]]
CHAIN_SECONDS = 60.0  # how long a followed chain is reused (its records are cached as long)


async def _chain(
    ask: Ask, target: dns.name.Name, anchors: Anchors, now: float, memo: Chains | None = None
) -> Link:
    """:func:`_follow`, shared through ``memo`` (a Session's chains) for CHAIN_SECONDS; a walk
    that failed for want of an answer (not a bogus one) is forgotten at once."""
    if memo is None:
        return await _follow(ask, target, anchors, now)
    held = memo.get(target)
    if held is None or held[0] <= now:
        walk = asyncio.ensure_future(_follow(ask, target, anchors, now))
        held = (now + CHAIN_SECONDS, walk)
        memo[target] = held

        def forget(done: asyncio.Future[Link]) -> None:
            kept = (Bogus, Unanchored, type(None))
            failed = done.cancelled() or not isinstance(done.exception(), kept)
            if failed and memo.get(target) is held:
                del memo[target]

        walk.add_done_callback(forget)
    return await asyncio.shield(held[1])


async def _follow(ask: Ask, target: dns.name.Name, anchors: Anchors, now: float) -> Link:
    """The deepest zone above ``target`` the chain reaches, with its trusted keys.

    Keys ``None``: the chain proves an insecure delegation (the detail names it). Raises
    :class:`Bogus` for a link that does not validate."""
    top = max((a for a in anchors if target.is_subdomain(a)), key=len, default=None)
    if top is None:
        return dns.name.root, None, f"no trust anchor above {target}"
    zone = top
    try:
        keys = await _keys_for(ask, zone, anchors[zone], now)
    except NoMatchingKey as exc:  # our anchor does not fit this DNS (another root): no proof
        raise Unanchored(f"the trust anchor does not match {zone}'s keys: {exc}") from exc
    for depth in range(len(zone) + 1, len(target) + 1):
        below = await _below(ask, target.split(depth)[1], zone, keys, now)
        if below is Denial.NXDOMAIN:
            break
        if isinstance(below, Denial):  # no zone cut: the same zone below
            continue
        if below[1] is None:
            return below
        zone, keys = below[0], below[1]
    return zone, keys, f"signed: the chain of trust reaches {zone}"


async def _below(
    ask: Ask, child: dns.name.Name, zone: dns.name.Name, keys: dns.rrset.RRset, now: float
) -> Link | Denial:
    """What the DS question for ``child`` proves under ``zone``: a zone cut (as a link, its
    keys ``None`` when it is unsigned), or that there is none (``NOT_A_CUT``) or no such name
    (``NXDOMAIN``). Raises :class:`Bogus` for an answer that proves neither."""
    msg = await ask(child, _DS)
    ds = _find((msg.answer,), child, _DS)
    alias = _find((msg.answer,), child, _CNAME)
    if ds is None and alias is not None:  # an alias, never a zone cut: the same zone below
        check_rrset(alias, _sigs(msg, alias), zone, keys, now)
        return Denial.NOT_A_CUT
    if ds is not None:
        check_rrset(ds, _sigs(msg, ds), zone, keys, now)
        if not any(supported(r) for r in ds):  # RFC 4035 §5.2, RFC 6840 §5.2: as unsigned
            why = "names only algorithms or digests this validator does not implement"
            return child, None, f"{child}'s DS {why}: unsigned"
        return child, await _keys_for(ask, child, ds, now), ""
    proof = denial(msg, child, _DS, zone, keys, now)
    if proof is Denial.UNSIGNED_CUT:
        return child, None, f"{child} is delegated without DS (proven by {zone}): unsigned"
    if proof is Denial.UNUSABLE:
        why = "proves absence only with NSEC3 this validator does not use"
        return child, None, f"{zone} {why}: unsigned"
    if proof in (Denial.NOT_A_CUT, Denial.NXDOMAIN):
        return proof
    raise Bogus(f"the DS of {child} is neither given nor proven absent by {zone}")


async def zone_status(
    ask: Ask, domain: dns.name.Name, anchors: Anchors, now: float, memo: Chains | None = None
) -> Verdict:
    """Whether the zone holding ``domain`` is signed with a chain of trust from an anchor."""
    try:
        _zone, keys, detail = await _chain(ask, domain, anchors, now, memo)
    except Bogus as exc:
        return Verdict(DnssecStatus.BOGUS, str(exc))
    except Unanchored as exc:
        return Verdict(DnssecStatus.UNKNOWN, str(exc))
    if keys is None:
        return Verdict(DnssecStatus.INSECURE, detail)
    return Verdict(DnssecStatus.SECURE, detail)


async def judge(
    ask: Ask,
    msg: dns.message.Message,
    qname: dns.name.Name,
    rdtype: dns.rdatatype.RdataType,
    anchors: Anchors,
    now: float,
    memo: Chains | None = None,
) -> Verdict:
    """What DNSSEC proves about the answer ``msg`` to ``qname``/``rdtype``.

    Each rrset of the answer (CNAMEs and the records) is checked against its signer's chain;
    a negative answer against the NSEC/NSEC3 proofs of the zone holding the name."""
    try:
        if msg.answer:
            return await _judge_answer(ask, msg, anchors, now, memo)
        zone, keys, detail = await _chain(ask, qname, anchors, now, memo)
        if keys is None:
            return Verdict(DnssecStatus.INSECURE, detail)
        proof = denial(msg, qname, rdtype, zone, keys, now)
        if proof is Denial.UNUSABLE:
            return Verdict(
                DnssecStatus.INSECURE, f"{zone} denies with NSEC3 this validator does not use"
            )
        if proof is Denial.NONE or (msg.rcode() == dns.rcode.NXDOMAIN) != (
            proof is Denial.NXDOMAIN
        ):
            raise Bogus(f"the denial of {qname} is not proven by {zone}")
        return Verdict(DnssecStatus.SECURE, f"absence proven by {zone}")
    except Bogus as exc:
        return Verdict(DnssecStatus.BOGUS, str(exc))
    except Unanchored as exc:
        return Verdict(DnssecStatus.UNKNOWN, str(exc))


async def _judge_answer(
    ask: Ask, msg: dns.message.Message, anchors: Anchors, now: float, memo: Chains | None
) -> Verdict:
    worst = Verdict(DnssecStatus.SECURE, "")
    for rrset in msg.answer:
        if rrset.rdtype == _RRSIG:
            continue
        sigs = _sigs(msg, rrset)
        signer = sigs[0].signer if sigs else rrset.name
        zone, keys, detail = await _chain(ask, signer, anchors, now, memo)
        if keys is None:
            worst = Verdict(DnssecStatus.INSECURE, detail)
            continue
        if not rrset.name.is_subdomain(zone) or (sigs and signer != zone):
            raise Bogus(f"{rrset.name} is signed by {signer}, not by its zone {zone}")
        check_rrset(rrset, sigs, zone, keys, now)
        wildcard = _expanded_from(rrset, sigs, zone, keys, now)
        if wildcard is not None and not expansion_proven(
            msg, rrset.name, wildcard, zone, keys, now
        ):
            raise Bogus(f"{rrset.name} comes from a wildcard without proof that it does not exist")
        if worst.status is DnssecStatus.SECURE:
            worst = Verdict(DnssecStatus.SECURE, f"signed: the chain of trust reaches {zone}")
    return worst
