"""DANE matching (RFC 6698/7671): a presented chain against TLSA records, without a network."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime, timedelta

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from autoconf.models import DaneStatus
from autoconf.net.dane import check_chain, usable_records
from autoconf.parsers.tlsa import TlsaRecord

HOST = "mail.example.test"
NOW = datetime.now(UTC)


def _der(pem: trustme.Blob) -> bytes:
    cert = x509.load_pem_x509_certificate(pem.bytes())
    return cert.public_bytes(serialization.Encoding.DER)


def _chain(leaf: trustme.LeafCert) -> list[bytes]:
    """The chain a server configured with ``leaf`` presents (DER, leaf first)."""
    return [_der(pem) for pem in leaf.cert_chain_pems]


def _association(der: bytes, selector: int, matching_type: int) -> bytes:
    if selector == 0:
        data = der
    else:
        key = x509.load_der_x509_certificate(der).public_key()
        data = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    if matching_type == 1:
        return hashlib.sha256(data).digest()
    if matching_type == 2:
        return hashlib.sha512(data).digest()
    return data


def _record(usage: int, der: bytes, selector: int = 1, matching_type: int = 1) -> TlsaRecord:
    return TlsaRecord(usage, selector, matching_type, _association(der, selector, matching_type))


@pytest.mark.parametrize(("selector", "matching_type"), list(itertools.product((0, 1), (0, 1, 2))))
def test_dane_ee_matches_every_selector_and_matching_type(selector: int, matching_type: int):
    """A 3 S M record of the leaf verifies it, for selectors 0/1 and matching types 0/1/2."""
    chain = _chain(trustme.CA().issue_cert(HOST))
    record = _record(3, chain[0], selector, matching_type)
    outcome = check_chain(chain, [record], names=[HOST])
    assert outcome.status is DaneStatus.VERIFIED
    assert outcome.record == record


def test_dane_ee_ignores_names_dates_and_issuer():
    """DANE-EE accepts an expired certificate for other names from an unknown CA (RFC 7671 §5.1)."""
    leaf = trustme.CA().issue_cert(
        "elsewhere.example",
        not_before=NOW - timedelta(days=30),
        not_after=NOW - timedelta(days=1),
    )
    chain = _chain(leaf)
    outcome = check_chain(chain, [_record(3, chain[0])], names=[HOST])
    assert outcome.status is DaneStatus.VERIFIED


def test_dane_ee_accepts_a_self_signed_certificate():
    """A self-signed certificate (a CA's own, presented as the leaf) is accepted when pinned."""
    der = _der(trustme.CA().cert_pem)
    outcome = check_chain([der], [_record(3, der, 0, 2)], names=[HOST])
    assert outcome.status is DaneStatus.VERIFIED


def test_a_mismatch_fails_and_names_the_first_usable_record():
    """A record for another key fails, and the failure carries the first usable record."""
    chain = _chain(trustme.CA().issue_cert(HOST))
    other = _chain(trustme.CA().issue_cert(HOST))[0]
    records = [TlsaRecord(1, 1, 1, b"\x00" * 32), _record(3, other), _record(3, other, 0, 1)]
    outcome = check_chain(chain, records, names=[HOST])
    assert outcome.status is DaneStatus.FAILED
    assert outcome.record == records[1]
    assert "2 TLSA records" in outcome.reason


def test_any_matching_record_verifies():
    """One matching record among several is enough (RFC 6698 §2.1: any of the set)."""
    chain = _chain(trustme.CA().issue_cert(HOST))
    wrong = _record(3, _chain(trustme.CA().issue_cert(HOST))[0])
    right = _record(3, chain[0], 0, 1)
    outcome = check_chain(chain, [wrong, right], names=[HOST])
    assert (outcome.status, outcome.record) == (DaneStatus.VERIFIED, right)


def test_dane_ta_verifies_a_chain_to_the_named_authority():
    """2 S M of a presented intermediate verifies a leaf it signed, for the host's name."""
    ca = trustme.CA()
    intermediate = ca.create_child_ca()
    chain = _chain(intermediate.issue_cert(HOST))
    for selector, matching_type in itertools.product((0, 1), (0, 1, 2)):
        record = _record(2, chain[1], selector, matching_type)
        outcome = check_chain(chain, [record], names=[HOST])
        assert (outcome.status, outcome.record) == (DaneStatus.VERIFIED, record)


def test_dane_ta_checks_the_names():
    """DANE-TA is not DANE-EE: a leaf for another name fails (RFC 7671 §5.2.2)."""
    intermediate = trustme.CA().create_child_ca()
    chain = _chain(intermediate.issue_cert("elsewhere.example"))
    outcome = check_chain(chain, [_record(2, chain[1])], names=[HOST])
    assert outcome.status is DaneStatus.FAILED


def test_dane_ta_accepts_any_reference_name():
    """The leaf needs to carry only one of the reference names."""
    intermediate = trustme.CA().create_child_ca()
    chain = _chain(intermediate.issue_cert("example.test"))
    outcome = check_chain(chain, [_record(2, chain[1])], names=[HOST, "example.test"])
    assert outcome.status is DaneStatus.VERIFIED


def test_dane_ta_checks_dates():
    """DANE-TA validates the path as PKIX does: an expired leaf fails."""
    intermediate = trustme.CA().create_child_ca()
    leaf = intermediate.issue_cert(
        HOST, not_before=NOW - timedelta(days=30), not_after=NOW - timedelta(days=1)
    )
    chain = _chain(leaf)
    outcome = check_chain(chain, [_record(2, chain[1])], names=[HOST])
    assert outcome.status is DaneStatus.FAILED


def test_dane_ta_needs_the_authority_in_the_chain_or_the_record():
    """A digest of a CA the server did not send anchors nothing; the full certificate does."""
    ca = trustme.CA()
    leaf = ca.issue_cert(HOST)
    chain = _chain(leaf)[:1]  # the leaf alone
    root = _der(ca.cert_pem)
    digest = check_chain(chain, [_record(2, root, 0, 1)], names=[HOST])
    assert digest.status is DaneStatus.FAILED
    full = check_chain(chain, [_record(2, root, 0, 0)], names=[HOST])
    assert full.status is DaneStatus.VERIFIED


def test_dane_ta_of_an_unrelated_authority_fails():
    """A presented certificate that matches the record but did not sign the leaf fails."""
    stranger = _der(trustme.CA().cert_pem)
    chain = [*_chain(trustme.CA().issue_cert(HOST)), stranger]
    outcome = check_chain(chain, [_record(2, stranger)], names=[HOST])
    assert outcome.status is DaneStatus.FAILED


def test_dane_ta_does_not_match_the_leaf_itself():
    """A usage-2 record of the leaf is not a trust anchor (the anchor sits above the leaf)."""
    chain = _chain(trustme.CA().issue_cert(HOST))
    outcome = check_chain(chain, [_record(2, chain[0])], names=[HOST])
    assert outcome.status is DaneStatus.FAILED


def test_pkix_usages_and_unknown_values_are_unusable():
    """Usages 0/1, unknown selectors and matching types are ignored: status none."""
    chain = _chain(trustme.CA().issue_cert(HOST))
    records = [
        _record(0, chain[0]),
        _record(1, chain[0]),
        TlsaRecord(3, 2, 1, b"\x00" * 32),
        TlsaRecord(3, 1, 3, b"\x00" * 32),
        TlsaRecord(4, 1, 1, b"\x00" * 32),
    ]
    assert usable_records(records) == ()
    outcome = check_chain(chain, records, names=[HOST])
    assert (outcome.status, outcome.record) == (DaneStatus.NONE, None)


def test_an_unreadable_or_missing_certificate_fails():
    """Usable records and a certificate that cannot be read (or none): failed, not verified."""
    record = TlsaRecord(3, 1, 1, b"\x00" * 32)
    assert check_chain([b"not a certificate"], [record], names=[HOST]).status is DaneStatus.FAILED
    assert check_chain([], [record], names=[HOST]).status is DaneStatus.FAILED


def test_dane_ta_with_a_host_that_is_no_dns_name_fails():
    """An IP literal or a malformed name is no reference identifier: no crash, failed."""
    intermediate = trustme.CA().create_child_ca()
    chain = _chain(intermediate.issue_cert(HOST))
    for names in (["127.0.0.1"], ["bad..name"], []):
        outcome = check_chain(chain, [_record(2, chain[1])], names=names)
        assert outcome.status is DaneStatus.FAILED
