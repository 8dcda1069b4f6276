"""Who may get the password, whatever mix of weak hints names a host (issue 19.3), and IMAP
before POP3 for servers the MX source finds (issue 19.9). Pure: merge() and password_refusal().
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autoconf import Options, parse_address
from autoconf._data import default_ispdb
from autoconf.engine.rank import merge, vouches
from autoconf.models import (
    AttemptStatus,
    Protocol,
    ProviderDatabase,
    ServerSettings,
    SourceAttempt,
    SourceName,
    Trust,
)
from autoconf.net.dns import MxRecord
from autoconf.options import Deadline
from autoconf.sources import mx as mx_module
from autoconf.sources.base import SourceContext, SourceOutcome
from autoconf.sources.mx import MxSource
from autoconf.verify import password_refusal

from ..fakes import FakeDns, server

DOMAIN = "victim.example"
EVIL_HOST = "mail.evil.example"


def _proposal(
    source: SourceName, trust: Trust, *, host: str = EVIL_HOST, redirected: bool = False
) -> ServerSettings:
    return server(host=host, sources=[source], trust=trust, redirected=redirected)


def _outcomes(proposals: list[ServerSettings]) -> list[SourceOutcome]:
    return [SourceOutcome(source=p.sources[0], attempts=[], incoming=[p]) for p in proposals]


# Every way a source names a host outside the email domain without vouching for it, at the
# trust that source gives it: unauthenticated DNS, plain HTTP, probing, redirects elsewhere.
HINTS = [
    _proposal(SourceName.MX, Trust.MEDIUM),  # MX → the MX domain's provider document
    _proposal(SourceName.MX, Trust.LOW),  # MX → a secondary database's pattern
    _proposal(SourceName.SRV, Trust.LOW),  # an SRV target outside the domain
    _proposal(SourceName.AUTOCONFIG_HTTP, Trust.LOW),  # plain HTTP
    _proposal(SourceName.GUESS, Trust.LOW),  # something answered there
    _proposal(SourceName.AUTODISCOVER, Trust.LOW, redirected=True),  # redirectUrl/Addr away
    _proposal(SourceName.AUTOCONFIG, Trust.MEDIUM, redirected=True),  # HTTP redirect away
    _proposal(SourceName.ISPDB, Trust.MEDIUM, redirected=True),  # HTTP redirect away
    _proposal(SourceName.ISPDB_BUNDLED, Trust.LOW),  # a frozen secondary database
]


def test_mx_and_an_autodiscover_redirect_agreeing_do_not_get_the_password():
    """MX → mx.evil-D and Autodiscover's redirect → evil-D both name mail.evil-D: it stays
    medium trust, and the password is not sent to it (the issue's case)."""
    mx = _proposal(SourceName.MX, Trust.MEDIUM)
    autodiscover = _proposal(SourceName.AUTODISCOVER, Trust.LOW, redirected=True)
    merged = merge(_outcomes([mx, autodiscover])).incoming[0]
    assert merged.sources == [SourceName.MX, SourceName.AUTODISCOVER]
    assert merged.trust is Trust.MEDIUM
    assert password_refusal(merged, DOMAIN) is not None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(HINTS), min_size=1, max_size=6))
def test_no_combination_of_hints_makes_a_host_eligible(hints: list[ServerSettings]):
    """Any mix of weak hints for a host outside the domain: never high trust, no password."""
    merged = merge(_outcomes(hints)).incoming
    assert len(merged) == 1
    assert merged[0].trust is not Trust.HIGH
    assert password_refusal(merged[0], DOMAIN) is not None


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(HINTS), max_size=4))
def test_hints_never_lower_what_a_vouching_source_says(hints: list[ServerSettings]):
    """The provider's own HTTPS autoconfig keeps a host eligible, whatever hints join it."""
    own = _proposal(SourceName.AUTOCONFIG, Trust.HIGH)
    merged = merge(_outcomes([own, *hints])).incoming[0]
    assert merged.trust is Trust.HIGH
    assert password_refusal(merged, DOMAIN) is None


def test_only_direct_authenticated_sources_vouch():
    """vouches(): HTTPS to the domain and databases do; DNS, HTTP, guesses and redirects not."""
    assert vouches(_proposal(SourceName.AUTODISCOVER, Trust.MEDIUM))
    assert vouches(_proposal(SourceName.ISPDB_BUNDLED, Trust.MEDIUM))
    assert not any(vouches(hint) for hint in HINTS)


def test_a_redirected_proposal_stays_marked_only_when_every_source_was_redirected():
    """`redirected` on a merged server: every proposal came through a redirect elsewhere."""
    both = merge(_outcomes([HINTS[6], HINTS[5]])).incoming[0]
    assert both.redirected
    mixed = merge(_outcomes([HINTS[0], HINTS[5]])).incoming[0]
    assert not mixed.redirected


# Issue 19.9: IMAP before POP3 for the MX source -----------------------------------------------


