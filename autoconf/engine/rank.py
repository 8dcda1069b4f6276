"""Merge what the sources found and put it in order (pure).

The same server (protocol, host, port, security) proposed by several sources becomes one
candidate that lists every source. Its trust is that of its most trusted source, raised one
step when independent sources that vouch for it agree (:func:`vouches`: a hint from
unauthenticated DNS, plain HTTP, a probe or a redirect elsewhere never does, so no number of
such hints, agreeing, makes a host trusted enough for the password). Order, best first:

1. plaintext last whenever anything encrypted exists (RFC 8314: never recommend ``plain``);
2. verified servers first, servers whose probe failed last, unprobed ones between;
   what a probe learned about a host and port counts for every candidate on it
   (:func:`with_endpoint_evidence`): when that endpoint did not answer, or answered in a way
   that rules a candidate out, the candidate carries an ``inferred`` failed verification
   and ranks with the failures, never above them;
3. trust (high, medium, low), where a server only a secondary bundled database (Delta Chat,
   K-9, mailcore2) proposes ranks as low trust and, among low-trust servers, last: network
   sources (autoconfig, SRV, Autodiscover) always beat a secondary database, since ISPDB
   removes domains on purpose and an older list must not outrank what the domain publishes
   (its ``trust`` field still says what the database is worth on its own);
4. the provider's own configuration (its files, PACC, SRV, Autodiscover, the caller's) before
   what only a third party says (ISPDB, the MX heuristic, guessing), as Thunderbird lets the
   provider's own file win over the ISPDB: a provider that publishes STARTTLS on purpose is not
   overruled by a database entry naming implicit TLS;
5. security (implicit TLS, STARTTLS, plain);
6. protocol (IMAP before POP3);
7. source priority, then the order the sources gave.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..models import (
    DiscoveryWarning,
    DnssecStatus,
    FailureKind,
    Protocol,
    ProviderDatabase,
    Security,
    ServerSettings,
    Service,
    ServiceKind,
    SourceAttempt,
    SourceName,
    TlsStatus,
    Trust,
    Verification,
    WarningCode,
)
from ..sources.base import SourceOutcome

__all__ = [
    "MAX_DISAGREEMENTS",
    "Ranked",
    "dnssec_warnings",
    "merge",
    "merge_services",
    "rank_key",
    "rerank",
    "verification_warnings",
    "vouches",
    "with_endpoint_evidence",
]

_TRUST_RANK = {Trust.HIGH: 0, Trust.MEDIUM: 1, Trust.LOW: 2}
_TRUST_BY_RANK = {rank: trust for trust, rank in _TRUST_RANK.items()}
_SECURITY_RANK = {Security.TLS: 0, Security.STARTTLS: 1, Security.PLAIN: 2}
_PROTOCOL_RANK = {Protocol.IMAP: 0, Protocol.POP3: 1, Protocol.SMTP: 0}
# Sources that are the same evidence twice do not count as agreeing independently.
_FAMILY = {SourceName.ISPDB_BUNDLED: SourceName.ISPDB}
_INSECURE_SOURCES = frozenset({SourceName.AUTOCONFIG_HTTP})
# Sources that name a host with nothing authenticating the choice: unauthenticated DNS (MX,
# SRV), plain HTTP, a probe that found something answering. They never vouch for a host.
_HINT_SOURCES = frozenset(
    {SourceName.MX, SourceName.SRV, SourceName.AUTOCONFIG_HTTP, SourceName.GUESS}
)
_BUNDLED_ONLY = frozenset({SourceName.ISPDB_BUNDLED, SourceName.MX})
# Sources that are not the provider's own word on its servers: databases kept by others, the
# MX heuristic (a database or the MX host's provider) and probing.
_THIRD_PARTY = frozenset(
    {SourceName.ISPDB, SourceName.ISPDB_BUNDLED, SourceName.MX, SourceName.GUESS}
)
_SECONDARY = frozenset(
    {ProviderDatabase.DELTACHAT, ProviderDatabase.K9, ProviderDatabase.MAILCORE2}
)
# Failures before any byte was exchanged: the host (DNS) or the host and port did not answer,
# whatever protocol or security was tried there.
_DEAD_ENDPOINT = frozenset(
    {FailureKind.REFUSED, FailureKind.UNREACHABLE, FailureKind.TIMEOUT, FailureKind.BLOCKED}
)
_DEAD_HOST = frozenset({FailureKind.DNS})
_KIND_RANK = {kind: rank for rank, kind in enumerate(ServiceKind)}
# At most this many ``sources-disagree`` warnings; one more says how many were left out.
MAX_DISAGREEMENTS = 8


@dataclass(frozen=True, slots=True)
class Ranked:
    incoming: list[ServerSettings] = field(default_factory=list)
    outgoing: list[ServerSettings] = field(default_factory=list)
    warnings: list[DiscoveryWarning] = field(default_factory=list)


def rank_key(
    server: ServerSettings, order: int = 0, *, use_verification: bool = True
) -> tuple[int, ...]:
    """Sort key implementing the order in the module docstring (lower is better).

    Without ``use_verification`` (the caller did not ask for probes) the probe results some
    candidates carry anyway (guessing) do not lift them above better-sourced servers.
    """
    # PACC shares autoconfig's priority but goes first: HTTPS and the DNS both vouch for it.
    best_source = min(
        (2 * s.priority + (s is not SourceName.PACC) for s in server.sources), default=999
    )
    verification = server.verification if use_verification else None
    if verification is None or not verification.probed:
        tier = 1  # unchecked
    elif verification.ok:
        tier = 0
    else:
        tier = 2
    secondary_only = server.database in _SECONDARY and set(server.sources) <= _BUNDLED_ONLY
    return (
        server.security is Security.PLAIN,
        tier,
        _TRUST_RANK[Trust.LOW] if secondary_only else _TRUST_RANK[server.trust],
        secondary_only,
        set(server.sources) <= _THIRD_PARTY,
        _SECURITY_RANK[server.security],
        _PROTOCOL_RANK[server.protocol],
        best_source,
        order,
    )


def merge(outcomes: Sequence[SourceOutcome], *, use_verification: bool = True) -> Ranked:
    """Merge and order the candidates of ``outcomes``; collect and add warnings."""
    ordered = sorted(outcomes, key=lambda o: o.source.priority)
    incoming = _merge_direction(o.incoming for o in ordered)
    outgoing = _merge_direction(o.outgoing for o in ordered)
    if use_verification:  # what a probe found (guessing) counts for every candidate on it
        evidence = incoming + outgoing
        incoming = with_endpoint_evidence(incoming, evidence)
        outgoing = with_endpoint_evidence(outgoing, evidence)
    incoming = rerank(incoming, use_verification=use_verification)
    outgoing = rerank(outgoing, use_verification=use_verification)
    warnings: list[DiscoveryWarning] = []
    for outcome in ordered:
        warnings.extend(outcome.warnings)
    insecure = [s for s in incoming + outgoing if set(s.sources) <= _INSECURE_SOURCES]
    if insecure:
        names = ", ".join(dict.fromkeys(f"{s.host}:{s.port}" for s in insecure))
        warnings.append(
            DiscoveryWarning(
                code=WarningCode.INSECURE_SOURCE,
                message=(
                    f"these servers came only over unencrypted HTTP and could have been changed "
                    f"on the way: {names}"
                ),
                host=insecure[0].host,
            )
        )
    for label, servers in (("incoming", incoming), ("outgoing", outgoing)):
        if servers and all(s.security is Security.PLAIN for s in servers):
            warnings.append(
                DiscoveryWarning(
                    code=WarningCode.PLAINTEXT_ONLY,
                    message=f"every {label} server found is unencrypted: passwords would travel "
                    "in clear text",
                )
            )
    warnings.extend(_disagreements(ordered))
    return Ranked(incoming=incoming, outgoing=outgoing, warnings=_unique(warnings))


def rerank(
    servers: list[ServerSettings],
    *,
    use_verification: bool = True,
    evidence: Iterable[ServerSettings] | None = None,
) -> list[ServerSettings]:
    """Sort again after verification (stable: equal keys keep their order).

    With ``evidence`` (every candidate of the discovery, probed or not), what the probes
    learned about a host and port is first applied to every candidate on it.
    """
    if evidence is not None and use_verification:
        servers = with_endpoint_evidence(servers, evidence)
    keyed = [(rank_key(s, i, use_verification=use_verification), s) for i, s in enumerate(servers)]
    keyed.sort(key=lambda item: item[0])
    return [server for _, server in keyed]


def with_endpoint_evidence(
    servers: Iterable[ServerSettings], evidence: Iterable[ServerSettings]
) -> list[ServerSettings]:
    """``servers``, each unprobed one carrying what probes of ``evidence`` learned about it.

    A probe that could not reach a host and port (refused, unreachable, timed out, blocked;
    for a name that does not resolve, the whole host) rules out every candidate there, of any
    protocol and security. A probe that succeeded rules out the candidates on the same host and
    port that expect the other way of starting: implicit TLS against a cleartext greeting
    (STARTTLS, plain). Such a candidate gets an ``inferred`` failed :class:`Verification`, so
    it ranks with the failures and no reader takes it for the untested best choice. Decided
    on ``Verification.failure`` and fields only; a probe cut short by the deadline says nothing.
    """
    probed = [
        s
        for s in evidence
        if s.verification is not None and s.verification.probed and not s.verification.inferred
    ]
    updated = []
    for server in servers:
        if server.verification is None:
            learned = next((v for o in probed if (v := _learned(server, o)) is not None), None)
            if learned is not None:
                server = server.model_copy(update={"verification": learned})
        updated.append(server)
    return updated


def _learned(server: ServerSettings, other: ServerSettings) -> Verification | None:
    """What the probe of ``other`` says about the unprobed ``server``; None when nothing."""
    v = other.verification
    assert v is not None
    if other.host != server.host:
        return None
    tried = f"{other.protocol.value.upper()} {other.security.value}"
    where = f"{other.host}:{other.port}"
    if not v.reachable and v.failure in _DEAD_HOST:
        return Verification(
            reachable=False,
            failure=v.failure,
            error=f"not probed: {other.host} did not resolve when {tried} on it was probed",
            inferred=True,
            address_dnssec=v.address_dnssec,  # the same host's addresses
        )
    if other.port != server.port:
        return None
    if not v.reachable and v.failure in _DEAD_ENDPOINT:
        return Verification(
            reachable=False,
            failure=v.failure,
            error=f"not probed: {where} did not answer a probe of {tried}",
            address=v.address,
            inferred=True,
            address_dnssec=v.address_dnssec,  # the same host's addresses
        )
    if v.ok and (other.security is Security.TLS) != (server.security is Security.TLS):
        speaks = "TLS from the first byte" if other.security is Security.TLS else "in clear first"
        return Verification(
            reachable=True,
            failure=FailureKind.PROTOCOL,
            error=f"not probed: {where} speaks {speaks} (a probe of {tried} worked there)",
            address=v.address,
            inferred=True,
            address_dnssec=v.address_dnssec,  # the same host's addresses
        )
    return None


def dnssec_warnings(attempts: Iterable[SourceAttempt]) -> list[DiscoveryWarning]:
    """One ``dnssec-bogus`` warning per attempt that met a DNS answer DNSSEC proved bogus (never
    used): its own look-up, or the address of the host it fetched from."""
    return [
        DiscoveryWarning(
            code=WarningCode.DNSSEC_BOGUS,
            message=f"DNSSEC proves a DNS answer for {attempt.target} bogus; it was not used",
        )
        for attempt in attempts
        if attempt.dnssec is DnssecStatus.BOGUS
    ]


def verification_warnings(servers: Iterable[ServerSettings]) -> list[DiscoveryWarning]:
    """Plain-words warnings for what the probes found wrong."""
    warnings: list[DiscoveryWarning] = []
    for server in servers:
        v = server.verification
        if v is None:
            continue
        where = f"{server.host}:{server.port}"
        if v.certificate is not None and not v.certificate.valid:
            names = ", ".join(v.certificate.subject_names) or "unknown names"
            warnings.append(
                DiscoveryWarning(
                    code=WarningCode.CERTIFICATE_INVALID,
                    message=f"the certificate of {where} was refused ({v.certificate.error}); "
                    f"it is for {names}",
                    host=server.host,
                )
            )
        if v.tls is TlsStatus.NOT_OFFERED:
            warnings.append(
                DiscoveryWarning(
                    code=WarningCode.STARTTLS_NOT_OFFERED,
                    message=f"{where} was published with STARTTLS but does not offer it; "
                    "it was not used in clear text",
                    host=server.host,
                )
            )
    return warnings


def vouches(server: ServerSettings) -> bool:
    """Does this proposal count as a source vouching for its host when sources agree?

    The one rule for agreement: only a source that names the host itself, over an
    authenticated channel (HTTPS to the email domain, the caller's files, a curated
    database), at medium trust or better, vouches. A hint from unauthenticated DNS, plain
    HTTP or a probe, or anything reached through a redirect to another domain, never does.
    """
    return (
        not server.redirected
        and not set(server.sources) & _HINT_SOURCES
        and _TRUST_RANK[server.trust] <= _TRUST_RANK[Trust.MEDIUM]
    )


def _merge_direction(lists: Iterable[list[ServerSettings]]) -> list[ServerSettings]:
    """One candidate per endpoint, in the order first proposed (sources by priority)."""
    merged: dict[tuple[object, ...], ServerSettings] = {}
    # Per endpoint: the independent families of sources that vouch for it.
    vouchers: dict[tuple[object, ...], set[SourceName]] = {}
    for servers in lists:  # in source priority order: the first proposal keeps its details
        for server in servers:
            key = server.endpoint
            families = vouchers.setdefault(key, set())
            if vouches(server):
                families.update(_FAMILY.get(source, source) for source in server.sources)
            known = merged.get(key)
            if known is None:
                merged[key] = server
                continue
            sources = known.sources + [s for s in server.sources if s not in known.sources]
            merged[key] = known.model_copy(
                update={
                    "sources": sources,
                    "trust": _combined_trust(known.trust, server.trust, families),
                    "auth": known.auth or server.auth,
                    "username": known.username or server.username,
                    "verification": known.verification or server.verification,
                    "database": _better_database(known.database, server.database),
                    "redirected": known.redirected and server.redirected,
                }
            )
    return list(merged.values())  # dicts keep insertion order: first proposed first


def _better_database(
    a: ProviderDatabase | None, b: ProviderDatabase | None
) -> ProviderDatabase | None:
    """The more authoritative of two databases that proposed the same server (in the enum's
    order: ISPDB first). A server the curated ISPDB names is not demoted to a secondary
    database's standing because a secondary one happened to propose it first."""
    if a is None or b is None:
        return a or b
    order = list(ProviderDatabase)
    return min(a, b, key=order.index)


