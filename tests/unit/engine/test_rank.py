"""The pure ranking: conflicts between sources (issue 12.2) and what failed probes teach (12.3)."""

from __future__ import annotations

from autoconf.engine.rank import MAX_DISAGREEMENTS, merge, rerank
from autoconf.models import (
    DnssecStatus,
    FailureKind,
    Protocol,
    Security,
    ServerSettings,
    SourceName,
    TlsStatus,
    Trust,
    Verification,
    WarningCode,
)
from autoconf.sources.base import SourceOutcome

HOST = "mail.example.com"


def _server(
    protocol: Protocol,
    port: int,
    security: Security,
    source: SourceName,
    *,
    host: str = HOST,
    trust: Trust = Trust.MEDIUM,
    verification: Verification | None = None,
) -> ServerSettings:
    return ServerSettings(
        protocol=protocol,
        host=host,
        port=port,
        security=security,
        sources=[source],
        trust=trust,
        verification=verification,
    )


def _outcome(source: SourceName, *servers: ServerSettings) -> SourceOutcome:
    return SourceOutcome(
        source=source,
        attempts=[],
        incoming=[s for s in servers if s.protocol is not Protocol.SMTP],
        outgoing=[s for s in servers if s.protocol is Protocol.SMTP],
    )


def _disagreements(outcomes: list[SourceOutcome]) -> list[str]:
    ranked = merge(outcomes)
    return [w.message for w in ranked.warnings if w.code is WarningCode.SOURCES_DISAGREE]


UNREACHABLE = Verification(
    reachable=False, error="cannot connect: timed out", failure=FailureKind.TIMEOUT
)
WORKS = Verification(reachable=True, tls=TlsStatus.OK)


# --- 12.2: conflicts on the same host and port ------------------------------------------------


def test_same_host_and_port_with_different_security_is_a_disagreement():
    """autoconfig says IMAP 993 TLS, autodiscover IMAP 993 STARTTLS: one warning names both."""
    a = _server(Protocol.IMAP, 993, Security.TLS, SourceName.AUTOCONFIG, trust=Trust.HIGH)
    b = _server(Protocol.IMAP, 993, Security.STARTTLS, SourceName.AUTODISCOVER)
    smtp = _server(Protocol.SMTP, 465, Security.TLS, SourceName.AUTOCONFIG)
    said = _disagreements(
        [_outcome(SourceName.AUTOCONFIG, a, smtp), _outcome(SourceName.AUTODISCOVER, b, smtp)]
    )
    assert said == [
        f"the sources disagree on {HOST}:993: autoconfig says IMAP tls; "
        "autodiscover says IMAP starttls"
    ]


def test_same_host_and_port_with_different_protocols_is_a_disagreement():
    """One source's POP3 995 against another's IMAP 995 is warned about, naming both."""
    a = _server(Protocol.POP3, 995, Security.TLS, SourceName.ISPDB)
    b = _server(Protocol.IMAP, 995, Security.TLS, SourceName.SRV)
    said = _disagreements([_outcome(SourceName.SRV, b), _outcome(SourceName.ISPDB, a)])
    assert len(said) == 1
    assert "srv says IMAP tls" in said[0]
    assert "ispdb says POP3 tls" in said[0]


def test_a_second_server_of_a_source_counts_not_only_its_first():
    """The conflict hides behind each source's first server, on a shared host: still found."""
    first = _server(Protocol.IMAP, 993, Security.TLS, SourceName.AUTOCONFIG)
    pop_tls = _server(Protocol.POP3, 995, Security.TLS, SourceName.AUTOCONFIG)
    pop_starttls = _server(Protocol.POP3, 995, Security.STARTTLS, SourceName.AUTODISCOVER)
    said = _disagreements(
        [
            _outcome(SourceName.AUTOCONFIG, first, pop_tls),
            _outcome(SourceName.AUTODISCOVER, first, pop_starttls),
        ]
    )
    assert len(said) == 1
    assert f"{HOST}:995" in said[0]


def test_agreeing_sources_and_one_sources_own_variants_are_not_disagreements():
    """Same endpoints from two sources, or one document listing 587 twice: no warning."""
    a = _server(Protocol.SMTP, 587, Security.STARTTLS, SourceName.AUTOCONFIG)
    plain = _server(Protocol.SMTP, 587, Security.PLAIN, SourceName.AUTOCONFIG)
    b = _server(Protocol.SMTP, 587, Security.STARTTLS, SourceName.SRV)
    assert _disagreements([_outcome(SourceName.AUTOCONFIG, a, plain)]) == []
    assert _disagreements([_outcome(SourceName.AUTOCONFIG, a), _outcome(SourceName.SRV, b)]) == []


