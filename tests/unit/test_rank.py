from __future__ import annotations

from autoconf import Protocol, Security, ServerSettings, SourceName, Trust, WarningCode
from autoconf.engine.rank import merge
from autoconf.sources.base import SourceOutcome


def _server(
    protocol: Protocol = Protocol.IMAP,
    host: str = "imap.example.com",
    port: int = 993,
    security: Security = Security.TLS,
    source: SourceName = SourceName.AUTOCONFIG,
    trust: Trust = Trust.HIGH,
    username: str | None = None,
) -> ServerSettings:
    return ServerSettings(
        protocol=protocol,
        host=host,
        port=port,
        security=security,
        username=username,
        sources=[source],
        trust=trust,
    )


def _outcome(source: SourceName, *servers: ServerSettings) -> SourceOutcome:
    return SourceOutcome(
        source=source,
        attempts=[],
        incoming=[s for s in servers if s.protocol is not Protocol.SMTP],
        outgoing=[s for s in servers if s.protocol is Protocol.SMTP],
    )


def test_same_server_from_two_sources_is_one_candidate_listing_both():
    """Duplicates merge; sources are listed in priority order; details come from the best."""
    a = _server(source=SourceName.SRV, trust=Trust.MEDIUM, username="from-srv")
    b = _server(source=SourceName.AUTOCONFIG, trust=Trust.HIGH, username="from-autoconfig")
    ranked = merge([_outcome(SourceName.SRV, a), _outcome(SourceName.AUTOCONFIG, b)])
    assert len(ranked.incoming) == 1
    server = ranked.incoming[0]
    assert server.sources == [SourceName.AUTOCONFIG, SourceName.SRV]
    assert server.trust is Trust.HIGH
    assert server.username == "from-autoconfig"


def test_independent_agreement_raises_trust():
    """Two medium sources that agree make a high-trust candidate; ISPDB twice does not."""
    srv = _server(source=SourceName.SRV, trust=Trust.MEDIUM)
    mx = _server(source=SourceName.MX, trust=Trust.MEDIUM)
    assert (
        merge([_outcome(SourceName.SRV, srv), _outcome(SourceName.MX, mx)]).incoming[0].trust
        is Trust.HIGH
    )
    one = _server(source=SourceName.ISPDB, trust=Trust.MEDIUM)
    two = _server(source=SourceName.ISPDB_BUNDLED, trust=Trust.MEDIUM)
    assert (
        merge([_outcome(SourceName.ISPDB, one), _outcome(SourceName.ISPDB_BUNDLED, two)])
        .incoming[0]
        .trust
        is Trust.MEDIUM
    )


def test_order_is_trust_then_security_then_protocol_then_source():
    """Ranking follows trust, then TLS over STARTTLS, then IMAP over POP3, then source."""
    servers = [
        _server(Protocol.POP3, "pop.example.com", 995, Security.TLS),
        _server(Protocol.IMAP, "imap.example.com", 143, Security.STARTTLS),
        _server(Protocol.IMAP, "imap.example.com", 993, Security.TLS),
        _server(Protocol.IMAP, "low.example.com", 993, Security.TLS, trust=Trust.LOW),
    ]
    ranked = merge([_outcome(SourceName.AUTOCONFIG, *servers)])
    assert [(s.host, s.port) for s in ranked.incoming] == [
        ("imap.example.com", 993),
        ("pop.example.com", 995),
        ("imap.example.com", 143),
        ("low.example.com", 993),
    ]


def test_plain_is_never_first_when_tls_exists():
    """A high-trust plaintext server still ranks below a low-trust encrypted one."""
    plain = _server(port=143, security=Security.PLAIN, trust=Trust.HIGH)
    tls = _server(host="imap.other.example", trust=Trust.LOW, source=SourceName.GUESS)
    ranked = merge([_outcome(SourceName.AUTOCONFIG, plain), _outcome(SourceName.GUESS, tls)])
    assert ranked.incoming[0].security is Security.TLS
    assert not any(w.code is WarningCode.PLAINTEXT_ONLY for w in ranked.warnings)


def test_plaintext_only_and_insecure_source_warnings():
    """Only-plain directions and results over plain HTTP are warned about."""
    plain = _server(
        Protocol.SMTP,
        "smtp.example.com",
        25,
        Security.PLAIN,
        source=SourceName.AUTOCONFIG_HTTP,
        trust=Trust.LOW,
    )
    ranked = merge([_outcome(SourceName.AUTOCONFIG_HTTP, plain)])
    codes = [w.code for w in ranked.warnings]
    assert WarningCode.PLAINTEXT_ONLY in codes
    assert WarningCode.INSECURE_SOURCE in codes


def test_disagreeing_sources_are_warned_about():
    """When two sources' first choices differ, a sources-disagree warning names both."""
    a = _server(host="imap.example.com", source=SourceName.AUTOCONFIG)
    b = _server(host="mail.example.com", source=SourceName.SRV, trust=Trust.MEDIUM)
    ranked = merge([_outcome(SourceName.AUTOCONFIG, a), _outcome(SourceName.SRV, b)])
    disagree = [w for w in ranked.warnings if w.code is WarningCode.SOURCES_DISAGREE]
    assert len(disagree) == 1
    assert "imap.example.com" in disagree[0].message
    assert "mail.example.com" in disagree[0].message
