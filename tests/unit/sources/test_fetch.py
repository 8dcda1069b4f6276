"""Turning fetch failures into attempts decides on fields (status, type), never on wording."""

from __future__ import annotations

import pytest

from autoconf import DnssecMode, DnssecStatus, Options
from autoconf.errors import DnsTimeout, FetchError, FetchFailure, HostNotFound, NetworkError
from autoconf.models import AttemptStatus, SourceAttempt, SourceName
from autoconf.sources._fetch import failed_attempt, fetches_marked
from autoconf.sources.base import SourceOutcome, Stopwatch
from tests.unit.fakes import FakeDns
from tests.unit.sources.test_autodiscover import context


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (FetchError("not found", kind=FetchFailure.HTTP_STATUS, status=404), AttemptStatus.EMPTY),
        (FetchError("gone", kind=FetchFailure.HTTP_STATUS, status=410), AttemptStatus.EMPTY),
        (FetchError("HTTP 404 lookalike", kind=FetchFailure.BLOCKED), AttemptStatus.BLOCKED),
        (FetchError("HTTP 500", kind=FetchFailure.HTTP_STATUS, status=500), AttemptStatus.ERROR),
        (HostNotFound("no such host", host="x.example"), AttemptStatus.EMPTY),
        (DnsTimeout("slow", host="x.example"), AttemptStatus.TIMEOUT),
        (NetworkError("refused"), AttemptStatus.ERROR),
    ],
)
def test_attempt_status_comes_from_the_error_fields(error: Exception, status: AttemptStatus):
    """404/410 mean 'nothing here', by the status field; a look-alike message changes nothing."""
    attempt = failed_attempt(SourceName.ISPDB, "https://x.example/", error, Stopwatch())
    assert attempt.status is status
    assert attempt.detail == str(error)


def _attempts() -> SourceOutcome:
    def attempt(target: str, status: AttemptStatus = AttemptStatus.OK) -> SourceAttempt:
        return SourceAttempt(source=SourceName.AUTOCONFIG, target=target, status=status)

    return SourceOutcome(
        source=SourceName.AUTOCONFIG,
        attempts=[
            attempt("https://autoconfig.example.com/mail/config-v1.1.xml"),
            attempt("http://autoconfig.example.com/mail/config-v1.1.xml", AttemptStatus.ERROR),
            attempt("https://127.0.0.1/x"),
            attempt("https://skipped.example.com/", AttemptStatus.SKIPPED),
            attempt("/etc/autoconf/example.com.xml"),
        ],
    )


@pytest.mark.parametrize("status", [DnssecStatus.SECURE, DnssecStatus.INSECURE])
def test_http_attempts_carry_what_dnssec_proved_of_their_hosts_addresses(status):
    """With DNSSEC on, a fetch's attempt records the status of its URL host's addresses;
    an IP literal, a skipped fetch and a file record none."""
    dns = FakeDns(dnssec=status)
    ctx = context(dns, None, Options(dnssec=DnssecMode.VALIDATE))  # type: ignore[arg-type]
    marked = fetches_marked(ctx, _attempts())
    assert [a.dnssec for a in marked.attempts] == [status, status, None, None, None]


def test_http_attempts_are_left_alone_with_dnssec_off():
    """DNSSEC off: the outcome is returned as it was (the network is not even asked)."""
    outcome = _attempts()
    ctx = context(FakeDns(dnssec=DnssecStatus.SECURE), None, Options())  # type: ignore[arg-type]
    assert fetches_marked(ctx, outcome) is outcome
