"""The result view on real (pseudo-)terminals of 60, 80 and 120 columns: every field of every
server is there in full, in a table where it fits and one block per server where not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .test_pty import PtyRun

pytestmark = pytest.mark.skipif(
    not hasattr(__import__("os"), "openpty"), reason="needs a pseudo-terminal"
)

SCRIPT = """
import sys
from autoconf.cli import main
from autoconf.models import (
    AttemptStatus, AuthMethod, FailureKind, LoginStatus, Protocol, Security, ServerSettings,
    SourceAttempt, SourceName, TlsStatus, Trust, Verification,
)
from autoconf.sources.base import SourceOutcome

OK = Verification(reachable=True, tls=TlsStatus.OK, elapsed_ms=12.0)
DOWN = Verification(reachable=False, error="connection refused", failure=FailureKind.REFUSED)


class Fixed:
    name = SourceName.AUTOCONFIG

    async def run(self, ctx):
        common = dict(username="jane@example.com", sources=[SourceName.AUTOCONFIG],
                      trust=Trust.HIGH, auth=[AuthMethod.PASSWORD_CLEARTEXT])
        incoming = [
            ServerSettings(protocol=Protocol.IMAP, host="imap.example.com", port=993,
                           security=Security.TLS, verification=OK, **common),
            ServerSettings(protocol=Protocol.POP3, host="pop.example.com", port=995,
                           security=Security.TLS, verification=DOWN, **common),
        ]
        outgoing = [
            ServerSettings(protocol=Protocol.SMTP, host="smtp.example.com", port=587,
                           security=Security.STARTTLS, verification=OK, **common),
        ]
        attempt = SourceAttempt(source=self.name, target="t", status=AttemptStatus.OK)
        return SourceOutcome(source=self.name, attempts=[attempt], incoming=incoming,
                             outgoing=outgoing)


sys.exit(main(sys.argv[1:], sources=[Fixed()]))
"""

# Every field of every server, as the view must show it (whole, never cut).
SERVERS = [
    ("IMAP", "imap.example.com", "993", "SSL/TLS", "works, encrypted (12 ms)"),
    ("POP3", "pop.example.com", "995", "SSL/TLS", "unreachable: connection refused"),
    ("SMTP", "smtp.example.com", "587", "STARTTLS", "works, encrypted (12 ms)"),
]
COMMON = ("jane@example.com", "password", "high", "autoconfig")
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def _screen(columns: int, tmp_path: Path) -> str:
    script = tmp_path / "fixed_cli.py"
    script.write_text(SCRIPT)
    run = PtyRun([str(script), "jane@example.com", "--no-verify", "-q"], columns=columns)
    code = run.finish()
    assert code == 0
    text = ESCAPES.sub("", run.output.decode("utf-8")).replace("\r", "")
    assert all(len(line) <= columns for line in text.splitlines()), text
    return text


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_every_field_of_every_server_is_shown_whole(columns: int, tmp_path: Path):
    """At 60, 80 and 120 columns each server's protocol, host, port, security, user name,
    sign-in, trust, source and check result appear in full on one line with their server."""
    text = _screen(columns, tmp_path)
    assert "…" not in text  # nothing was cut short
    lines = text.splitlines()
    for protocol, host, port, security, checked in SERVERS:
        if any(host in line and f" {port} " in f"{line} " for line in lines):
            # The table: one row holds every field of the server.
            row = next(line for line in lines if host in line)
            fields = (protocol, port, security, *COMMON, checked)
            assert all(field in row for field in fields), (row, text)
            continue
        # One block per server: the heading names it, each field has its own line.
        heading = re.compile(rf"^ +\d+\. {protocol} {re.escape(host)}$")
        start = next(i for i, line in enumerate(lines) if heading.match(line))
        block = lines[start + 1 : start + 8]
        values = {line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip() for line in block}
        assert values["Port"] == port, text
        assert values["Security"] == security
        assert values["User name"] == COMMON[0]
        assert values["Sign-in"] == COMMON[1]
        assert values["Trust"] == COMMON[2]
        assert values["Found by"] == COMMON[3]
        assert values["Checked"].endswith(checked)


def test_a_wide_terminal_shows_a_table_and_a_narrow_one_blocks(tmp_path: Path):
    """160 columns: the table with its headers; 80 columns: blocks, no cut-down table."""
    wide = _screen(160, tmp_path)
    assert re.search(r"Protocol +Server +Port +Security +User name +Sign-in +Trust", wide)
    narrow = _screen(80, tmp_path)
    assert "1. IMAP imap.example.com" in narrow
    assert "   Checked:" in narrow
    assert "Protocol  Server" not in narrow


def test_an_ascii_terminal_shows_the_answer_for_an_idn_address(tmp_path: Path):
    """PYTHONIOENCODING=ascii on a terminal with an IDN address: the answer is shown (escapes
    for what ASCII cannot show, the ASCII form of the domain), exit 0, no internal error."""
    script = tmp_path / "fixed_cli.py"
    script.write_text(SCRIPT)
    run = PtyRun(
        [str(script), "jörg@bücher.example", "--no-verify"], env={"PYTHONIOENCODING": "ascii"}
    )
    code = run.finish()
    text = ESCAPES.sub("", run.output.decode("ascii"))
    assert code == 0, text
    assert "internal error" not in text
    assert "xn--bcher-kva.example: j\\xf6rg@xn--bcher-kva.example" in text
    assert "imap.example.com" in text