def test_disagreements_are_ordered_and_bounded():
    """Many conflicting ports give a fixed order and at most MAX_DISAGREEMENTS warnings."""
    ports = range(2000, 2030)
    a = [_server(Protocol.IMAP, p, Security.TLS, SourceName.AUTOCONFIG) for p in ports]
    b = [_server(Protocol.IMAP, p, Security.STARTTLS, SourceName.AUTODISCOVER) for p in ports]
    outcomes = [_outcome(SourceName.AUTODISCOVER, *b), _outcome(SourceName.AUTOCONFIG, *a)]
    said = _disagreements(outcomes)
    assert len(said) == MAX_DISAGREEMENTS
    assert said == _disagreements(list(reversed(outcomes)))
    assert f"{HOST}:2000:" in said[0]
    assert f"{HOST}:2001:" in said[1]
    assert "more servers" in said[-1]


# --- 12.3: a failed check must not lose to an unchecked guess ---------------------------------


def _provider_and_misread() -> tuple[list[ServerSettings], ServerSettings]:
    """The provider's own servers (checked, every probe unreachable) and a misread POP3."""
    imap = _server(
        Protocol.IMAP, 993, Security.TLS, SourceName.AUTOCONFIG, trust=Trust.HIGH,
        verification=UNREACHABLE,
    )  # fmt: skip
    pop = _server(
        Protocol.POP3, 995, Security.TLS, SourceName.AUTOCONFIG, trust=Trust.HIGH,
        verification=UNREACHABLE,
    )  # fmt: skip
    misread = _server(Protocol.POP3, 995, Security.STARTTLS, SourceName.AUTODISCOVER)
    return [imap, pop], misread


def test_unchecked_candidate_on_a_dead_endpoint_does_not_rank_first():
    """Every probe unreachable: the unprobed POP3 995 on the same host:port is no longer first."""
    checked, misread = _provider_and_misread()
    servers = [misread, *checked]
    ranked = rerank(servers, evidence=servers)
    assert (ranked[0].protocol, ranked[0].port) == (Protocol.IMAP, 993)
    demoted = next(s for s in ranked if s.security is Security.STARTTLS)
    assert demoted.verification is not None
    assert demoted.verification.inferred
    assert not demoted.verification.ok
    assert demoted.verification.failure is FailureKind.TIMEOUT


def test_merge_applies_probe_evidence_from_every_source():
    """Candidates that arrive probed (guessing) teach merge() about the others on that endpoint."""
    checked, misread = _provider_and_misread()
    ranked = merge([_outcome(SourceName.AUTOCONFIG, *checked), _outcome(SourceName.MX, misread)])
    assert ranked.incoming[0].verification is UNREACHABLE
    assert all(s.verification is not None for s in ranked.incoming)


def test_a_working_tls_port_rules_out_starttls_on_it():
    """IMAP 993 TLS worked: an unprobed IMAP 993 STARTTLS is contradicted, 143 is not."""
    tls = _server(Protocol.IMAP, 993, Security.TLS, SourceName.SRV, verification=WORKS)
    misread = _server(
        Protocol.IMAP, 993, Security.STARTTLS, SourceName.AUTOCONFIG, trust=Trust.HIGH
    )
    other = _server(Protocol.IMAP, 143, Security.STARTTLS, SourceName.AUTOCONFIG)
    servers = [misread, other, tls]
    ranked = rerank(servers, evidence=servers)
    assert [(s.port, s.security) for s in ranked] == [
        (993, Security.TLS),
        (143, Security.STARTTLS),
        (993, Security.STARTTLS),
    ]
    assert ranked[1].verification is None
    assert ranked[2].verification is not None
    assert ranked[2].verification.inferred


def test_unresolvable_host_rules_out_every_port_on_it_and_deadline_nothing():
    """A DNS failure counts for the whole host; a probe cut by the deadline teaches nothing."""
    dns = Verification(reachable=False, error="no such host", failure=FailureKind.DNS)
    cut = Verification(reachable=False, error="deadline", failure=FailureKind.DEADLINE)
    probed = _server(Protocol.IMAP, 993, Security.TLS, SourceName.SRV, verification=dns)
    other_port = _server(Protocol.POP3, 995, Security.TLS, SourceName.AUTOCONFIG)
    elsewhere = _server(Protocol.IMAP, 993, Security.TLS, SourceName.MX, host="imap.example.net")
    cut_short = _server(
        Protocol.IMAP, 993, Security.TLS, SourceName.MX, host="x.example.org", verification=cut
    )
    starttls = _server(Protocol.IMAP, 993, Security.STARTTLS, SourceName.MX, host="x.example.org")
    servers = [probed, other_port, elsewhere, cut_short, starttls]
    by_host_port = {(s.host, s.port, s.security): s for s in rerank(servers, evidence=servers)}
    learned = by_host_port[(HOST, 995, Security.TLS)].verification
    assert learned is not None
    assert learned.failure is FailureKind.DNS
    assert by_host_port[("imap.example.net", 993, Security.TLS)].verification is None
    assert by_host_port[("x.example.org", 993, Security.STARTTLS)].verification is None


