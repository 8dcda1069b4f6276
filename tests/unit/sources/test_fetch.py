"""Turning fetch failures into attempts decides on fields (status, type), never on wording."""

from __future__ import annotations

import pytest

from autoconf.errors import DnsTimeout, FetchError, FetchFailure, HostNotFound, NetworkError
from autoconf.models import AttemptStatus, SourceName
from autoconf.sources._fetch import failed_attempt
from autoconf.sources.base import Stopwatch


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
