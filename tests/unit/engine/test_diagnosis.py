"""The domain's status read from the attempts, and the attempts relabelled (issue 12.11)."""

from __future__ import annotations

from autoconf.engine.diagnosis import diagnose, relabel
from autoconf.models import AttemptStatus, DomainStatus, SourceAttempt, SourceName


def _a(source: SourceName, status: AttemptStatus) -> SourceAttempt:
    return SourceAttempt(source=source, target=source.value, status=status)


NXDOMAIN_EVERYWHERE = [
    _a(SourceName.ISPDB_BUNDLED, AttemptStatus.EMPTY),
    _a(SourceName.AUTOCONFIG, AttemptStatus.EMPTY),
    _a(SourceName.SRV, AttemptStatus.EMPTY),
    _a(SourceName.MX, AttemptStatus.NO_DOMAIN),
]


def test_nxdomain_for_the_domain_is_not_found_and_relabels_its_attempts():
    """MX no-domain, the ISPDB answered: not-found; empty attempts under the domain say so."""
    attempts = [*NXDOMAIN_EVERYWHERE, _a(SourceName.ISPDB, AttemptStatus.EMPTY)]
    status = diagnose(attempts, found=False)
    assert status is DomainStatus.NOT_FOUND
    by_source = {a.source: a.status for a in relabel(attempts, status)}
    assert by_source[SourceName.AUTOCONFIG] is AttemptStatus.NO_DOMAIN
    assert by_source[SourceName.SRV] is AttemptStatus.NO_DOMAIN
    assert by_source[SourceName.ISPDB] is AttemptStatus.EMPTY  # a 404 about the domain, truly
    assert by_source[SourceName.ISPDB_BUNDLED] is AttemptStatus.EMPTY


def test_even_the_ispdb_host_unresolved_is_dns_down():
    """No domain and no ISPDB host: dns-down; every network attempt is unresolved."""
    attempts = [*NXDOMAIN_EVERYWHERE, _a(SourceName.ISPDB, AttemptStatus.UNRESOLVED)]
    status = diagnose(attempts, found=False)
    assert status is DomainStatus.DNS_DOWN
    by_source = {a.source: a.status for a in relabel(attempts, status)}
    assert by_source[SourceName.MX] is AttemptStatus.UNRESOLVED
    assert by_source[SourceName.AUTOCONFIG] is AttemptStatus.UNRESOLVED
    assert by_source[SourceName.ISPDB_BUNDLED] is AttemptStatus.EMPTY


def test_an_answer_under_the_domain_or_a_server_means_found_else_unknown():
    """An OK attempt at a name under the domain, or a server, is found; nothing known is unknown."""
    assert diagnose([_a(SourceName.SRV, AttemptStatus.OK)], found=False) is DomainStatus.FOUND
    assert diagnose([], found=True) is DomainStatus.FOUND
    assert diagnose([_a(SourceName.MX, AttemptStatus.EMPTY)], found=False) is DomainStatus.UNKNOWN
    unchanged = [_a(SourceName.MX, AttemptStatus.EMPTY)]
    assert relabel(unchanged, DomainStatus.UNKNOWN) == unchanged


def test_no_answer_for_the_domain_and_the_ispdb_host_unresolved_is_dns_down():
    """A resolver that never answers: the MX look-up timed out (or failed) and the ISPDB's
    host does not resolve either: dns-down, as with NXDOMAIN everywhere."""
    for failed in (AttemptStatus.TIMEOUT, AttemptStatus.ERROR):
        attempts = [_a(SourceName.MX, failed), _a(SourceName.ISPDB, AttemptStatus.UNRESOLVED)]
        assert diagnose(attempts, found=False) is DomainStatus.DNS_DOWN


def test_an_answered_mx_look_up_is_never_dns_down():
    """MX answered (ok) and only a provider document fetched under the mx source failed: the
    DNS works, whatever the ISPDB host did; a timeout alone says nothing either."""
    answered = [
        _a(SourceName.MX, AttemptStatus.OK),
        _a(SourceName.MX, AttemptStatus.ERROR),
        _a(SourceName.ISPDB, AttemptStatus.UNRESOLVED),
    ]
    assert diagnose(answered, found=False) is not DomainStatus.DNS_DOWN
    alone = [_a(SourceName.MX, AttemptStatus.TIMEOUT), _a(SourceName.ISPDB, AttemptStatus.EMPTY)]
    assert diagnose(alone, found=False) is DomainStatus.UNKNOWN
