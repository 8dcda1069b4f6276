"""The world's DNSSEC: its own root and ``test.`` zones, keys made at start, DS and TLSA records.

Knot serves a world root ``.`` and a ``test.`` zone above the scenario zones; each zone's
parent (the longest zone the world serves above it) delegates it (NS and glue), with a DS when
the zone is signed, so a validator that starts at the world's root key walks down to every
name. Knot signs the root, ``test.`` and the zones marked ``signing`` (``dnssec-signing: on``,
one ECDSA P-256 key per zone). Its policy has ``manual: on`` because the keys are made by
keymgr before knotd starts: the parents' zone files must carry their children's DS records,
and Knot 3.2 cannot push a DS to a parent it serves itself. A "bogus" zone gets, in its parent,
the DS of a key it never publishes. TLSA ``3 1 1`` records take the SHA-256 of a certificate's
SubjectPublicKeyInfo from the certificates issued at start (tests/world/certs.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dns.dnssec
import dns.dnssectypes
import dns.name
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.world.certs import CertFiles
from tests.world.process import WorldError
from tests.world.scenarios import Zone

KEYMGR = "/usr/sbin/keymgr"
ALGORITHM = "ecdsap256sha256"  # DNSSEC algorithm 13: small keys, made in milliseconds
POLICY_ID = "world"
ANCHOR_FILE = "trust-anchor.ds"
SHA256_DS = 2  # DS digest type


def tree(zones: Sequence[Zone], ns_ip: str) -> tuple[Zone, ...]:
    """The world's signed root and ``test.`` zones, to serve beside ``zones``."""
    served = {z.origin for z in zones}
    extra = []
    for origin in (".", "test"):
        if origin not in served:
            zone = Zone(origin, signing="signed")
            zone.add("ns" if origin == "." else f"ns.{origin}", "A", ns_ip)
            extra.append(zone)
    return tuple(extra)


def parent_of(origin: str, served: Iterable[str]) -> str | None:
    """The longest served zone strictly above ``origin`` (None for the root)."""
    if origin == ".":
        return None
    labels = origin.split(".")
    names = set(served)
    for cut in range(1, len(labels)):
        candidate = ".".join(labels[cut:])
        if candidate in names:
            return candidate
    return "."


def knot_policy() -> str:
    """The policy section of knot.conf (keys made by :func:`make_keys`)."""
    return (
        "policy:\n"
        f"  - id: {POLICY_ID}\n"
        f"    algorithm: {ALGORITHM}\n"
        "    single-type-signing: on\n"
        "    manual: on\n"
        "    nsec3: off\n"
    )


def knot_zone_lines(zone: Zone) -> str:
    """The zone's entry in knot.conf's ``zone:`` list."""
    lines = f"  - domain: {zone.origin}\n"
    if zone.origin == ".":
        lines += '    file: "root.zone"\n'
    if zone.signing != "unsigned":
        lines += f"    dnssec-signing: on\n    dnssec-policy: {POLICY_ID}\n"
    return lines


def zone_file_name(origin: str) -> str:
    return "root.zone" if origin == "." else f"{origin}.zone"


def _keymgr(conf: Path, origin: str, *args: str) -> str:
    done = subprocess.run(
        [KEYMGR, "-c", str(conf), _absolute(origin), *args],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        check=False,
        text=True,
    )
    if done.returncode != 0:
        raise WorldError(f"keymgr {origin} {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def _make_key(conf: Path, origin: str) -> str:
    """Make the zone's key (a CSK); return its SHA-256 DS rdata."""
    _keymgr(conf, origin, "generate", f"algorithm={ALGORITHM}", "ksk=yes", "zsk=yes")
    for line in _keymgr(conf, origin, "ds").splitlines():
        # "<owner> DS <tag> <algorithm> <digest type> <digest>"
        fields = line.split()
        if len(fields) == 6 and fields[1] == "DS" and fields[4] == str(SHA256_DS):
            return " ".join(fields[2:])
    raise WorldError(f"keymgr printed no SHA-256 DS for {origin}")


def make_keys(conf: Path, zones: Sequence[Zone]) -> dict[str, str]:
    """Make a key for every signed zone (knotd not yet running); DS rdata by origin."""
    signed = [z.origin for z in zones if z.signing != "unsigned"]
    # keymgr processes on one KASP database are safe together (LMDB locks); most of each one
    # is its start, so a few at a time shorten the wait.
    with ThreadPoolExecutor(max_workers=4) as pool:
        ds = dict(zip(signed, pool.map(lambda o: _make_key(conf, o), signed), strict=True))
    for z in zones:
        if z.signing == "bogus":
            ds[z.origin] = _foreign_ds(z.origin)
    return ds


def _foreign_ds(origin: str) -> str:
    """The SHA-256 DS of a fresh key that the zone never publishes."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    dnskey = dns.dnssec.make_dnskey(key, dns.dnssectypes.Algorithm.ECDSAP256SHA256, flags=257)
    return dns.dnssec.make_ds(dns.name.from_text(origin), dnskey, "SHA256").to_text()


def _absolute(name: str) -> str:
    return "." if name == "." else f"{name}."


def delegations(
    zones: Sequence[Zone], ds: Mapping[str, str], ns_ip: str
) -> dict[str, list[tuple[str, str, str]]]:
    """Records each parent zone gets: NS, glue and (when signed) DS for each child zone."""
    served = [z.origin for z in zones]
    extra: dict[str, list[tuple[str, str, str]]] = {origin: [] for origin in served}
    for z in zones:
        parent = parent_of(z.origin, served)
        if parent is None:
            continue
        records = extra[parent]
        records += [(z.origin, "NS", f"ns.{z.origin}."), (f"ns.{z.origin}", "A", ns_ip)]
        if z.origin in ds:
            records.append((z.origin, "DS", ds[z.origin]))
    return extra


def spki_sha256(cert: Path) -> str:
    """SHA-256 of the first certificate's SubjectPublicKeyInfo (TLSA selector 1, type 1)."""
    leaf = x509.load_pem_x509_certificate(cert.read_bytes())
    spki = leaf.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest()


def tlsa_records(zone: Zone, certs: Mapping[str, CertFiles]) -> list[tuple[str, str, str]]:
    """The zone's TLSA records: its usage (3, DANE-EE, unless the zone says otherwise), the
    SubjectPublicKeyInfo (1), SHA-256 (1)."""
    usage = zone.tlsa_usage
    return [
        (owner, "TLSA", f"{usage} 1 1 {spki_sha256(certs[role].cert)}") for owner, role in zone.tlsa
    ]


def render_zone(zone: Zone, extra: Sequence[tuple[str, str, str]]) -> str:
    """The zone file text with the DNSSEC tree's and TLSA records added."""
    return dataclasses.replace(zone, records=[*zone.records, *extra], tlsa=[]).render()


def write_anchor(path: Path, ds: Mapping[str, str]) -> Path:
    """The world root's DS in zone-file form: the trust anchor a validator starts from."""
    path.write_text(f". 3600 IN DS {ds['.']}\n")
    path.chmod(0o644)
    return path
