"""The pacc source against the world: nginx serves the documents, Knot the TXT digests."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout

import pytest

from autoconf import AttemptStatus, SourceName, WarningCode, discover
from autoconf.cli import main
from tests.world import WorldInfo
from tests.world.library import WITHOUT_GUESS, library_options
from tests.world.library import cli_args as world_cli_args
from tests.world.scenarios_pacc import DECOY

pytestmark = pytest.mark.world


def _options(world: WorldInfo, **extra: object):
    settings: dict[str, object] = {"verify": False, "sources": WITHOUT_GUESS}
    settings.update(extra)
    return library_options(world, **settings)


def _pacc_attempts(result):
    return [a for a in result.attempts if a.source is SourceName.PACC]


def _hosts(result) -> set[str]:
    return {s.host for s in result.incoming + result.outgoing}


async def test_a_vouched_document_gives_the_first_servers(world: WorldInfo):
    """pacc.test: the document whose digest a TXT record carries ranks first, from pacc."""
    result = await discover(world.scenarios["pacc"].address, options=_options(world))
    first_in, first_out = result.incoming[0], result.outgoing[0]
    assert (first_in.host, first_in.port) == ("imap.pacc.test", 993)
    assert (first_out.host, first_out.port) == ("smtp.pacc.test", 465)
    assert SourceName.PACC in first_in.sources
    assert first_in.username == "alice@pacc.test"
    document, txt = _pacc_attempts(result)
    assert document.status is AttemptStatus.OK
    assert txt.status is AttemptStatus.OK
    assert txt.detail == "2 usable of 2 record(s)"  # the stale record of a rollover beside it
    assert result.provider is not None
    assert result.provider.display_name == "PACC Test Mail"
    assert [(s.kind.value, s.url, s.sources, s.trust.value) for s in result.services] == [
        ("jmap", "https://jmap.pacc.test/session", [SourceName.PACC], "high"),
        ("caldav", "https://dav.pacc.test/calendars/", [SourceName.PACC], "high"),
    ]


async def test_a_vouched_document_is_verified_live(world: WorldInfo):
    """With probes, the PACC servers (implicit TLS on 993 and 465) pass the live check."""
    options = library_options(world, sources=WITHOUT_GUESS)
    result = await discover(world.scenarios["pacc"].address, options=options)
    assert result.incoming[0].verification is not None
    assert result.incoming[0].verification.ok
    assert result.outgoing[0].verification is not None
    assert result.outgoing[0].verification.ok


async def test_a_mismatching_document_is_never_used_and_is_warned_about(world: WorldInfo):
    """pacc-decoy.test: the decoy host never appears; pacc-digest-mismatch; autoconfig wins."""
    result = await discover(world.scenarios["pacc-mismatch"].address, options=_options(world))
    assert DECOY not in _hosts(result)
    assert result.incoming[0].host == "imap.pacc-decoy.test"
    assert SourceName.AUTOCONFIG in result.incoming[0].sources
    assert SourceName.PACC not in result.incoming[0].sources
    codes = [w.code for w in result.warnings]
    assert WarningCode.PACC_DIGEST_MISMATCH in codes
    document, _ = _pacc_attempts(result)
    assert document.status is AttemptStatus.ERROR
    assert "matches no _ua-auto-config TXT record" in (document.detail or "")


async def test_a_document_without_a_record_is_not_used(world: WorldInfo):
    """pacc-no-txt.test: no TXT record, so the document is ignored (no warning); SRV answers."""
    result = await discover(world.scenarios["pacc-no-txt"].address, options=_options(world))
    assert DECOY not in _hosts(result)
    assert result.incoming[0].sources == [SourceName.SRV]
    assert WarningCode.PACC_DIGEST_MISMATCH not in [w.code for w in result.warnings]
    document, txt = _pacc_attempts(result)
    assert document.status is AttemptStatus.ERROR
    assert txt.status is AttemptStatus.EMPTY


async def test_a_redirect_is_not_followed(world: WorldInfo):
    """pacc-redirect.test: the 301 is a refusal, never followed, even to a vouched document."""
    result = await discover(world.scenarios["pacc-redirect"].address, options=_options(world))
    assert DECOY not in _hosts(result)
    document, _ = _pacc_attempts(result)
    assert document.status is AttemptStatus.ERROR
    assert "not followed" in (document.detail or "")
    assert result.incoming[0].sources == [SourceName.SRV]


def test_the_cli_json_names_pacc_among_the_sources(world: WorldInfo):
    """--json for pacc.test lists "pacc" in the first server's sources, and the services."""
    out = io.StringIO()
    args = world_cli_args(world, world.scenarios["pacc"].address, "--json", "--no-verify")
    with redirect_stdout(out):
        status = main(args)
    assert status == 0
    data = json.loads(out.getvalue())
    assert "pacc" in data["incoming"][0]["sources"]
    assert data["services"][0] == {
        "kind": "jmap",
        "url": "https://jmap.pacc.test/session",
        "sources": ["pacc"],
        "trust": "high",
    }


