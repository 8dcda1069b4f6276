"""DANE (RFC 6698, RFC 7671, RFC 7673): a presented chain against DNSSEC-secure TLSA records.

Pure: the certificates a server presented (DER, leaf first), the names it was reached by and
its secure TLSA records in, an outcome out; no I/O, the clock only as ``now``. Whether the
records are secure is the caller's to know (only ``DnssecStatus.SECURE`` answers may come here).

What this client uses, and why:

- DANE-EE (usage 3): the leaf certificate, or its public key, is the one in the record. Its
  names, dates and issuer are ignored (RFC 7671 §5.1): the DNSSEC-signed record is the whole
  trust decision, so a self-signed or expired certificate the record pins is accepted.
- DANE-TA (usage 2): the record names a trust anchor, which must be a certificate the server
  presented above its leaf, or the full certificate in the record itself (``2 0 0``; RFC 7671
  §5.2.2). The chain from the leaf to that anchor is then checked as PKIX does with the anchor
  as the only trusted CA (signatures, CA constraints, dates), and the leaf must carry one of
  the reference names (RFC 7671 §5.2.2, RFC 7673 §4: the server's host name). A bare public
  key (``2 1 0``) whose certificate the server does not send cannot anchor a chain here.
- PKIX-TA and PKIX-EE (usages 0 and 1): unusable, as RFC 7672 §3.1.3 says for mail; they are
  ignored, and a set of only such records is as if there were no TLSA records (RFC 7671 §4.1):
  the normal check alone decides.
- Selectors 0 (whole certificate) and 1 (SubjectPublicKeyInfo); matching types 0 (exact), 1
  (SHA-256) and 2 (SHA-512). Records with any other value are unusable and ignored.

The certificate reading and the PKIX path check are ``cryptography``'s (the optional extra that
also reads refused certificates); without it no record is usable and nothing changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..models import DaneStatus
from ..parsers.tlsa import TlsaRecord
from .certificates import load_certificate, subject_public_key_info

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.x509 import Certificate as X509
    from cryptography.x509.verification import ExtensionPolicy, Policy

__all__ = [
    "DANE_EE",
    "DANE_TA",
    "DaneOutcome",
    "available",
    "check_chain",
    "usable_records",
]

DANE_TA = 2
DANE_EE = 3
_SELECTORS = frozenset({0, 1})
_DIGESTS = {1: hashlib.sha256, 2: hashlib.sha512}
_MATCHING_TYPES = frozenset({0, *_DIGESTS})


@dataclass(frozen=True, slots=True)
class DaneOutcome:
    """How a chain compares with TLSA records: verified, failed or none (nothing usable)."""

    status: DaneStatus
    record: TlsaRecord | None = None  # the record that matched; on failure the first usable one
    reason: str = ""  # for people


def usable_records(records: Iterable[TlsaRecord]) -> tuple[TlsaRecord, ...]:
    """The records this client can use (see the module's notes), in their order."""
    if not available():
        return ()
    return tuple(
        r
        for r in records
        if r.usage in (DANE_TA, DANE_EE)
        and r.selector in _SELECTORS
        and r.matching_type in _MATCHING_TYPES
    )


def check_chain(
    chain: Sequence[bytes],
    records: Iterable[TlsaRecord],
    *,
    names: Sequence[str],
    now: datetime | None = None,
) -> DaneOutcome:
    """Does a usable record match ``chain`` (DER, leaf first)? ``names``: the reference
    identifiers a DANE-TA leaf must carry (the host name the server was reached by)."""
    usable = usable_records(records)
    if not usable:
        return DaneOutcome(DaneStatus.NONE, reason="no usable TLSA record")
    leaf = load_certificate(chain[0]) if chain else None
    if leaf is None:
        reason = "the server's certificate could not be read to compare with its TLSA records"
        return DaneOutcome(DaneStatus.FAILED, usable[0], reason)
    when = now or datetime.now(UTC)
    for record in usable:
        if record.usage == DANE_EE and _matches(record, chain[0]):
            return DaneOutcome(DaneStatus.VERIFIED, record, "the certificate is the one in DNS")
        if record.usage == DANE_TA and _anchors(record, chain, leaf, names, when):
            reason = "the certificate chains to the authority named in DNS"
            return DaneOutcome(DaneStatus.VERIFIED, record, reason)
    count = len(usable)
    reason = f"the certificate matches none of the {count} TLSA record{'s' * (count != 1)}"
    return DaneOutcome(DaneStatus.FAILED, usable[0], reason)


def _matches(record: TlsaRecord, der: bytes) -> bool:
    """Does ``record``'s association data match this certificate (by its selector)?"""
    selected = der if record.selector == 0 else subject_public_key_info(der)
    if selected is None:
        return False
    digest = _DIGESTS.get(record.matching_type)
    return (digest(selected).digest() if digest else selected) == record.data


def _anchors(
    record: TlsaRecord, chain: Sequence[bytes], leaf: X509, names: Sequence[str], now: datetime
) -> bool:
    """A DANE-TA record: an anchor it names validates the leaf for one of ``names``."""
    anchors = []
    for der in chain[1:]:
        cert = load_certificate(der)
        if cert is not None and _matches(record, der):
            anchors.append(cert)
    if record.selector == 0 and record.matching_type == 0:
        full = load_certificate(record.data)
        if full is not None:
            anchors.append(full)
    if not anchors:
        return False
    intermediates = [c for c in (load_certificate(der) for der in chain[1:]) if c is not None]
    return any(
        _path_ok(anchor, leaf, intermediates, name, now) for anchor in anchors for name in names
    )


def _path_ok(anchor: X509, leaf: X509, intermediates: list[X509], name: str, now: datetime) -> bool:
    """PKIX path validation (``cryptography``'s) with ``anchor`` as the only trusted CA."""
    from cryptography import x509
    from cryptography.x509 import verification

    try:
        verifier = (
            verification.PolicyBuilder()
            .store(verification.Store([anchor]))
            .time(now)
            .extension_policies(
                ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(), ee_policy=_ee_policy()
            )
            .build_server_verifier(x509.DNSName(name))
        )
        verifier.verify(leaf, intermediates)
    except (verification.VerificationError, ValueError, TypeError):
        return False
    return True


def _ee_policy() -> ExtensionPolicy:
    """The web PKI's leaf profile less two CA/Browser Forum rules a private CA need not keep
    (RFC 5280 allows both): a critical subjectAltName, a critical extendedKeyUsage. A leaf
    whose extendedKeyUsage leaves out serverAuth is still refused."""
    from cryptography import x509
    from cryptography.x509.verification import Criticality, ExtensionPolicy

    return (
        ExtensionPolicy.webpki_defaults_ee()
        .require_present(x509.SubjectAlternativeName, Criticality.AGNOSTIC, None)
        .may_be_present(x509.ExtendedKeyUsage, Criticality.AGNOSTIC, _for_servers)
    )


def _for_servers(_policy: Policy, _cert: X509, usage: x509.ExtendedKeyUsage | None) -> None:
    from cryptography.x509.oid import ExtendedKeyUsageOID

    allowed = {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE}
    if usage is not None and not allowed.intersection(usage):
        raise ValueError("the certificate is not for TLS servers (extendedKeyUsage)")


def available() -> bool:
    """Can this installation use TLSA records (``cryptography`` 45 or later)?"""
    try:
        from cryptography.x509 import verification
    except ImportError:
        return False
    return hasattr(verification, "ExtensionPolicy")  # cryptography 45 and later
