"""Does the email domain exist, and does this machine's DNS work? (pure; issue 12.11)

Read from the attempts the sources recorded, never from their messages:

- the ``mx`` source marks its look-up ``no-domain`` when the DNS answers NXDOMAIN for the
  domain's MX and its A;
- the ``ispdb`` source marks its fetch ``unresolved`` when even the online ISPDB's host does
  not resolve.

Both together mean this machine's DNS (or network) is down, not that the domain is missing: the
result is ``dns-down`` and every ``empty`` network attempt becomes ``unresolved``. The first
alone means the domain does not exist: ``not-found``, and every ``empty`` attempt at a name
under the domain becomes ``no-domain``.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..models import AttemptStatus, DomainStatus, SourceAttempt, SourceName

__all__ = ["DOMAIN_SCOPED", "diagnose", "relabel"]

# Sources that look only at names at or under the email domain.
DOMAIN_SCOPED = frozenset(
    {
        SourceName.PACC,
        SourceName.AUTOCONFIG,
        SourceName.SRV,
        SourceName.MX,
        SourceName.AUTODISCOVER,
        SourceName.AUTOCONFIG_HTTP,
        SourceName.GUESS,
    }
)
_OFFLINE = frozenset({SourceName.LOCAL, SourceName.ISPDB_BUNDLED})
_NOTHING = frozenset({AttemptStatus.EMPTY, AttemptStatus.NO_DOMAIN})


def diagnose(attempts: Iterable[SourceAttempt], *, found: bool) -> DomainStatus:
    """The domain's status from the attempts; ``found``: a source proposed a server."""
    attempts = list(attempts)
    missing = any(
        a.source is SourceName.MX and a.status is AttemptStatus.NO_DOMAIN for a in attempts
    )
    unresolved = any(
        a.source is SourceName.ISPDB and a.status is AttemptStatus.UNRESOLVED for a in attempts
    )
    if missing:
        return DomainStatus.DNS_DOWN if unresolved else DomainStatus.NOT_FOUND
    # An answer at a name under the domain (MX records, an SRV record, a document) proves it.
    answered = any(a.source in DOMAIN_SCOPED and a.status is AttemptStatus.OK for a in attempts)
    return DomainStatus.FOUND if found or answered else DomainStatus.UNKNOWN


def relabel(attempts: Iterable[SourceAttempt], status: DomainStatus) -> list[SourceAttempt]:
    """The attempts, ``empty`` ones carrying what the diagnosis says was the reason."""
    if status is DomainStatus.NOT_FOUND:
        new, touched = AttemptStatus.NO_DOMAIN, DOMAIN_SCOPED
    elif status is DomainStatus.DNS_DOWN:
        new, touched = AttemptStatus.UNRESOLVED, frozenset(SourceName) - _OFFLINE
    else:
        return list(attempts)
    return [
        a.model_copy(update={"status": new}) if a.source in touched and a.status in _NOTHING else a
        for a in attempts
    ]
