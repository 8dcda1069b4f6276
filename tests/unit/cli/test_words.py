"""The plain words for a check decide on the probe's kinds (CertificateKind, FailureKind),
never on the wording of its messages."""

from __future__ import annotations

import pytest

from autoconf.cli.render import words
from autoconf.models import (
    Certificate,
    CertificateKind,
    FailureKind,
    LoginStatus,
    TlsStatus,
    Verification,
)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (CertificateKind.HOSTNAME_MISMATCH, "the certificate is for another name"),
        (CertificateKind.EXPIRED, "the certificate has expired"),
        (CertificateKind.NOT_YET_VALID, "the certificate is not valid yet"),
        (CertificateKind.SELF_SIGNED, "the certificate is self-signed"),
        (CertificateKind.UNTRUSTED, "the certificate is from an unknown authority"),
    ],
)
def test_certificate_words_follow_the_kind_not_the_message(kind: CertificateKind, expected: str):
    """A message naming other reasons does not change the words: the kind decides."""
    misleading = "expired self-signed mismatch unable to get local issuer not yet valid"
    certificate = Certificate(valid=False, error=misleading, kind=kind)
    verification = Verification(
        reachable=True,
        tls=TlsStatus.FAILED,
        certificate=certificate,
        failure=FailureKind.CERTIFICATE,
        error=misleading,
    )
    assert words.check(verification).text == expected
    assert words.check(verification).ok is False


def test_a_certificate_of_another_kind_shows_the_probe_message():
    """CertificateKind.OTHER (e.g. revoked): the probe's own message is shown, marked failed."""
    certificate = Certificate(valid=False, error="certificate revoked", kind=CertificateKind.OTHER)
    verification = Verification(
        reachable=True, tls=TlsStatus.FAILED, certificate=certificate, error="certificate revoked"
    )
    result = words.check(verification)
    assert result.ok is False
    assert "certificate revoked" in result.text


def test_a_failure_kind_without_a_message_is_still_a_failure():
    """A verification with a failure kind but no message is not reported as working."""
    verification = Verification(reachable=True, tls=TlsStatus.OK, failure=FailureKind.PROTOCOL)
    result = words.check(verification)
    assert result.ok is False
    assert result.text == "protocol"


def test_a_refused_login_is_known_by_its_kind():
    """failure=auth-refused marks the check as a refused sign-in even if login was not set."""
    verification = Verification(
        reachable=True,
        tls=TlsStatus.OK,
        login=LoginStatus.NOT_TRIED,
        failure=FailureKind.AUTH_REFUSED,
        login_detail="NO [AUTHENTICATIONFAILED] Authentication failed.",
    )
    result = words.check(verification)
    assert result.login_refused
    assert result.text.startswith("sign-in refused")
