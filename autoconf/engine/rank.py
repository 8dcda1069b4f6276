"""Merge what the sources found and put it in order (pure).

The same server (protocol, host, port, security) proposed by several sources becomes one
candidate that lists every source. Its trust is that of its most trusted source, raised one
step when independent sources agree. Order, best first:

1. plaintext last whenever anything encrypted exists (RFC 8314: never recommend ``plain``);
2. verified servers first, servers whose probe failed last, unprobed ones between;
3. trust (high, medium, low);
4. security (implicit TLS, STARTTLS, plain);
5. protocol (IMAP before POP3);
6. source priority, then the order the sources gave.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..models import (
    Protocol,
    Security,
    ServerSettings,
    SourceName,
    TlsStatus,
    Trust,
    Warning,
    WarningCode,
)
from ..sources.base import SourceOutcome

__all__ = ["Ranked", "merge", "rank_key", "rerank", "verification_warnings"]

_TRUST_RANK = {Trust.HIGH: 0, Trust.MEDIUM: 1, Trust.LOW: 2}
_TRUST_BY_RANK = {rank: trust for trust, rank in _TRUST_RANK.items()}
_SECURITY_RANK = {Security.TLS: 0, Security.STARTTLS: 1, Security.PLAIN: 2}
_PROTOCOL_RANK = {Protocol.IMAP: 0, Protocol.POP3: 1, Protocol.SMTP: 0}
# Sources that are the same evidence twice do not count as agreeing independently.
_FAMILY = {SourceName.ISPDB_BUNDLED: SourceName.ISPDB}
_INSECURE_SOURCES = frozenset({SourceName.AUTOCONFIG_HTTP})


@dataclass(frozen=True, slots=True)
class Ranked:
    incoming: list[ServerSettings] = field(default_factory=list)
    outgoing: list[ServerSettings] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)


def rank_key(
    server: ServerSettings, order: int = 0, *, use_verification: bool = True
) -> tuple[int, ...]:
    """Sort key implementing the order in the module docstring (lower is better).

    Without ``use_verification`` (the caller did not ask for probes) the probe results some
    candidates carry anyway (guessing) do not lift them above better-sourced servers.
    """
    best_source = min((s.priority for s in server.sources), default=99)
    verification = server.verification if use_verification else None
    tier = 1 if verification is None else (0 if verification.ok else 2)
    return (
        server.security is Security.PLAIN,
        tier,
        _TRUST_RANK[server.trust],
        _SECURITY_RANK[server.security],
        _PROTOCOL_RANK[server.protocol],
        best_source,
        order,
    )


def merge(outcomes: Sequence[SourceOutcome], *, use_verification: bool = True) -> Ranked:
    """Merge and order the candidates of ``outcomes``; collect and add warnings."""
    ordered = sorted(outcomes, key=lambda o: o.source.priority)
    incoming = _merge_direction((o.incoming for o in ordered), use_verification)
    outgoing = _merge_direction((o.outgoing for o in ordered), use_verification)
    warnings: list[Warning] = []
    for outcome in ordered:
        warnings.extend(outcome.warnings)
    insecure = [s for s in incoming + outgoing if set(s.sources) <= _INSECURE_SOURCES]
    if insecure:
        names = ", ".join(dict.fromkeys(f"{s.host}:{s.port}" for s in insecure))
        warnings.append(
            Warning(
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
                Warning(
                    code=WarningCode.PLAINTEXT_ONLY,
                    message=f"every {label} server found is unencrypted: passwords would travel "
                    "in clear text",
                )
            )
    warnings.extend(_disagreements(ordered))
    return Ranked(incoming=incoming, outgoing=outgoing, warnings=_unique(warnings))


def rerank(servers: list[ServerSettings], *, use_verification: bool = True) -> list[ServerSettings]:
    """Sort again after verification (stable: equal keys keep their order)."""
    order = {id(s): i for i, s in enumerate(servers)}
    return sorted(
        servers, key=lambda s: rank_key(s, order[id(s)], use_verification=use_verification)
    )


def verification_warnings(servers: Iterable[ServerSettings]) -> list[Warning]:
    """Plain-words warnings for what the probes found wrong."""
    warnings: list[Warning] = []
    for server in servers:
        v = server.verification
        if v is None:
            continue
        where = f"{server.host}:{server.port}"
        if v.certificate is not None and not v.certificate.valid:
            names = ", ".join(v.certificate.subject_names) or "unknown names"
            warnings.append(
                Warning(
                    code=WarningCode.CERTIFICATE_INVALID,
                    message=f"the certificate of {where} was refused ({v.certificate.error}); "
                    f"it is for {names}",
                    host=server.host,
                )
            )
        if v.tls is TlsStatus.NOT_OFFERED:
            warnings.append(
                Warning(
                    code=WarningCode.STARTTLS_NOT_OFFERED,
                    message=f"{where} was published with STARTTLS but does not offer it; "
                    "it was not used in clear text",
                    host=server.host,
                )
            )
    return warnings


def _merge_direction(
    lists: Iterable[list[ServerSettings]], use_verification: bool
) -> list[ServerSettings]:
    merged: dict[tuple[object, ...], ServerSettings] = {}
    first_seen: dict[tuple[object, ...], int] = {}
    # Per endpoint: the best trust each independent family of sources gave it.
    vouchers: dict[tuple[object, ...], dict[SourceName, int]] = {}
    for servers in lists:  # in source priority order: the first proposal keeps its details
        for server in servers:
            key = server.endpoint
            families = vouchers.setdefault(key, {})
            for source in server.sources:
                family = _FAMILY.get(source, source)
                families[family] = min(families.get(family, 2), _TRUST_RANK[server.trust])
            known = merged.get(key)
            if known is None:
                merged[key] = server
                first_seen[key] = len(first_seen)
                continue
            sources = known.sources + [s for s in server.sources if s not in known.sources]
            merged[key] = known.model_copy(
                update={
                    "sources": sources,
                    "trust": _combined_trust(families),
                    "auth": known.auth or server.auth,
                    "username": known.username or server.username,
                    "verification": known.verification or server.verification,
                }
            )
    candidates = list(merged.items())
    candidates.sort(
        key=lambda item: rank_key(item[1], first_seen[item[0]], use_verification=use_verification)
    )
    return [server for _, server in candidates]


def _combined_trust(families: dict[SourceName, int]) -> Trust:
    """The best trust given, one step higher when two independent families agree.

    Only families that trust the server at least medium count as agreeing: two weak,
    unauthenticated hints (a spoofable DNS answer twice) do not make a strong one.
    """
    best = min(families.values())
    agreeing = [
        family
        for family, rank in families.items()
        if rank <= _TRUST_RANK[Trust.MEDIUM] and family not in _INSECURE_SOURCES
    ]
    if len(agreeing) >= 2 and best > 0:
        best -= 1
    return _TRUST_BY_RANK[best]


def _disagreements(outcomes: Sequence[SourceOutcome]) -> list[Warning]:
    warnings: list[Warning] = []
    for label in ("incoming", "outgoing"):
        firsts: dict[str, list[str]] = {}
        for outcome in outcomes:
            servers: list[ServerSettings] = getattr(outcome, label)
            if servers and outcome.source is not SourceName.GUESS:
                firsts.setdefault(servers[0].host, []).append(outcome.source.value)
        if len(firsts) > 1:
            said = "; ".join(f"{', '.join(names)} say {host}" for host, names in firsts.items())
            warnings.append(
                Warning(
                    code=WarningCode.SOURCES_DISAGREE,
                    message=f"the sources disagree on the {label} server: {said}",
                )
            )
    return warnings


def _unique(warnings: list[Warning]) -> list[Warning]:
    seen: set[tuple[str, str, str | None]] = set()
    kept: list[Warning] = []
    for warning in warnings:
        key = (warning.code.value, warning.message, warning.host)
        if key not in seen:
            seen.add(key)
            kept.append(warning)
    return kept