def test_a_secondary_database_proposing_first_does_not_demote_the_ispdb_server():
    """The same IMAP server from mailcore2 (low) and then ISPDB (medium), both via MX: it keeps
    ISPDB's standing, so IMAP ranks before ISPDB's POP3 server."""
    imap_mc2 = _proposal(SourceName.MX, Trust.LOW, host="imap.gmail.com")
    imap_mc2 = imap_mc2.model_copy(update={"database": ProviderDatabase.MAILCORE2})
    imap = imap_mc2.model_copy(update={"trust": Trust.MEDIUM, "database": ProviderDatabase.ISPDB})
    pop = imap.model_copy(update={"protocol": Protocol.POP3, "host": "pop.gmail.com", "port": 995})
    outcome = SourceOutcome(source=SourceName.MX, attempts=[], incoming=[imap_mc2, imap, pop])
    ranked = merge([outcome]).incoming
    assert [(s.host, s.port) for s in ranked] == [("imap.gmail.com", 993), ("pop.gmail.com", 995)]
    assert ranked[0].database is ProviderDatabase.ISPDB


class _MxDns(FakeDns):
    async def mx(self, domain, deadline, *, limit=None):
        return [MxRecord(1, "aspmx.l.google.com")]


async def _nothing_fetched(ctx, source, url, trust, **_):
    return SourceAttempt(source=source, target=url, status=AttemptStatus.EMPTY), None


@pytest.mark.parametrize("verify", [False, True])
async def test_google_workspace_by_mx_ranks_imap_first(monkeypatch, verify: bool):
    """Only MX to aspmx.l.google.com (bundled data, nothing fetched): imap.gmail.com:993 is
    first and smtp.gmail.com first outgoing, with or without verification's ranking."""
    monkeypatch.setattr(mx_module, "clientconfig_from", _nothing_fetched)
    ctx = SourceContext(
        address=parse_address("jane@workspace.example"),
        options=Options(),
        deadline=Deadline(10.0),
        ispdb=default_ispdb(),
        network=lambda: SimpleNamespace(dns=_MxDns()),  # type: ignore[arg-type,return-value]
    )
    ranked = merge([await MxSource().run(ctx)], use_verification=verify)
    assert (ranked.incoming[0].host, ranked.incoming[0].port) == ("imap.gmail.com", 993)
    assert ranked.outgoing[0].host == "smtp.gmail.com"


# Issue 19.3: a POX redirect to another registrable domain lowers trust ----------------------

_POX = (
    '<?xml version="1.0"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/'
    'autodiscover/responseschema/2006"><Response xmlns="http://schemas.microsoft.com/exchange/'
    'autodiscover/outlook/responseschema/2006a"><Account>{}</Account></Response></Autodiscover>'
)
_SETTINGS = _POX.format(
    "<AccountType>email</AccountType><Action>settings</Action><Protocol><Type>IMAP</Type>"
    "<Server>imap.{}</Server><Port>993</Port><SSL>on</SSL></Protocol>"
)


async def _autodiscovered(first_answer: str, final_domain: str) -> list[ServerSettings]:
    """The Autodiscover source's incoming servers for jane@victim.example, whose
    autodiscover. host answers ``first_answer`` and whose redirect target answers settings."""
    from autoconf.net.http import FetchResult
    from autoconf.sources.autodiscover import AutodiscoverSource

    from ..check.test_mechanisms import FakeNetwork, ScriptedDns, ScriptedHttp

    path = "/autodiscover/autodiscover.xml"
    answers = {
        f"https://autodiscover.{DOMAIN}{path}": first_answer,
        f"https://autodiscover.{final_domain}{path}": _SETTINGS.format(final_domain),
    }
    http = ScriptedHttp(
        {
            url: FetchResult(url=url, status=200, body=body.encode(), content_type="text/xml")
            for url, body in answers.items()
        }
    )
    net = FakeNetwork(http=http, dns=ScriptedDns())
    ctx = SourceContext(
        address=parse_address(f"jane@{DOMAIN}"),
        options=Options(),
        deadline=Deadline(5.0),
        ispdb=default_ispdb(),
        network=lambda: net,  # type: ignore[arg-type,return-value]
    )
    return (await AutodiscoverSource().run(ctx)).incoming


@pytest.mark.parametrize(
    "redirect",
    [
        "<Action>redirectAddr</Action><RedirectAddr>jane@evil.example</RedirectAddr>",
        "<Action>redirectUrl</Action><RedirectUrl>"
        "https://autodiscover.evil.example/autodiscover/autodiscover.xml</RedirectUrl>",
    ],
)
async def test_a_pox_redirect_to_another_domain_lowers_trust(redirect: str):
    """redirectAddr or redirectUrl to evil.example: its servers are low trust and redirected."""
    [found] = await _autodiscovered(_POX.format(redirect), "evil.example")
    assert (found.host, found.trust, found.redirected) == ("imap.evil.example", Trust.LOW, True)


async def test_a_pox_redirect_within_the_domain_keeps_trust():
    """redirectUrl to another host of the same registrable domain: medium, not redirected."""
    redirect = (
        "<Action>redirectUrl</Action><RedirectUrl>"
        f"https://autodiscover.mail.{DOMAIN}/autodiscover/autodiscover.xml</RedirectUrl>"
    )
    [found] = await _autodiscovered(_POX.format(redirect), f"mail.{DOMAIN}")
    assert (found.trust, found.redirected) == (Trust.MEDIUM, False)
