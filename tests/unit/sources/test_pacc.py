"""The pacc source's OAuth half: the issuer's metadata (RFC 8414) read after the document."""

from __future__ import annotations

from autoconf.models import AuthMethod, OAuthMetadataStatus, WarningCode
from autoconf.parsers.pacc import record_for
from autoconf.sources.pacc import PaccSource
from tests.unit.check.test_mechanisms import ScriptedDns, ScriptedHttp, answer, context
from tests.unit.check.test_pacc import META, META_URL, NAME, URL, WITH_OAUTH


async def _run(answers):
    http = ScriptedHttp({URL: answer(URL, WITH_OAUTH, "application/json"), **answers})
    dns = ScriptedDns(txt={NAME: [(record_for(WITH_OAUTH).encode(),)]})
    return await PaccSource().run(context(http, dns))


async def test_matching_metadata_fills_the_endpoints_and_scopes():
    """The metadata's endpoints reach ProviderInfo.oauth2, with the draft's scopes for mail,
    calendars (a CalDAV URL is published) and a refresh token; no warning."""
    outcome = await _run({META_URL: answer(META_URL, META, "application/json")})
    assert outcome.provider is not None
    assert outcome.provider.oauth2 is not None
    oauth = outcome.provider.oauth2
    assert (oauth.auth_url, oauth.token_url) == (
        "https://auth.example.com/a",
        "https://auth.example.com/t",
    )
    assert oauth.metadata is OAuthMetadataStatus.OK
    assert oauth.pkce_methods == ["S256"]
    assert oauth.scopes == [
        "urn:ietf:params:oauth:scope:mail",
        "urn:ietf:params:oauth:scope:calendars",
        "offline_access",
    ]
    assert outcome.warnings == []
    assert all(AuthMethod.OAUTH2 in s.auth for s in outcome.incoming + outcome.outgoing)


async def test_metadata_for_another_issuer_takes_oauth_away_with_a_warning():
    """RFC 8414 §3.3: another issuer in the metadata: no OAuth offered, oauth-metadata warned."""
    other = META.replace(b"https://auth.example.com", b"https://evil.test", 1)
    outcome = await _run({META_URL: answer(META_URL, other, "application/json")})
    assert outcome.provider is not None
    assert outcome.provider.oauth2 is not None
    assert outcome.provider.oauth2.metadata is OAuthMetadataStatus.MISMATCH
    assert outcome.provider.oauth2.auth_url is None
    assert [w.code for w in outcome.warnings] == [WarningCode.OAUTH_METADATA]
    assert all(AuthMethod.OAUTH2 not in s.auth for s in outcome.incoming + outcome.outgoing)


async def test_missing_metadata_keeps_the_issuer_and_warns():
    """No metadata at either URL: the issuer stays (sign-in may work later), no endpoints, a
    warning; both well-known URLs were tried."""
    outcome = await _run({})
    assert outcome.provider is not None
    assert outcome.provider.oauth2 is not None
    assert outcome.provider.oauth2.issuer == "https://auth.example.com"
    assert outcome.provider.oauth2.metadata is OAuthMetadataStatus.MISSING
    assert [w.code for w in outcome.warnings] == [WarningCode.OAUTH_METADATA]
    assert AuthMethod.OAUTH2 in outcome.incoming[0].auth
