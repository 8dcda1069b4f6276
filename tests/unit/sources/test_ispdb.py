"""The online ISPDB is trusted highly, so its base URL must be HTTPS (API and MX source alike)."""

from __future__ import annotations

import pytest

from autoconf import Options, OptionsError, discover


@pytest.mark.parametrize(
    "url", ["http://autoconfig.thunderbird.net/v1.1/", "HTTP://ispdb.example/", "ftp://x/"]
)
def test_a_plain_http_ispdb_url_is_refused(url: str):
    """Options refuse an ISPDB base URL that is not HTTPS, naming the requirement."""
    with pytest.raises(OptionsError, match="https://"):
        Options(ispdb_url=url)


def test_an_https_ispdb_url_is_accepted_in_any_case():
    """HTTPS base URLs are fine, whatever the case of the scheme."""
    assert Options(ispdb_url="HTTPS://ispdb.example/v1.1/").ispdb_url.startswith("HTTPS")


async def test_discover_refuses_a_plain_http_ispdb_before_any_lookup():
    """discover() with a plain-HTTP ISPDB raises OptionsError instead of trusting its answers."""
    with pytest.raises(OptionsError):
        await discover("jane@example.com", options=Options(ispdb_url="http://ispdb.example/"))
