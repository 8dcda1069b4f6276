from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from autoconf import (
    AttemptStatus,
    CandidateFound,
    DiscoveryFinished,
    InvalidAddress,
    Mode,
    Options,
    OptionsError,
    Protocol,
    Security,
    SourceFinished,
    SourceName,
    SourceStarted,
    discover_events,
    discover_sync,
)
from tests.timing import halfway, soon_after

from ..fakes import LOCAL_GMAIL, BrokenSource, FakeSource


def test_offline_gmail_matches_the_contract():
    """someone@gmail.com offline: IMAP 993 TLS and SMTP 465 TLS first, OAuth2 issuer given."""
    result = discover_sync("someone@gmail.com", options=Options(offline=True))
    imap, smtp = result.incoming[0], result.outgoing[0]
    assert (imap.host, imap.port, imap.security) == ("imap.gmail.com", 993, Security.TLS)
    assert (smtp.host, smtp.port, smtp.security) == ("smtp.gmail.com", 465, Security.TLS)
    assert [a.value for a in imap.auth] == ["oauth2", "password-cleartext"]
    assert imap.username == "someone@gmail.com"
    assert result.provider is not None
    assert result.provider.oauth2 is not None
    assert result.provider.oauth2.issuer == "accounts.google.com"
    assert result.found
    assert [a.source for a in result.attempts] == [SourceName.ISPDB_BUNDLED]
    assert result.attempts[0].status is AttemptStatus.OK


def test_imap_before_pop3_and_plain_last_for_a_bundled_provider():
    """A provider listing POP3 first still gets IMAP first; plain never leads."""
    result = discover_sync("someone@t-online.de", options=Options(offline=True))
    protocols = [s.protocol for s in result.incoming]
    assert protocols.index(Protocol.IMAP) < protocols.index(Protocol.POP3)
    for servers in (result.incoming, result.outgoing):
        if any(s.security is not Security.PLAIN for s in servers):
            assert servers[0].security is not Security.PLAIN


def test_unknown_domain_offline_says_what_was_tried():
    """An unknown domain finds nothing and the attempts record the empty look-up."""
    result = discover_sync("a@unknown.example", options=Options(offline=True))
    assert not result.found
    assert result.attempts[0].status is AttemptStatus.EMPTY
    assert "not among the 1302 bundled domains" in (result.attempts[0].detail or "")


def test_local_config_dir_wins_over_bundled(tmp_path: Path):
    """A --config-dir file is used before the bundled ISPDB and marked source local."""
    (tmp_path / "broken.xml").write_bytes(b"<html>oops</html>")
    (tmp_path / "corp.xml").write_bytes(LOCAL_GMAIL)
    (tmp_path / "ignored.txt").write_bytes(b"not xml")
    result = discover_sync("jane@gmail.com", options=Options(offline=True, config_dir=tmp_path))
    assert result.incoming[0].host == "imap.corp.example"
    assert result.incoming[0].sources == [SourceName.LOCAL]
    assert result.incoming[0].username == "jane"
    assert result.provider is not None
    assert result.provider.id == "corp-gmail"
    assert any("broken.xml" in w.message for w in result.warnings)
    assert {a.source for a in result.attempts} == {SourceName.LOCAL, SourceName.ISPDB_BUNDLED}


def test_local_documents_in_memory():
    """Documents given in Options.local_documents act like files in a config dir."""
    result = discover_sync(
        "jane@gmail.com", options=Options(offline=True, local_documents=(LOCAL_GMAIL,))
    )
    assert result.incoming[0].sources == [SourceName.LOCAL]


def test_invalid_address_is_the_only_exception():
    """A malformed address raises InvalidAddress before anything runs."""
    with pytest.raises(InvalidAddress):
        discover_sync("nope", options=Options(offline=True))


def test_bad_options_are_refused_early():
    """Impossible options raise OptionsError at construction."""
    with pytest.raises(OptionsError):
        Options(deadline=0)
    with pytest.raises(OptionsError):
        Options(ca_file=Path("/does/not/exist.pem"))
    with pytest.raises(OptionsError):
        Options(ispdb_url="ftp://x")


def test_a_crashing_source_becomes_an_error_attempt():
    """A source that raises is recorded as an error; the others' answers stand."""
    result = discover_sync(
        "someone@gmail.com",
        sources=[BrokenSource(), FakeSource(SourceName.ISPDB_BUNDLED, 0)],
        options=Options(sources=frozenset({SourceName.SRV, SourceName.ISPDB_BUNDLED})),
    )
    statuses = {a.source: a.status for a in result.attempts}
    assert statuses[SourceName.SRV] is AttemptStatus.ERROR
    assert "boom" in (result.attempts[0].detail or "")
    assert result.found


