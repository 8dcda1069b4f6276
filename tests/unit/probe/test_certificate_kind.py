"""The certificate kind the probe reports: OpenSSL's verify code first, then the certificate."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta

import pytest
import trustme

from autoconf.models import CertificateKind
from autoconf.net.tls import certificate_kind


def refusal(code: int, message: str = "certificate verify failed") -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, message)
    error.verify_code = code
    error.verify_message = message
    return error


def der(pem: bytes) -> bytes:
    return ssl.PEM_cert_to_DER_cert(pem.decode())


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (62, CertificateKind.HOSTNAME_MISMATCH),
        (64, CertificateKind.HOSTNAME_MISMATCH),
        (10, CertificateKind.EXPIRED),
        (9, CertificateKind.NOT_YET_VALID),
        (18, CertificateKind.SELF_SIGNED),
        (19, CertificateKind.UNTRUSTED),
        (20, CertificateKind.UNTRUSTED),
        (21, CertificateKind.UNTRUSTED),
        (23, CertificateKind.OTHER),  # revoked
    ],
)
def test_the_verify_code_decides(code: int, kind: CertificateKind):
    """Each X509_V_ERR_* code maps to its kind, whatever the message says."""
    assert certificate_kind(refusal(code, "misleading: expired self-signed mismatch")) is kind


def test_the_certificate_decides_when_the_code_names_nothing():
    """An unnamed code: an expired or self-issued certificate is still recognised as such."""
    ca = trustme.CA()
    now = datetime.now(UTC)
    expired = ca.issue_cert("x.example", not_after=now - timedelta(days=1))
    unnamed = refusal(0)
    assert certificate_kind(unnamed, der(expired.cert_chain_pems[0].bytes())) is (
        CertificateKind.EXPIRED
    )
    assert certificate_kind(unnamed, der(ca.cert_pem.bytes())) is CertificateKind.SELF_SIGNED
    fine = ca.issue_cert("x.example")
    assert certificate_kind(unnamed, der(fine.cert_chain_pems[0].bytes())) is CertificateKind.OTHER
    assert certificate_kind(unnamed) is CertificateKind.OTHER
    assert certificate_kind(refusal(62), der(expired.cert_chain_pems[0].bytes())) is (
        CertificateKind.HOSTNAME_MISMATCH  # the code wins over the certificate
    )
