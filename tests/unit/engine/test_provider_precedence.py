"""The engine with the merged provider index: no guessing for a no-IMAP provider, and a
secondary database's answer does not stop the network sources in fast mode (issue 13)."""

from __future__ import annotations

from dataclasses import replace

from autoconf import Mode, Options, discover
from autoconf.engine.runner import NO_IMAP
from autoconf.models import AttemptStatus, Protocol, ProviderDatabase, ProviderInfo, SourceName
from autoconf.sources.base import SourceContext, SourceOutcome
from autoconf.sources.ispdb_bundled import BundledIspdbSource

from ..fakes import ScriptedSource, server


async def test_no_imap_provider_ends_guessing():
    """protonmail.com's bundled record says no IMAP: guessing is skipped, no servers listed."""
    guess = ScriptedSource(
        SourceName.GUESS,
        incoming=[server(host="imap.protonmail.com", sources=[SourceName.GUESS])],
        outgoing=[server(Protocol.SMTP, "smtp.protonmail.com", 465, sources=[SourceName.GUESS])],
        delay=0.3,
    )
    result = await discover(
        "someone@protonmail.com",
        sources=[BundledIspdbSource(), guess],
        options=Options(mode=Mode.THOROUGH, verify=False),
    )
    assert result.incoming == []
    assert result.outgoing == []
    assert result.provider is not None
    assert result.provider.no_imap is True
    (attempt,) = [a for a in result.attempts if a.source is SourceName.GUESS]
    assert attempt.status is AttemptStatus.SKIPPED
    assert attempt.detail == NO_IMAP


async def test_secondary_database_does_not_settle_fast_mode():
    """A K-9-only domain's bundled answer leaves autoconfig to run in fast mode, and
    autoconfig's servers rank first."""
    autoconfig = ScriptedSource(
        SourceName.AUTOCONFIG,
        incoming=[server(host="imap.own.example")],
        outgoing=[server(Protocol.SMTP, "smtp.own.example", 465)],
    )
    result = await discover(
        "someone@montclair.edu",
        sources=[BundledIspdbSource(), autoconfig],
        options=Options(mode=Mode.FAST, verify=False),
    )
    assert autoconfig.seen == ["someone@montclair.edu"]
    assert result.incoming[0].host == "imap.own.example"
    assert any(s.database is not None for s in result.incoming[1:])


async def test_ispdb_answer_still_settles_fast_mode():
    """An ISPDB domain (gmail.com) is still taken at once in fast mode: autoconfig is skipped."""
    autoconfig = ScriptedSource(SourceName.AUTOCONFIG, incoming=[server()], delay=0.2)
    await discover(
        "someone@gmail.com",
        sources=[BundledIspdbSource(), autoconfig],
        options=Options(mode=Mode.FAST, verify=False),
    )
    assert autoconfig.seen == []


class _OwnDocument(ScriptedSource):
    """Autoconfig answering with servers and a provider of its own (no hints)."""

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        outcome = await super().run(ctx)
        return replace(outcome, provider=ProviderInfo(id="own", display_name="Own document"))


async def test_network_provider_gets_the_bundled_hints():
    """When autoconfig's provider wins (gmx.net), Delta Chat's hints from the bundled index
    are still in the result's provider, and "no IMAP" is not copied onto found servers."""
    own = _OwnDocument(
        SourceName.AUTOCONFIG,
        incoming=[server(host="imap.gmx.net")],
        outgoing=[server(Protocol.SMTP, "mail.gmx.net", 465)],
    )
    result = await discover(
        "someone@gmx.net",
        sources=[BundledIspdbSource(), own],
        options=Options(mode=Mode.THOROUGH, verify=False),
    )
    assert result.provider is not None
    assert result.provider.id == "own"
    assert result.provider.hints_database is ProviderDatabase.DELTACHAT
    assert "allow IMAP access" in (result.provider.before_login_hint or "")
    assert result.provider.no_imap is None