def _combined_trust(a: Trust, b: Trust, vouching: set[SourceName]) -> Trust:
    """The best trust given, one step higher when two independent families vouch for it.

    Only sources that vouch (:func:`vouches`) count as agreeing: weak, unauthenticated hints
    (a spoofable DNS answer, plain HTTP, a redirect elsewhere), however many, do not make a
    strong one.
    """
    best = min(_TRUST_RANK[a], _TRUST_RANK[b])
    if len(vouching) >= 2 and best > 0:
        best -= 1
    return _TRUST_BY_RANK[best]


def _disagreements(outcomes: Sequence[SourceOutcome]) -> list[DiscoveryWarning]:
    """One ``sources-disagree`` warning per real disagreement, in a fixed order, bounded.

    Two kinds, over the full lists of every source that answered: the same host and port
    published with a different protocol or security (the sources cannot all be right), and,
    per direction, sources whose host names have nothing in common (guessing excluded: it runs
    only where the others found nothing).
    """
    warnings = _same_endpoint_conflicts(outcomes)
    for label in ("incoming", "outgoing"):
        hosts: dict[SourceName, list[str]] = {}
        for outcome in outcomes:
            servers: list[ServerSettings] = getattr(outcome, label)
            if servers and outcome.source is not SourceName.GUESS:
                hosts[outcome.source] = list(dict.fromkeys(s.host for s in servers))
        if _some_disjoint(list(hosts.values())):
            said = "; ".join(
                f"{source.value} says {', '.join(names)}" for source, names in hosts.items()
            )
            warnings.append(
                DiscoveryWarning(
                    code=WarningCode.SOURCES_DISAGREE,
                    message=f"the sources disagree on the {label} server: {said}",
                )
            )
    if len(warnings) > MAX_DISAGREEMENTS:
        left = len(warnings) - MAX_DISAGREEMENTS + 1
        warnings = [
            *warnings[: MAX_DISAGREEMENTS - 1],
            DiscoveryWarning(
                code=WarningCode.SOURCES_DISAGREE,
                message=f"the sources disagree on {left} more servers (not listed here)",
            ),
        ]
    return warnings


