"""The plain words for a check decide on the probe's kinds (CertificateKind, FailureKind),
never on the wording of its messages."""

from __future__ import annotations

import pytest

from autoconf.cli.render import words
from autoconf.models import (
    Certificate,
    CertificateKind,
    DaneStatus,
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


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (CertificateKind.DANE_MISMATCH, "not the one its domain pins in DNS (DANE)"),
        (CertificateKind.DANE_BOGUS, "failed their DNSSEC check"),
    ],
)
def test_a_dane_failure_is_said_in_plain_words(kind: CertificateKind, expected: str):
    """A certificate DANE refused: the words say DNS pinned another one (or was forged)."""
    verification = Verification(
        reachable=True,
        tls=TlsStatus.FAILED,
        certificate=Certificate(valid=False, error=kind.value, kind=kind),
        failure=FailureKind.CERTIFICATE,
        error="certificate refused",
        dane=DaneStatus.FAILED,
    )
    result = words.check(verification)
    assert result.ok is False
    assert expected in result.text


@pytest.mark.parametrize("login", [LoginStatus.OK, LoginStatus.NOT_TRIED])
def test_a_dane_verified_server_says_its_certificate_is_pinned_in_dns(login: LoginStatus):
    """DANE verified: the check reads "certificate pinned in DNS (DANE)"; none: it does not."""
    base = Verification(
        reachable=True, tls=TlsStatus.OK, certificate=Certificate(valid=True), login=login
    )
    pinned = base.model_copy(update={"dane": DaneStatus.VERIFIED, "dane_record": "3 1 1 ab"})
    assert words.check(pinned).ok is True
    assert "certificate pinned in DNS (DANE)" in words.check(pinned).text
    unpinned = base.model_copy(update={"dane": DaneStatus.NONE})
    assert "DANE" not in words.check(unpinned).text
