"""Registrable domains from the Public Suffix List."""

from __future__ import annotations

from autoconf.net.psl import registrable_domain


def test_registrable_domain():
    """The Public Suffix List decides where the registrable domain starts."""
    assert registrable_domain("a.b.example.co.uk") == "example.co.uk"
    assert registrable_domain("MX.Example.COM.") == "example.com"
    assert registrable_domain("127.0.0.1") == "127.0.0.1"
