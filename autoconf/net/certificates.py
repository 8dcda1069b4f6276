"""Every fact the library reads from a certificate, read here and nowhere else.

- :func:`verified_certificate`: names, issuer and expiry of a certificate that passed
  verification (from ``ssl``'s own decoding);
- :func:`certificate_kind`: why a certificate was refused (OpenSSL's verify code first);
- :func:`refused_certificate`: names, issuer and expiry of a refused certificate, read with
  the optional ``cryptography`` (``ssl`` decodes only verified ones); :func:`dane_certificate`
  the same of one DANE vouched for;
- :func:`presented_chain`: the certificates a server sent, the one place that may reach into
  Python's private ``_sslobj`` (3.10-3.12);
- :func:`sends_leaf_only`: the server sent one certificate, not signed by itself;
- :func:`load_certificate`: a certificate as ``cryptography`` reads it (DANE's path check);
- :func:`subject_public_key_info` and :func:`spki_sha256`: a certificate's key as it stands
  in the certificate, and its digest (what DANE and the check's TLSA lines match on).
"""

from __future__ import annotations

import hashlib
import ssl
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..models import Certificate, CertificateKind

if TYPE_CHECKING:
    from cryptography.x509 import Certificate as X509

__all__ = [
    "certificate_kind",
    "dane_certificate",
    "load_certificate",
    "presented_chain",
    "refused_certificate",
    "sends_leaf_only",
    "spki_sha256",
    "subject_public_key_info",
    "verified_certificate",
]


def verified_certificate(ssl_object: ssl.SSLObject | ssl.SSLSocket | None) -> Certificate | None:
    """The verified certificate of a TLS session (None: no TLS on the connection)."""
    if ssl_object is None:
        return None
    info = ssl_object.getpeercert()
    if not info:
        return Certificate(valid=True)
    alt = info.get("subjectAltName", ())
    names = [str(pair[1]) for pair in alt if isinstance(pair, tuple) and pair[0] == "DNS"]
    not_after = None
    expiry = info.get("notAfter")
    if isinstance(expiry, str):
        not_after = datetime.fromtimestamp(ssl.cert_time_to_seconds(expiry), tz=UTC)
    return Certificate(
        valid=True,
        subject_names=names,
        not_after=not_after,
        issuer=_name(info.get("issuer")),
        spki_sha256=spki_sha256(ssl_object.getpeercert(binary_form=True)),
    )


def _name(rdns: object) -> str | None:
    """The common name of a decoded ``ssl`` name, else its organisation."""
    parts: dict[str, str] = {}
    for rdn in rdns if isinstance(rdns, tuple) else ():
        for key, value in rdn:
            parts.setdefault(key, value)
    return parts.get("commonName") or parts.get("organizationName")


# OpenSSL's X509_V_ERR_* verify codes (include/openssl/x509_vfy.h) for the refusals worth
# naming; any other code is ``other``.
_UNTRUSTED_CODES = frozenset(
    {
        2,  # X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT
        19,  # X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN (an untrusted root sent along)
        20,  # X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        21,  # X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE
        24,  # X509_V_ERR_INVALID_CA
        27,  # X509_V_ERR_CERT_UNTRUSTED
    }
)
_KIND_BY_CODE = {
    9: CertificateKind.NOT_YET_VALID,  # X509_V_ERR_CERT_NOT_YET_VALID
    10: CertificateKind.EXPIRED,  # X509_V_ERR_CERT_HAS_EXPIRED
    18: CertificateKind.SELF_SIGNED,  # X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
    62: CertificateKind.HOSTNAME_MISMATCH,  # X509_V_ERR_HOSTNAME_MISMATCH
    64: CertificateKind.HOSTNAME_MISMATCH,  # X509_V_ERR_IP_ADDRESS_MISMATCH
} | dict.fromkeys(_UNTRUSTED_CODES, CertificateKind.UNTRUSTED)


def certificate_kind(
    error: ssl.SSLCertVerificationError, der: bytes | None = None
) -> CertificateKind:
    """Why the certificate was refused: from OpenSSL's verify code, else from the certificate.

    ``der`` is the refused certificate when it could be read (a second, unverified handshake);
    it decides only when the verify code names nothing more specific.
    """
    code: int = getattr(error, "verify_code", 0) or 0  # unset on an error built by hand
    kind = _KIND_BY_CODE.get(code)
    if kind is not None:
        return kind
    cert = load_certificate(der)
    if cert is None:
        return CertificateKind.OTHER
    now = datetime.now(UTC)
    if cert.not_valid_after_utc < now:
        return CertificateKind.EXPIRED
    if cert.not_valid_before_utc > now:
        return CertificateKind.NOT_YET_VALID
    if cert.issuer == cert.subject:
        return CertificateKind.SELF_SIGNED
    return CertificateKind.OTHER


def refused_certificate(der: bytes | None, kind: CertificateKind) -> Certificate:
    """The refused certificate's names, issuer and expiry when readable, and why it was refused.

    Without ``cryptography`` (optional) or the certificate, only the verdict and kind are known.
    """
    return _with_details(Certificate(valid=False, error=kind.value, kind=kind), der)


