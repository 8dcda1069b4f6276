"""Ranking and merging: how trust is earned and what outranks what."""

from __future__ import annotations

from autoconf import (
    Protocol,
    Security,
    ServerSettings,
    SourceName,
    TlsStatus,
    Trust,
    Verification,
)
from autoconf.engine.rank import merge
from autoconf.sources.base import SourceOutcome


def _imap(host: str, source: SourceName, trust: Trust, **extra: object) -> ServerSettings:
    return ServerSettings(
        protocol=Protocol.IMAP,
        host=host,
        port=993,
        security=Security.TLS,
        sources=[source],
        trust=trust,
        **extra,
    )


def _outcome(*servers: ServerSettings) -> SourceOutcome:
    return SourceOutcome(source=servers[0].sources[0], attempts=[], incoming=list(servers))


def test_two_weak_hints_do_not_make_a_trusted_server():
    """A low-trust SRV target and a low-trust Autodiscover answer agreeing stay low."""
    srv = _imap("imap.evil.example", SourceName.SRV, Trust.LOW)
    adsc = _imap("imap.evil.example", SourceName.AUTODISCOVER, Trust.LOW)
    ranked = merge([_outcome(srv), _outcome(adsc)])
    assert ranked.incoming[0].trust is Trust.LOW


def test_two_medium_sources_agreeing_still_raise_trust():
    """Independent medium-trust sources that agree are raised to high."""
    srv = _imap("imap.example.com", SourceName.SRV, Trust.MEDIUM)
    mx = _imap("imap.example.com", SourceName.MX, Trust.MEDIUM)
    assert merge([_outcome(srv), _outcome(mx)]).incoming[0].trust is Trust.HIGH


def test_guessed_servers_do_not_outrank_published_ones_without_verification():
    """With verification off, a guess's own probe result does not lift it above autoconfig."""
    guessed = _imap(
        "mail.example.com",
        SourceName.GUESS,
        Trust.LOW,
        verification=Verification(reachable=True, tls=TlsStatus.OK),
    )
    published = _imap("imap.example.com", SourceName.AUTOCONFIG, Trust.HIGH)
    hosts = [
        s.host
        for s in merge([_outcome(guessed), _outcome(published)], use_verification=False).incoming
    ]
    assert hosts == ["imap.example.com", "mail.example.com"]