def test_what_is_learned_of_a_host_keeps_what_dnssec_proved_of_its_addresses():
    """A verification learned from a probe of the same host carries its address status."""
    works = WORKS.model_copy(update={"address_dnssec": DnssecStatus.SECURE})
    tls = _server(Protocol.IMAP, 993, Security.TLS, SourceName.SRV, verification=works)
    misread = _server(Protocol.IMAP, 993, Security.STARTTLS, SourceName.AUTOCONFIG)
    learned = rerank([tls, misread], evidence=[tls, misread])[1].verification
    assert learned is not None
    assert (learned.inferred, learned.address_dnssec) == (True, DnssecStatus.SECURE)


def test_without_verification_nothing_is_inferred():
    """--no-verify: merge() leaves unprobed candidates alone, whatever guessing probed."""
    checked, misread = _provider_and_misread()
    ranked = merge(
        [_outcome(SourceName.AUTOCONFIG, *checked), _outcome(SourceName.MX, misread)],
        use_verification=False,
    )
    assert any(s.verification is None for s in ranked.incoming)


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


def _one_outcome(*servers: ServerSettings) -> SourceOutcome:
    return SourceOutcome(source=servers[0].sources[0], attempts=[], incoming=list(servers))


def test_two_weak_hints_do_not_make_a_trusted_server():
    """A low-trust SRV target and a low-trust Autodiscover answer agreeing stay low."""
    srv = _imap("imap.evil.example", SourceName.SRV, Trust.LOW)
    adsc = _imap("imap.evil.example", SourceName.AUTODISCOVER, Trust.LOW)
    ranked = merge([_one_outcome(srv), _one_outcome(adsc)])
    assert ranked.incoming[0].trust is Trust.LOW


def test_two_medium_sources_that_vouch_agreeing_still_raise_trust():
    """Independent medium-trust sources that vouch (HTTPS, a database) and agree are raised."""
    autodiscover = _imap("imap.example.com", SourceName.AUTODISCOVER, Trust.MEDIUM)
    deltachat = _imap("imap.example.com", SourceName.ISPDB_BUNDLED, Trust.MEDIUM)
    ranked = merge([_one_outcome(deltachat), _one_outcome(autodiscover)])
    assert ranked.incoming[0].trust is Trust.HIGH


def test_two_medium_dns_hints_agreeing_stay_medium():
    """SRV and MX (unauthenticated DNS, issue 19.3) agreeing do not make a host high trust."""
    srv = _imap("imap.example.com", SourceName.SRV, Trust.MEDIUM)
    mx = _imap("imap.example.com", SourceName.MX, Trust.MEDIUM)
    assert merge([_one_outcome(srv), _one_outcome(mx)]).incoming[0].trust is Trust.MEDIUM


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
        for s in merge(
            [_one_outcome(guessed), _one_outcome(published)], use_verification=False
        ).incoming
    ]
    assert hosts == ["imap.example.com", "mail.example.com"]


