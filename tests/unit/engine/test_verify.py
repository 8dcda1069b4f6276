"""Verification policy: where a password may go, and what counts as a failed probe."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from autoconf import (
    Options,
    Protocol,
    Security,
    ServerSettings,
    SourceName,
    TlsStatus,
    Trust,
    Verification,
    discover,
    parse_address,
)
from autoconf.options import Deadline
from autoconf.verify import password_refusal

from ..fakes import ScriptedSource


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


def test_password_goes_only_to_hosts_a_trusted_source_named():
    """Passwords go to high-trust hosts or to medium-trust hosts inside the email domain."""
    domain = "example.com"
    assert (
        password_refusal(_imap("imap.provider.net", SourceName.AUTOCONFIG, Trust.HIGH), domain)
        is None
    )
    assert password_refusal(_imap("imap.example.com", SourceName.SRV, Trust.MEDIUM), domain) is None
    for server in (
        _imap("imap.attacker.example", SourceName.AUTOCONFIG_HTTP, Trust.LOW),
        _imap("imap.attacker.example", SourceName.SRV, Trust.LOW),
        _imap("imap.hoster.example", SourceName.MX, Trust.MEDIUM),
        _imap("imap.example.com", SourceName.AUTOCONFIG_HTTP, Trust.LOW),
    ):
        reason = password_refusal(server, domain)
        assert reason is not None
        assert "password was not sent" in reason


def test_a_probe_cut_short_by_the_deadline_does_not_count_as_a_failure():
    """A failed probe that ended with the deadline leaves the server unverified, not failed."""
    from autoconf import Options, Session
    from autoconf._data import default_ispdb
    from autoconf.sources.base import SourceContext
    from autoconf.verify import Prober

    clock = iter([0.0, 10.0, 10.0, 10.0])
    deadline = Deadline(1.0, clock=lambda: next(clock))
    ctx = SourceContext(
        address=parse_address("a@example.com"),
        options=Options(),
        deadline=deadline,
        ispdb=default_ispdb(),
        network=lambda: Session().network().for_call(Options()),
    )
    prober = Prober(ctx)
    server = _imap("imap.example.com", SourceName.AUTOCONFIG, Trust.HIGH)
    prober._servers[server.endpoint] = server
    event = prober._record(server.endpoint, Verification(reachable=True, error="no greeting"))
    assert event.server.verification is not None  # still shown as progress
    assert server.endpoint not in prober.verified  # but not held against the server


async def test_best_first_leads_with_a_sources_best_candidate_not_its_first_listed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A document listing SMTP 587 before 465: best first probes 465 first (the best as if
    both worked), 587 waits, and the recommendation is 465, as probing everything gives."""
    from autoconf.probe import driver

    probed: list[int] = []

    async def fake_probe(server: ServerSettings, **kwargs: Any) -> Verification:
        probed.append(server.port)
        await asyncio.sleep(0.01)
        return Verification(reachable=True, tls=TlsStatus.OK)

    monkeypatch.setattr(driver, "probe_server", fake_probe)
    imap = _imap("mail.example.com", SourceName.AUTOCONFIG, Trust.HIGH)
    submission = {"protocol": Protocol.SMTP, "port": 587, "security": Security.STARTTLS}
    smtp = [
        imap.model_copy(update=submission),
        imap.model_copy(update={"protocol": Protocol.SMTP, "port": 465}),
    ]
    answers = {}
    for probe_all in (False, True):
        probed.clear()
        source = ScriptedSource(SourceName.AUTOCONFIG, incoming=[imap], outgoing=smtp)
        result = await discover(
            "jane@example.com",
            options=Options(probe_all=probe_all, deadline=30.0),
            sources=[source],
        )
        answers[probe_all] = (result.outgoing[0].port, list(probed))
    assert answers[False] == (465, [993, 465])
    assert answers[True][0] == 465