def test_thorough_mode_returns_at_the_deadline_with_the_silent_source_timed_out():
    """A source that never answers is marked timeout at the deadline; others stand."""
    silent = FakeSource(SourceName.AUTOCONFIG, 3600)
    quick = FakeSource(SourceName.SRV, 0.01, host="imap.quick.example")
    started = time.perf_counter()
    # 2 s, not less: the quick source must answer inside it even on a loaded machine.
    result = discover_sync("a@example.com", sources=[silent, quick], options=Options(deadline=2.0))
    elapsed = time.perf_counter() - started
    assert 1.95 < elapsed < soon_after(2.0)
    statuses = {a.source: a.status for a in result.attempts}
    assert statuses[SourceName.AUTOCONFIG] is AttemptStatus.TIMEOUT
    assert statuses[SourceName.SRV] is AttemptStatus.OK
    assert result.incoming[0].host == "imap.quick.example"
    assert silent.cancelled


def test_fast_mode_stops_once_no_better_source_can_answer():
    """Fast mode returns when the best possible source has answered and cancels the rest."""
    best = FakeSource(SourceName.AUTOCONFIG, 0.05, host="imap.best.example")
    slow = FakeSource(SourceName.AUTODISCOVER, 3600)
    started = time.perf_counter()
    result = discover_sync(
        "a@example.com", sources=[best, slow], options=Options(mode=Mode.FAST, deadline=30)
    )
    assert time.perf_counter() - started < halfway(0.05, 30.0)  # not the deadline
    assert result.incoming[0].host == "imap.best.example"
    statuses = {a.source: a.status for a in result.attempts}
    assert statuses[SourceName.AUTODISCOVER] is AttemptStatus.SKIPPED
    assert slow.cancelled


def test_fast_mode_waits_for_a_better_source_still_running():
    """A lower-priority answer does not end fast mode while a better source may answer."""
    better = FakeSource(SourceName.AUTOCONFIG, 0.2, host="imap.better.example")
    worse = FakeSource(SourceName.AUTODISCOVER, 0.01, host="imap.worse.example")
    result = discover_sync(
        "a@example.com", sources=[better, worse], options=Options(mode=Mode.FAST)
    )
    assert result.incoming[0].host == "imap.better.example"


def test_fast_mode_takes_a_bundled_hit_at_once():
    """In fast mode a bundled-ISPDB hit returns at once; network sources never start."""
    slow = FakeSource(SourceName.AUTOCONFIG, 3600)
    started = time.perf_counter()
    from autoconf.sources.ispdb_bundled import BundledIspdbSource

    result = discover_sync(
        "someone@gmail.com",
        sources=[slow, BundledIspdbSource()],
        options=Options(mode=Mode.FAST, deadline=30),
    )
    assert time.perf_counter() - started < halfway(0.0, 30.0)  # not the deadline
    assert result.incoming[0].host == "imap.gmail.com"
    assert not slow.started
    statuses = {a.source: a.status for a in result.attempts}
    assert statuses[SourceName.AUTOCONFIG] is AttemptStatus.SKIPPED


async def test_events_arrive_in_order_and_end_with_the_result():
    """discover_events yields starts, finishes and candidates, then the final result."""
    events = [e async for e in discover_events("someone@gmail.com", options=Options(offline=True))]
    assert isinstance(events[0], SourceStarted)
    assert any(isinstance(e, SourceFinished) and e.status is AttemptStatus.OK for e in events)
    assert sum(isinstance(e, CandidateFound) for e in events) == 3
    assert isinstance(events[-1], DiscoveryFinished)
    assert events[-1].result.found


async def test_abandoning_the_event_stream_cancels_sources():
    """Closing discover_events early cancels every running source."""
    slow = FakeSource(SourceName.AUTOCONFIG, 3600)
    stream = discover_events("a@example.com", sources=[slow])
    assert isinstance(await anext(stream), SourceStarted)
    await asyncio.sleep(0.01)
    await stream.aclose()
    await asyncio.sleep(0.01)
    assert slow.cancelled


async def test_discover_sync_works_inside_a_running_loop():
    """discover_sync called from async code runs on a private loop instead of failing."""
    result = discover_sync("someone@gmail.com", options=Options(offline=True))
    assert result.found
