"""The answer is on screen: the Recommended block is on the last screen at 80×24 and 120×40,
--brief prints only it, --trace keeps URLs whole on a narrow screen and when piped."""

from __future__ import annotations

import io
import os

import pytest

from autoconf.cli import main
from autoconf.cli.render.human import render_result
from autoconf.cli.render.terminal import Terminal
from autoconf.models import AttemptStatus, DiscoveryResult, SourceAttempt, SourceName
from autoconf.recommend import recommend

from ..fakes import server
from .test_pty import PtyRun, _after_last_erase

LONG_URL = "https://autoconfig.example.com/mail/config-v1.1.xml?emailaddress=" + "j" * 90


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
@pytest.mark.parametrize(("columns", "rows"), [(80, 24), (120, 40)])
def test_the_recommended_block_is_on_the_last_screen(columns: int, rows: int):
    """At 80×24 and 120×40 the last screenful holds the whole Recommended block: both
    servers, the user name and the sign-in."""
    run = PtyRun(["-m", "autoconf", "someone@gmail.com", "--offline"], columns=columns, rows=rows)
    assert run.finish() == 0
    text = _after_last_erase(run.output).decode("utf-8", "replace")
    lines = text.replace("\r\n", "\n").rstrip("\n").split("\n")
    screen = "\n".join(lines[-(rows - 1) :])  # the shell's prompt takes the last row
    for needed in ("Recommended", "Incoming:", "Outgoing:", "User name:", "Sign-in:"):
        assert needed in screen, (needed, screen)


def test_brief_prints_only_the_recommended_block():
    """--brief: the title and the Recommended block, no server tables, notes or summary."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["someone@gmail.com", "--offline", "--brief"], stdout=out, stderr=err)
    assert code == 0
    text = out.getvalue()
    assert text.startswith("Google Mail")
    assert "Recommended" in text
    assert "Incoming:  IMAP imap.gmail.com port 993" in text
    assert "best first" not in text
    assert "Looked in" not in text
    assert len(text.splitlines()) <= 10


def test_brief_does_not_go_with_json():
    """--brief with --json is a usage error, one sentence."""
    err = io.StringIO()
    code = main(["someone@gmail.com", "--brief", "--json"], stdout=io.StringIO(), stderr=err)
    assert code == 2
    assert "--brief" in err.getvalue()


def _traced() -> DiscoveryResult:
    result = DiscoveryResult(
        address="jane@example.com",
        domain="example.com",
        incoming=[server()],
        outgoing=[server(host="smtp.example.com", port=465, protocol="smtp")],
        attempts=[
            SourceAttempt(
                source=SourceName.AUTOCONFIG,
                target=LONG_URL,
                status=AttemptStatus.ERROR,
                detail="HTTP 500 from the server",
            )
        ],
    )
    return result.model_copy(update={"recommendation": recommend(result)})


@pytest.mark.parametrize(
    "term",
    [
        Terminal(tty=True, colour=False, width=60, unicode=True),
        Terminal(tty=False, colour=False, width=80, unicode=True),
    ],
    ids=["narrow-terminal", "piped"],
)
def test_trace_never_splits_a_url(term: Terminal):
    """--trace on a 60-column terminal and piped: each target URL is whole on one line."""
    out = io.StringIO()
    render_result(_traced(), out, term, trace=True)
    lines = out.getvalue().splitlines()
    assert any(LONG_URL in line for line in lines)
    assert "HTTP 500 from the server" in out.getvalue()


def test_piped_output_never_splits_a_long_url():
    """Piped, a 300-character documentation URL and a hint holding one stay whole lines."""
    from autoconf.models import Documentation, ProviderInfo

    url = "https://docs.example.com/" + "x" * 300
    result = _traced().model_copy(
        update={
            "provider": ProviderInfo(
                display_name="Example",
                documentation=[Documentation(url=url)],
                before_login_hint=f"Read {url} first.",
            )
        }
    )
    out = io.StringIO()
    render_result(result, out, Terminal(tty=False, colour=False, width=80, unicode=True))
    lines = out.getvalue().splitlines()
    assert sum(url in line for line in lines) == 2
