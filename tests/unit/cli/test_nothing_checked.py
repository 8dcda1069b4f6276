"""The human view says plainly when no live check worked (issue 12.3)."""

from __future__ import annotations

import io

from autoconf.cli.render.human import render_result
from autoconf.cli.render.terminal import Terminal
from autoconf.models import (
    DiscoveryResult,
    FailureKind,
    Protocol,
    Security,
    ServerSettings,
    SourceName,
    TlsStatus,
    Trust,
    Verification,
)

PIPE = Terminal(tty=False, colour=False, width=100, unicode=False)
DEAD = Verification(reachable=False, error="cannot connect: timed out", failure=FailureKind.TIMEOUT)


def _result(
    incoming_check: Verification | None, outgoing_check: Verification | None = DEAD
) -> DiscoveryResult:
    def server(protocol: Protocol, port: int, v: Verification | None) -> ServerSettings:
        return ServerSettings(
            protocol=protocol,
            host="mail.example.com",
            port=port,
            security=Security.TLS,
            sources=[SourceName.AUTOCONFIG],
            trust=Trust.HIGH,
            verification=v,
        )

    return DiscoveryResult(
        address="a@example.com",
        domain="example.com",
        incoming=[server(Protocol.IMAP, 993, incoming_check)],
        outgoing=[server(Protocol.SMTP, 465, outgoing_check)],
    )


def _view(result: DiscoveryResult) -> str:
    out = io.StringIO()
    render_result(result, out, PIPE)
    return out.getvalue()


def test_every_check_failed_is_said_in_one_sentence():
    """All probes unreachable: the view says nothing could be checked."""
    assert "Nothing could be checked" in _view(_result(DEAD))


def test_one_working_check_or_no_check_at_all_says_nothing_of_the_kind():
    """One server answered, or nothing was probed (--no-verify): no such sentence."""
    assert "Nothing could be checked" not in _view(
        _result(Verification(reachable=True, tls=TlsStatus.OK))
    )
    assert "Nothing could be checked" not in _view(_result(None, None))
