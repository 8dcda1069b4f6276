"""Which URLs the autoconfig sources ask, and what each sends."""

from __future__ import annotations

from autoconf.sources.autoconfig import autoconfig_urls


def test_both_https_urls_carry_the_address():
    """Over HTTPS both autoconfig URLs send ?emailaddress= (automua answers 400 without it)."""
    urls = autoconfig_urls("example.com", "jane+x@example.com")
    assert urls == [
        "https://autoconfig.example.com/mail/config-v1.1.xml?emailaddress=jane%2Bx@example.com",
        "https://example.com/.well-known/autoconfig/mail/config-v1.1.xml"
        "?emailaddress=jane%2Bx@example.com",
    ]


def test_plain_http_urls_never_carry_the_address():
    """Over plain HTTP neither URL carries the address: only the domain is revealed."""
    urls = autoconfig_urls("example.com", None, scheme="http")
    assert all("?" not in url and "jane" not in url for url in urls)
    assert urls[1] == "http://example.com/.well-known/autoconfig/mail/config-v1.1.xml"
