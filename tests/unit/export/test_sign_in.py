"""Every writer signs in as chosen (``sign_in``): OAuth2 where chosen and offered, a password
mechanism otherwise, whatever the server's first method is."""

from __future__ import annotations

import pytest

from autoconf.export import export
from autoconf.models import (
    AuthMethod,
    DiscoveryResult,
    OAuth2Info,
    Protocol,
    ProviderInfo,
    Security,
    SignIn,
)

from .fixtures import result, server

# What each format writes when it signs in with OAuth2.
OAUTH_MARK = {
    "msmtp": "auth oauthbearer",
    "mbsync": "AuthMechs XOAUTH2",
    "neomutt": "oauthbearer",
    "aerc": "+oauthbearer",
    "getmail": "use_xoauth2",
    "offlineimap": "XOAUTH2",
}
BOTH = (AuthMethod.OAUTH2, AuthMethod.PASSWORD_CLEARTEXT)


def _both_ways() -> DiscoveryResult:
    provider = ProviderInfo(
        display_name="Example", app_password_required=True, oauth2=OAuth2Info(issuer="x")
    )
    return result(
        incoming=[server(Protocol.IMAP, "imap.example.net", 993, Security.TLS, BOTH)],
        outgoing=[server(Protocol.SMTP, "smtp.example.net", 465, Security.TLS, BOTH)],
        provider=provider,
    )


@pytest.mark.parametrize("format", sorted(OAUTH_MARK))
def test_the_default_is_the_recommended_oauth2_and_app_password_writes_a_password(format: str):
    """By default (the recommendation: OAuth2 first) the file uses OAuth2; with sign_in=
    app-password the same result is written with a password mechanism and no OAuth2."""
    assert OAUTH_MARK[format] in export(_both_ways(), format)
    text = export(_both_ways(), format, sign_in=SignIn.APP_PASSWORD)
    assert OAUTH_MARK[format] not in text


def test_the_header_says_app_password_only_when_the_file_uses_one():
    """The opening comment asks for an app password in the app-password file only."""
    assert "app password" not in export(_both_ways(), "msmtp")
    assert "app password" in export(_both_ways(), "msmtp", sign_in=SignIn.APP_PASSWORD)
