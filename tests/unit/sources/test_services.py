"""Asking a JMAP/DAV URL whether its service is there: 2xx or 401 at the end, once each."""

from __future__ import annotations

from autoconf.errors import DeadlineExceeded, TLSError
from autoconf.models import Service, ServiceKind, SourceName
from autoconf.net.http import FetchResult
from autoconf.sources.services import verified_services
from tests.unit.check.test_mechanisms import ScriptedHttp, context

JMAP = "https://jmap.example.com/session"
CAL = "https://dav.example.com/cal/"
CARD = "https://dav.example.com/card/"
SLOW = "https://slow.example.com/dav/"
BAD = "https://bad-cert.example.com/dav/"


def _service(kind: ServiceKind, url: str) -> Service:
    return Service(kind=kind, url=url, sources=[SourceName.SRV])


async def test_each_service_answers_or_not_and_the_deadline_says_nothing():
    """401 (credentials asked) and 207 are there; 404 and a refused certificate are not; a
    request the deadline ended leaves ``answered`` unset; each URL asked once."""
    http = ScriptedHttp(
        {
            JMAP: FetchResult(url=JMAP, status=401, body=b"", content_type="text/plain"),
            CAL: FetchResult(url=CAL, status=207, body=b"", content_type="text/xml"),
            SLOW: DeadlineExceeded(f"{SLOW}: timed out", url=SLOW),
            BAD: TLSError("refused", kind="hostname-mismatch"),
        }
    )
    found = await verified_services(
        context(http),
        [
            _service(ServiceKind.JMAP, JMAP),
            _service(ServiceKind.CALDAV, CAL),
            _service(ServiceKind.CARDDAV, CARD),
            _service(ServiceKind.CALDAV, SLOW),
            _service(ServiceKind.CARDDAV, BAD),
        ],
    )
    assert [(s.url, s.answered, s.status) for s in found] == [
        (JMAP, True, 401),
        (CAL, True, 207),
        (CARD, False, 404),
        (SLOW, None, None),
        (BAD, False, None),
    ]
    assert sorted(http.asked) == sorted([JMAP, CAL, CARD, SLOW, BAD])