def dane_certificate(der: bytes | None) -> Certificate:
    """A certificate the server's secure TLSA records vouched for (DANE, RFC 7671): valid, with
    its names, issuer and expiry when readable (``ssl`` decodes nothing it did not verify)."""
    return _with_details(Certificate(valid=True), der)


def _with_details(bare: Certificate, der: bytes | None) -> Certificate:
    """``bare`` with the names, issuer and expiry of ``der`` when ``cryptography`` reads it."""
    cert = load_certificate(der)
    if cert is None:
        return bare
    from cryptography import x509

    bare = bare.model_copy(update={"spki_sha256": spki_sha256(der)})
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names = san.value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        names = []
    except ValueError:  # a malformed extension
        return bare
    issuer = cert.issuer.get_attributes_for_oid(x509.NameOID.COMMON_NAME) or (
        cert.issuer.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
    )
    return bare.model_copy(
        update={
            "subject_names": list(names),
            "not_after": cert.not_valid_after_utc,
            "issuer": str(issuer[0].value) if issuer else None,
        }
    )


def spki_sha256(der: bytes | None) -> str | None:
    """The hex SHA-256 of ``der``'s SubjectPublicKeyInfo (a TLSA ``3 1 1`` record's data);
    None without the certificate or for bytes that are not one."""
    info = subject_public_key_info(der)
    return None if info is None else hashlib.sha256(info).hexdigest()


def subject_public_key_info(der: bytes | None) -> bytes | None:
    """The SubjectPublicKeyInfo of the DER certificate ``der``, its bytes as they stand in the
    certificate (what a TLSA record of selector 1 names, RFC 6698 §2.1.2), or None.

    Read by walking the certificate's first DER headers (RFC 5280 §4.1: tbsCertificate's
    version, serial, signature, issuer, validity, subject, then the key), not with
    ``cryptography``: every verified probe reports this digest, and importing
    ``cryptography.x509`` for it alone cost each networked run about 9 MiB of memory.
    """
    if not der:
        return None
    try:
        tag, start, end = _der_item(der, 0, len(der))  # Certificate ::= SEQUENCE
        if tag != _SEQUENCE:
            return None
        tag, at, tbs_end = _der_item(der, start, end)  # tbsCertificate ::= SEQUENCE
        if tag != _SEQUENCE:
            return None
        fields: list[tuple[int, int, int]] = []
        while at < tbs_end and len(fields) < 7:
            tag, _, item_end = _der_item(der, at, tbs_end)
            fields.append((tag, at, item_end))
            at = item_end
    except ValueError:
        return None
    if fields and fields[0][0] == _VERSION:  # [0] EXPLICIT version, absent for v1
        fields = fields[1:]
    if len(fields) < 6 or fields[5][0] != _SEQUENCE:
        return None
    _, start, end = fields[5]
    return der[start:end]


_SEQUENCE = 0x30
_VERSION = 0xA0  # context-specific, constructed, [0]


def _der_item(der: bytes, at: int, end: int) -> tuple[int, int, int]:
    """(tag, start of its content, end of its content) of the DER element at ``at``;
    ValueError for a header that does not fit before ``end``."""
    if at + 2 > end:
        raise ValueError("truncated DER header")
    tag, length = der[at], der[at + 1]
    at += 2
    if length & 0x80:  # long form: the next (length & 0x7F) bytes hold the length
        size = length & 0x7F
        if not 1 <= size <= 4 or at + size > end:
            raise ValueError("bad DER length")
        length = int.from_bytes(der[at : at + size], "big")
        at += size
    if at + length > end:
        raise ValueError("DER element longer than what holds it")
    return tag, at, at + length


def sends_leaf_only(chain: list[bytes] | None) -> bool:
    """The server sent one certificate, not signed by itself (False when that is unknown)."""
    if chain is None or len(chain) != 1:
        return False
    leaf = load_certificate(chain[0])
    return leaf is not None and leaf.issuer != leaf.subject


def load_certificate(der: bytes | None) -> X509 | None:
    """``der`` read by ``cryptography`` (optional), or None without it or for a bad encoding."""
    if not der:
        return None
    try:
        from cryptography import x509
    except ImportError:
        return None
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        return None


def presented_chain(ssl_object: ssl.SSLObject | ssl.SSLSocket) -> list[bytes] | None:
    """The certificates the server sent (DER, leaf first), or None when Python cannot tell.

    Python 3.13 has ``get_unverified_chain``; 3.10 to 3.12 have the same method only on the
    private ``_ssl`` object underneath (``_sslobj``): this is the one place that reaches for
    it, and ``tests/unit/net/test_certificates.py`` fails on a Python that has neither.
    """
    public = getattr(ssl_object, "get_unverified_chain", None)
    if public is not None:
        return [bytes(der) for der in public() or ()]
    inner = getattr(getattr(ssl_object, "_sslobj", None), "get_unverified_chain", None)
    if inner is None:
        return None
    chain = inner() or ()
    return [cert.public_bytes(ssl._ssl.ENCODING_DER) for cert in chain]  # type: ignore[attr-defined]