def _check(world: WorldInfo, scenario: str) -> tuple[int, dict[str, object]]:
    out = io.StringIO()
    domain = world.scenarios[scenario].domain
    args = world_cli_args(world, domain, "--check", "--json", "--timeout", "8")
    with redirect_stdout(out):
        status = main(args)
    return status, json.loads(out.getvalue())


def _pacc_codes(report: dict[str, object]) -> dict[str, str]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return {f["code"]: f["severity"] for f in findings if f["code"].startswith("pacc-")}


def test_check_reports_a_correct_pacc_publication(world: WorldInfo):
    """--check pacc.test: PACC published, its stale rollover record as info, no pacc error."""
    status, report = _check(world, "pacc")
    assert status in (0, 4)
    mechanisms = {m["mechanism"]: m for m in report["mechanisms"]}  # type: ignore[union-attr]
    assert mechanisms["pacc"]["published"] is True
    assert _pacc_codes(report) == {"pacc-stale-record": "info", "pacc-one-revision": "info"}


@pytest.mark.parametrize(
    ("scenario", "code"),
    [
        ("pacc-mismatch", "pacc-digest-mismatch"),
        ("pacc-no-txt", "pacc-no-record"),
        ("pacc-redirect", "pacc-redirect"),
    ],
)
def test_check_reports_a_broken_pacc_publication(world: WorldInfo, scenario: str, code: str):
    """--check on a broken PACC publication exits 5 with that error, the document unused."""
    status, report = _check(world, scenario)
    assert status == 5
    assert _pacc_codes(report).get(code) == "error"
    mechanisms = {m["mechanism"]: m for m in report["mechanisms"]}  # type: ignore[union-attr]
    assert mechanisms["pacc"]["published"] is False


async def test_jmap_and_caldav_from_srv_records(world: WorldInfo):
    """dav-services.test: _jmap._tcp → the well-known JMAP URL, _caldavs._tcp + TXT path →
    the CalDAV context URL, _carddavs._tcp '.' → no CardDAV; medium trust (inside)."""
    result = await discover(world.scenarios["dav-services"].address, options=_options(world))
    assert [(s.kind.value, s.url, s.trust.value) for s in result.services] == [
        ("jmap", "https://jmap.dav-services.test/.well-known/jmap", "medium"),
        ("caldav", "https://dav.dav-services.test/dav/calendars/", "medium"),
    ]
    assert result.incoming[0].host == "imap.dav-services.test"


def test_the_human_view_lists_the_services_under_also_found(world: WorldInfo):
    """The human view shows the JMAP and CalDAV URLs under "Also found", in plain words."""
    out = io.StringIO()
    args = world_cli_args(world, world.scenarios["dav-services"].address, "--no-verify")
    with redirect_stdout(out):
        status = main(args)
    assert status == 0
    text = out.getvalue()
    assert "Also found" in text
    assert (
        "JMAP (mail, calendars and contacts): https://jmap.dav-services.test/.well-known/jmap"
        in text
    )
    assert "Calendars (CalDAV): https://dav.dav-services.test/dav/calendars/" in text