def _same_endpoint_conflicts(outcomes: Sequence[SourceOutcome]) -> list[DiscoveryWarning]:
    """A warning for each host and port that sources publish with different settings."""
    said: dict[tuple[str, int], dict[tuple[Protocol, Security], list[SourceName]]] = {}
    for outcome in outcomes:  # in source priority order
        for server in outcome.incoming + outcome.outgoing:
            variants = said.setdefault((server.host, server.port), {})
            names = variants.setdefault((server.protocol, server.security), [])
            if outcome.source not in names:
                names.append(outcome.source)
    warnings: list[DiscoveryWarning] = []
    for (host, port), variants in sorted(said.items()):
        sources = {name for names in variants.values() for name in names}
        if len(variants) < 2 or len(sources) < 2:
            continue
        parts = "; ".join(
            f"{', '.join(n.value for n in names)} {'says' if len(names) == 1 else 'say'} "
            f"{protocol.value.upper()} {security.value}"
            for (protocol, security), names in variants.items()
        )
        warnings.append(
            DiscoveryWarning(
                code=WarningCode.SOURCES_DISAGREE,
                message=f"the sources disagree on {host}:{port}: {parts}",
                host=host,
            )
        )
    return warnings


def _some_disjoint(host_lists: list[list[str]]) -> bool:
    """True when two of the lists share no host name."""
    sets = [set(hosts) for hosts in host_lists]
    return any(not a & b for i, a in enumerate(sets) for b in sets[i + 1 :])


def _unique(warnings: list[DiscoveryWarning]) -> list[DiscoveryWarning]:
    seen: set[tuple[str, str, str | None]] = set()
    kept: list[DiscoveryWarning] = []
    for warning in warnings:
        key = (warning.code.value, warning.message, warning.host)
        if key not in seen:
            seen.add(key)
            kept.append(warning)
    return kept


def merge_services(outcomes: Sequence[SourceOutcome]) -> list[Service]:
    """One entry per service kind and URL, listing every source that named it, its trust that
    of its best source; ordered by kind (JMAP, CalDAV, CardDAV), then trust, then priority."""
    merged: dict[tuple[ServiceKind, str], Service] = {}
    for outcome in sorted(outcomes, key=lambda o: o.source.priority):
        for service in outcome.services:
            key = (service.kind, service.url)
            known = merged.get(key)
            if known is None:
                merged[key] = service
                continue
            sources = list(dict.fromkeys([*known.sources, *service.sources]))
            trust = min(known.trust, service.trust, key=_TRUST_RANK.__getitem__)
            merged[key] = known.model_copy(update={"sources": sources, "trust": trust})
    return sorted(merged.values(), key=lambda s: (_KIND_RANK[s.kind], _TRUST_RANK[s.trust]))
