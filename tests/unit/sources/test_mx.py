"""Which domains the MX source asks about."""

from __future__ import annotations

from autoconf.sources.mx import mx_candidate_domains


def test_mx_candidate_domains():
    """MX host minus its first label, then the registrable domain; the email domain is left out."""
    assert mx_candidate_domains("aspmx.l.google.com", "example.com") == [
        "l.google.com",
        "google.com",
    ]
    assert mx_candidate_domains("mx1.hostingco.test", "mx-hosted.test") == ["hostingco.test"]
    assert mx_candidate_domains("mail.example.com", "example.com") == []
    assert mx_candidate_domains("eur.olc.protection.outlook.com", "contoso.example") == [
        "olc.protection.outlook.com",
        "outlook.com",
    ]


def test_the_mx_full_domain_is_used_only_when_longer_than_the_base_domain():
    """MX host example.co.uk gives example.co.uk only, never the public suffix co.uk (draft)."""
    assert mx_candidate_domains("example.co.uk", "someone.test") == ["example.co.uk"]
    assert mx_candidate_domains("mx.example.co.uk", "someone.test") == ["example.co.uk"]
    assert mx_candidate_domains("a.mx.example.co.uk", "someone.test") == [
        "mx.example.co.uk",
        "example.co.uk",
    ]
