"""The pacc source against the world: nginx serves the documents, Knot the TXT digests."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout

import pytest

from autoconf import (
    AttemptStatus,
    AuthMethod,
    OAuthMetadataStatus,
    SourceName,
    WarningCode,
    discover,
)
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
    # The JMAP session and the CalDAV context URL ask for credentials: they are there.
    assert [(s.kind.value, s.answered, s.status) for s in result.services] == [
        ("jmap", True, 401),
        ("caldav", True, 401),
    ]


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
        "answered": None,  # --no-verify: not asked
        "status": None,
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


# -- OAuth issuer metadata (RFC 8414) and the live JMAP/DAV URLs -----------------------------


async def test_matching_issuer_metadata_gives_the_oauth_endpoints(world: WorldInfo):
    """pacc-oauth.test: the issuer has a path, so its metadata is at
    /.well-known/oauth-authorization-server/tenant; its endpoints and the scopes for mail,
    calendars and contacts reach ProviderInfo.oauth2, with no warning."""
    result = await discover(world.scenarios["pacc-oauth"].address, options=_options(world))
    assert result.provider is not None
    oauth = result.provider.oauth2
    assert oauth is not None
    issuer = "https://auth.pacc-oauth.test/tenant"
    assert (oauth.issuer, oauth.metadata) == (issuer, OAuthMetadataStatus.OK)
    assert (oauth.auth_url, oauth.token_url) == (f"{issuer}/authorize", f"{issuer}/token")
    assert oauth.registration_url == f"{issuer}/register"
    assert oauth.pkce_methods == ["S256"]
    assert oauth.scopes == [
        "urn:ietf:params:oauth:scope:mail",
        "urn:ietf:params:oauth:scope:calendars",
        "urn:ietf:params:oauth:scope:contacts",
        "offline_access",
    ]
    assert WarningCode.OAUTH_METADATA not in [w.code for w in result.warnings]
    assert AuthMethod.OAUTH2 in result.incoming[0].auth


async def test_metadata_for_another_issuer_takes_oauth_away(world: WorldInfo):
    """pacc-oauth-mismatch.test: the metadata's issuer has a trailing slash: another issuer,
    so no OAuth is offered and oauth-metadata is warned about."""
    result = await discover(world.scenarios["pacc-oauth-mismatch"].address, options=_options(world))
    assert result.provider is not None
    assert result.provider.oauth2 is not None
    assert result.provider.oauth2.metadata is OAuthMetadataStatus.MISMATCH
    assert result.provider.oauth2.auth_url is None
    assert WarningCode.OAUTH_METADATA in [w.code for w in result.warnings]
    assert AuthMethod.OAUTH2 not in result.incoming[0].auth
    assert result.incoming[0].host == "imap.pacc-oauth-mismatch.test"


def _services(report: dict[str, object], mechanism: str) -> list[tuple[str, int | None, list]]:
    mechanisms = {m["mechanism"]: m for m in report["mechanisms"]}  # type: ignore[union-attr]
    return [
        (s["kind"], s["lookup"]["status"], s["challenges"])
        for s in mechanisms[mechanism]["services"]
    ]


def test_check_asks_each_service_and_reads_the_issuer_metadata(world: WorldInfo):
    """--check pacc-oauth.test: JMAP answers 401 with a Bearer challenge (fine), CalDAV 401
    without one (service-no-challenge), CardDAV 404 (service-unreachable); the OAuth metadata
    loads and serves a public client (no pacc-oauth-* finding)."""
    status, report = _check(world, "pacc-oauth")
    assert status == 5
    assert _services(report, "pacc") == [
        ("jmap", 401, ["Bearer"]),
        ("caldav", 401, []),
        ("carddav", 404, []),
    ]
    findings = {f["code"]: f for f in report["findings"]}  # type: ignore[union-attr]
    assert findings["service-no-challenge"]["severity"] == "warning"
    assert findings["service-unreachable"]["host"] == "dav.pacc-oauth.test"
    assert not [c for c in findings if c.startswith("pacc-oauth")]
    pacc = next(m for m in report["mechanisms"] if m["mechanism"] == "pacc")  # type: ignore
    assert pacc["pacc"]["oauth"]["public_client_ready"] is True


def test_check_follows_the_jmap_well_known_redirect(world: WorldInfo):
    """--check dav-services.test: /.well-known/jmap redirects to the session resource, which
    answers 401 Bearer; the CalDAV context path answers 401 Basic: no service finding."""
    _, report = _check(world, "dav-services")
    mechanisms = {m["mechanism"]: m for m in report["mechanisms"]}  # type: ignore[union-attr]
    jmap, caldav = mechanisms["srv"]["services"]
    assert jmap["lookup"]["redirects"] == ["https://jmap.dav-services.test/.well-known/jmap"]
    assert jmap["lookup"]["final_url"] == "https://jmap.dav-services.test/jmap/session"
    assert (jmap["lookup"]["status"], jmap["challenges"]) == (401, ["Bearer"])
    assert (caldav["lookup"]["status"], caldav["challenges"]) == (401, ['Basic realm="mail"'])
    codes = {f["code"] for f in report["findings"]}  # type: ignore[union-attr]
    assert not {c for c in codes if c.startswith("service-")}


async def test_a_verifying_discovery_asks_each_service_once(world: WorldInfo):
    """pacc-oauth.test with verification: JMAP 401 (there), CalDAV 401 without a challenge
    (there, asking for credentials), CardDAV 404 (not there); dav-services.test's JMAP
    well-known URL redirects to a session that answers 401. Fast mode asks nothing."""
    options = library_options(world, sources=WITHOUT_GUESS)
    result = await discover(world.scenarios["pacc-oauth"].address, options=options)
    assert [(s.kind.value, s.answered, s.status) for s in result.services] == [
        ("jmap", True, 401),
        ("caldav", True, 401),
        ("carddav", False, 404),
    ]
    result = await discover(world.scenarios["dav-services"].address, options=options)
    assert [(s.kind.value, s.answered) for s in result.services] == [
        ("jmap", True),
        ("caldav", True),
    ]
    fast = library_options(world, sources=WITHOUT_GUESS, mode="fast")
    result = await discover(world.scenarios["pacc-oauth"].address, options=fast)
    assert all(s.answered is None for s in result.services)