def _simple_server(
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


def test_same_server_from_two_sources_is_one_candidate_listing_both():
    """Duplicates merge; sources are listed in priority order; details come from the best."""
    a = _simple_server(source=SourceName.SRV, trust=Trust.MEDIUM, username="from-srv")
    b = _simple_server(source=SourceName.AUTOCONFIG, trust=Trust.HIGH, username="from-autoconfig")
    ranked = merge([_outcome(SourceName.SRV, a), _outcome(SourceName.AUTOCONFIG, b)])
    assert len(ranked.incoming) == 1
    server = ranked.incoming[0]
    assert server.sources == [SourceName.AUTOCONFIG, SourceName.SRV]
    assert server.trust is Trust.HIGH
    assert server.username == "from-autoconfig"


def test_independent_agreement_raises_trust():
    """Two medium sources that vouch and agree make a high-trust candidate; ISPDB twice does
    not."""
    ad = _simple_server(source=SourceName.AUTODISCOVER, trust=Trust.MEDIUM)
    ac = _simple_server(source=SourceName.AUTOCONFIG, trust=Trust.MEDIUM)
    assert (
        merge([_outcome(SourceName.AUTOCONFIG, ac), _outcome(SourceName.AUTODISCOVER, ad)])
        .incoming[0]
        .trust
        is Trust.HIGH
    )
    one = _simple_server(source=SourceName.ISPDB, trust=Trust.MEDIUM)
    two = _simple_server(source=SourceName.ISPDB_BUNDLED, trust=Trust.MEDIUM)
    assert (
        merge([_outcome(SourceName.ISPDB, one), _outcome(SourceName.ISPDB_BUNDLED, two)])
        .incoming[0]
        .trust
        is Trust.MEDIUM
    )


def test_order_is_trust_then_security_then_protocol_then_source():
    """Ranking follows trust, then TLS over STARTTLS, then IMAP over POP3, then source."""
    servers = [
        _simple_server(Protocol.POP3, "pop.example.com", 995, Security.TLS),
        _simple_server(Protocol.IMAP, "imap.example.com", 143, Security.STARTTLS),
        _simple_server(Protocol.IMAP, "imap.example.com", 993, Security.TLS),
        _simple_server(Protocol.IMAP, "low.example.com", 993, Security.TLS, trust=Trust.LOW),
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
    plain = _simple_server(port=143, security=Security.PLAIN, trust=Trust.HIGH)
    tls = _simple_server(host="imap.other.example", trust=Trust.LOW, source=SourceName.GUESS)
    ranked = merge([_outcome(SourceName.AUTOCONFIG, plain), _outcome(SourceName.GUESS, tls)])
    assert ranked.incoming[0].security is Security.TLS
    assert not any(w.code is WarningCode.PLAINTEXT_ONLY for w in ranked.warnings)


def test_plaintext_only_and_insecure_source_warnings():
    """Only-plain directions and results over plain HTTP are warned about."""
    plain = _simple_server(
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
    a = _simple_server(host="imap.example.com", source=SourceName.AUTOCONFIG)
    b = _simple_server(host="mail.example.com", source=SourceName.SRV, trust=Trust.MEDIUM)
    ranked = merge([_outcome(SourceName.AUTOCONFIG, a), _outcome(SourceName.SRV, b)])
    disagree = [w for w in ranked.warnings if w.code is WarningCode.SOURCES_DISAGREE]
    assert len(disagree) == 1
    assert "imap.example.com" in disagree[0].message
    assert "mail.example.com" in disagree[0].message


def test_the_providers_own_file_outranks_a_database_before_security():
    """autoconfig names STARTTLS on 143, the ISPDB implicit TLS on 993 (both high trust): the
    provider's own file goes first, as Thunderbird lets it win over the ISPDB."""
    own = _server(Protocol.IMAP, 143, Security.STARTTLS, SourceName.AUTOCONFIG, trust=Trust.HIGH)
    ispdb = _server(Protocol.IMAP, 993, Security.TLS, SourceName.ISPDB, trust=Trust.HIGH)
    ranked = merge([_outcome(SourceName.ISPDB, ispdb), _outcome(SourceName.AUTOCONFIG, own)])
    assert [s.port for s in ranked.incoming] == [143, 993]


def test_third_party_order_keeps_security_and_trust_first():
    """Among third-party sources security still decides; a better-trusted database entry still
    beats the provider's less-trusted SRV hint (trust comes before whose word it is)."""
    starttls = _server(Protocol.IMAP, 143, Security.STARTTLS, SourceName.ISPDB, trust=Trust.HIGH)
    tls = _server(Protocol.IMAP, 993, Security.TLS, SourceName.MX, trust=Trust.HIGH)
    ranked = merge([_outcome(SourceName.ISPDB, starttls), _outcome(SourceName.MX, tls)])
    assert [s.port for s in ranked.incoming] == [993, 143]
    srv = _server(Protocol.IMAP, 993, Security.TLS, SourceName.SRV, trust=Trust.MEDIUM)
    db = _server(Protocol.IMAP, 143, Security.STARTTLS, SourceName.ISPDB, trust=Trust.HIGH)
    ranked = merge([_outcome(SourceName.SRV, srv), _outcome(SourceName.ISPDB, db)])
    assert [s.port for s in ranked.incoming] == [143, 993]


def test_a_server_both_the_provider_and_a_database_name_counts_as_the_providers():
    """A server named by autoconfig and the ISPDB is the provider's own; a database-only one
    with better security does not pass it."""
    both = _server(Protocol.IMAP, 143, Security.STARTTLS, SourceName.AUTOCONFIG, trust=Trust.HIGH)
    db_both = both.model_copy(update={"sources": [SourceName.ISPDB]})
    db_tls = _server(Protocol.IMAP, 993, Security.TLS, SourceName.ISPDB, trust=Trust.HIGH)
    ranked = merge(
        [_outcome(SourceName.AUTOCONFIG, both), _outcome(SourceName.ISPDB, db_both, db_tls)]
    )
    assert [(s.port, s.sources) for s in ranked.incoming] == [
        (143, [SourceName.AUTOCONFIG, SourceName.ISPDB]),
        (993, [SourceName.ISPDB]),
    ]
