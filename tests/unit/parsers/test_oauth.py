"""OAuth authorization-server metadata (RFC 8414) as PACC's OAuth section reads it."""

from __future__ import annotations

import json

import pytest

from autoconf.errors import ParseError
from autoconf.models import OAuthMetadataStatus
from autoconf.parsers._urls import https_url
from autoconf.parsers.oauth import (
    MAX_METADATA,
    PACC_SCOPES,
    metadata_urls,
    oauth_info,
    parse_metadata,
)

ISSUER = "https://auth.example.com"
GOOD = {
    "issuer": ISSUER,
    "authorization_endpoint": "https://auth.example.com/authorize",
    "token_endpoint": "https://auth.example.com/token",
    "registration_endpoint": "https://auth.example.com/register",
    "grant_types_supported": ["authorization_code", "refresh_token"],
    "code_challenge_methods_supported": ["S256"],
    "token_endpoint_auth_methods_supported": ["none", "client_secret_basic"],
    "scopes_supported": [PACC_SCOPES["mail"], "offline_access", "openid"],
}


def _body(**changes: object) -> bytes:
    return json.dumps({**GOOD, **changes}).encode()


def test_metadata_urls_insert_the_well_known_segment_before_the_path():
    """RFC 8414 §3.1 puts the segment between host and path; OpenID appends it to the issuer."""
    assert metadata_urls("https://auth.example.com") == [
        "https://auth.example.com/.well-known/oauth-authorization-server",
        "https://auth.example.com/.well-known/openid-configuration",
    ]
    assert metadata_urls("https://auth.example.com/tenant/1/") == [
        "https://auth.example.com/.well-known/oauth-authorization-server/tenant/1",
        "https://auth.example.com/tenant/1/.well-known/openid-configuration",
    ]


def test_good_metadata_gives_the_endpoints_and_serves_a_public_client():
    """Every member a public client needs is read; PKCE S256 + 'none' + code: ready."""
    meta = parse_metadata(_body(), issuer=ISSUER)
    assert meta.authorization_endpoint == "https://auth.example.com/authorize"
    assert meta.token_endpoint == "https://auth.example.com/token"
    assert meta.registration_endpoint == "https://auth.example.com/register"
    assert meta.pkce_methods == ["S256"]
    assert meta.public_client_ready
    assert meta.problems == []


@pytest.mark.parametrize(
    "issuer",
    ["https://auth.example.com/", "https://AUTH.example.com", "https://other.example.com"],
)
def test_an_issuer_that_is_not_exactly_the_published_one_is_a_mismatch(issuer: str):
    """RFC 8414 §3.3: identical strings only (a trailing slash or case differs)."""
    with pytest.raises(ParseError) as caught:
        parse_metadata(_body(issuer=issuer), issuer=ISSUER)
    assert caught.value.where == "issuer"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"[]",
        b"not json",
        b"\xff\xfe",
        b"[" * 100_000,
        b'{"issuer": 1}',
        b'{"x": 1}',
        b'{"issuer": "https://auth.example.com", "n": 1' + b"0" * 5000 + b"}",
        b" " * (MAX_METADATA + 1),
    ],
)
def test_hostile_or_broken_metadata_is_a_parse_error(body: bytes):
    """Anything that is not a JSON object with an issuer string: a ParseError, never a crash."""
    with pytest.raises(ParseError) as caught:
        parse_metadata(body, issuer=ISSUER)
    assert caught.value.where != "issuer"


def test_bad_members_are_dropped_and_named():
    """A plain-http endpoint, a list that is not one, junk entries: dropped, with the reason."""
    meta = parse_metadata(
        _body(
            token_endpoint="http://auth.example.com/token",
            grant_types_supported="authorization_code",
            code_challenge_methods_supported=["S256", 7, "x\u0000"],
        ),
        issuer=ISSUER,
    )
    assert meta.token_endpoint is None
    assert meta.grant_types == []
    assert meta.pkce_methods == ["S256"]
    assert len(meta.problems) == 3
    assert not meta.public_client_ready


@pytest.mark.parametrize(
    "changes",
    [
        {"code_challenge_methods_supported": ["plain"]},
        {"token_endpoint_auth_methods_supported": ["client_secret_basic"]},
        {"grant_types_supported": ["client_credentials"]},
        {"authorization_endpoint": None},
    ],
)
def test_metadata_without_what_a_public_client_needs_is_not_ready(changes: dict[str, object]):
    """No S256, a secret required, no code grant, or no endpoint: not ready for a public client."""
    assert not parse_metadata(_body(**changes), issuer=ISSUER).public_client_ready


def test_absent_lists_take_the_rfc_defaults():
    """No token auth methods listed means client_secret_basic (RFC 8414 §2): not ready."""
    body = json.dumps({k: v for k, v in GOOD.items() if "auth_methods" not in k}).encode()
    assert not parse_metadata(body, issuer=ISSUER).public_client_ready


def test_oauth_info_takes_endpoints_and_the_scopes_the_services_need():
    """Mail, calendars for CalDAV and offline_access, kept to those the metadata lists."""
    meta = parse_metadata(
        _body(scopes_supported=[*PACC_SCOPES.values(), "offline_access"]), issuer=ISSUER
    )
    info = oauth_info(ISSUER, meta, OAuthMetadataStatus.OK, services=frozenset({"caldav"}))
    assert info.auth_url == GOOD["authorization_endpoint"]
    assert info.token_url == GOOD["token_endpoint"]
    assert info.registration_url == GOOD["registration_endpoint"]
    assert info.scopes == [PACC_SCOPES["mail"], PACC_SCOPES["caldav"], "offline_access"]
    assert info.metadata is OAuthMetadataStatus.OK
    listed = oauth_info(ISSUER, parse_metadata(_body(), issuer=ISSUER), OAuthMetadataStatus.OK)
    assert listed.scopes == [PACC_SCOPES["mail"], "offline_access"]


def test_oauth_info_without_metadata_keeps_only_the_issuer():
    """No metadata: the issuer and why, no endpoint taken from anywhere else."""
    info = oauth_info(ISSUER, None, OAuthMetadataStatus.MISSING)
    assert (info.issuer, info.auth_url, info.token_url, info.scopes) == (ISSUER, None, None, [])
    assert info.metadata is OAuthMetadataStatus.MISSING


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Dav.Example.com/cal/", ("https://dav.example.com/cal/", False)),
        ("https://dav.example.com:8443/x", ("https://dav.example.com:8443/x", True)),
        ("http://dav.example.com/", None),
        ("https://192.0.2.1/dav/", None),
        ("https://[2001:db8::1]/dav/", None),
        ("https://user:pw@dav.example.com/", None),
        ("https://dav.example.com/a b", None),
        ("https://dav.example.com:99999/", None),
        ("https://dav.example.com/\u0085", None),
    ],
)
def test_the_one_service_url_rule(url: str, expected: tuple[str, bool] | None):
    """https only, a host name (no IP literal), no user info, no blanks or controls."""
    assert https_url(url) == expected
