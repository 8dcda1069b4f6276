"""Text from the network cannot act on the terminal: controls and bidi controls are shown, not
obeyed, in the human view, the trace and the live progress; --json carries them unchanged."""

from __future__ import annotations

import io
import json
import re

import pytest

from autoconf import (
    AttemptStatus,
    AuthMethod,
    Certificate,
    DiscoveryResult,
    DiscoveryWarning,
    Documentation,
    EnableInstructions,
    LocalizedText,
    LoginStatus,
    OAuth2Info,
    ProbeFinished,
    Protocol,
    ProviderInfo,
    Security,
    ServerSettings,
    SourceAttempt,
    SourceFinished,
    SourceName,
    TlsStatus,
    Trust,
    Verification,
    WarningCode,
)
from autoconf.cli.render.human import render_result
from autoconf.cli.render.progress import DiscoveryProgress
from autoconf.cli.render.terminal import Terminal, safe_text

# C1 CSI (U+009B), ESC, BEL, a carriage return, DEL, right-to-left override, isolate, ALM.
EVIL = "\x9b31m\x1b]0;pwned\x07\r\x7f\u202etxt.exe\u2066\u061c"
BAD = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
SGR = re.compile("\x1b\\[[0-9;]*m")  # rich's own colour codes on a terminal

PIPE = Terminal(tty=False, colour=False, width=80, unicode=True)
TTY = Terminal(tty=True, colour=True, width=200, unicode=True)


def test_safe_text_shows_every_control_and_bidi_control_visibly():
    """C0, DEL, C1, bidi controls and lone surrogates become \\xNN / U+NNNN; the rest stays."""
    assert safe_text("a\x9bb") == "a\\x9bb"
    assert safe_text("\x1b[2J\x00\x7f") == "\\x1b[2J\\x00\\x7f"
    assert safe_text("abc\u202eexe") == "abcU+202Eexe"
    for code in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)):
        assert safe_text(chr(code)) == f"U+{code:04X}"
    assert safe_text("\udcff") == "U+DCFF"
    assert safe_text("Müller Mail ✓ 邮件 — ok") == "Müller Mail ✓ 邮件 — ok"
    assert safe_text(safe_text(EVIL)) == safe_text(EVIL)
    assert not BAD.search(safe_text(EVIL + "".join(map(chr, range(0xA0)))))


def _server(protocol: Protocol, *, ok: bool) -> ServerSettings:
    verification = Verification(
        reachable=True,
        tls=TlsStatus.OK if ok else TlsStatus.FAILED,
        login=LoginStatus.FAILED if ok else LoginStatus.NOT_TRIED,
        error=None if ok else f"error {EVIL}",
        login_detail=f"login {EVIL}",
        greeting=f"greeting {EVIL}",
        certificate=None if ok else Certificate(valid=False, error=f"cert {EVIL}"),
        elapsed_ms=12.0,
    )
    return ServerSettings(
        protocol=protocol,
        host=f"{protocol.value}.example.com{EVIL}",
        port=993,
        security=Security.TLS,
        username=f"jane{EVIL}",
        auth=[AuthMethod.PASSWORD_CLEARTEXT],
        sources=[SourceName.AUTOCONFIG],
        trust=Trust.HIGH,
        verification=verification,
    )


def _hostile(*, found: bool = True) -> DiscoveryResult:
    text = [LocalizedText(text=f"text {EVIL}", lang="en")]
    return DiscoveryResult(
        address="jane@example.com",
        domain="example.com",
        provider=ProviderInfo(
            id=f"id {EVIL}",
            display_name=f"Evil Mail {EVIL}",
            documentation=[Documentation(url=f"https://example.com/{EVIL}", descriptions=text)],
            enable=EnableInstructions(instructions=text, visit_url=f"https://x/{EVIL}"),
            oauth2=OAuth2Info(
                issuer=f"issuer {EVIL}",
                scopes=[f"scope {EVIL}"],
                auth_url=f"https://a/{EVIL}",
                token_url=f"https://t/{EVIL}",
            ),
        ),
        incoming=[_server(Protocol.IMAP, ok=True), _server(Protocol.IMAP, ok=False)],
        outgoing=[_server(Protocol.SMTP, ok=True)] if found else [],
        warnings=[
            DiscoveryWarning(
                code=WarningCode.BAD_DOCUMENT, message=f"warning {EVIL}", host=f"h{EVIL}"
            )
        ],
        attempts=[
            SourceAttempt(
                source=SourceName.AUTOCONFIG,
                target=f"https://autoconfig.example.com/{EVIL}",
                status=AttemptStatus.ERROR,
                elapsed_ms=3.0,
                detail=f"detail {EVIL}",
            )
        ],
        elapsed_ms=20.0,
    )


@pytest.mark.parametrize("term", [PIPE, TTY], ids=["piped", "terminal"])
@pytest.mark.parametrize("found", [True, False], ids=["found", "partial"])
def test_the_human_view_neutralises_every_field_from_the_network(term: Terminal, found: bool):
    """Names, docs, OAuth, hosts, users, errors, warnings and the trace: no raw control left."""
    out = io.StringIO()
    render_result(_hostile(found=found), out, term, trace=True, notes=[f"note {EVIL}"])
    text = SGR.sub("", out.getvalue())
    assert not BAD.search(text.replace("\n", ""))
    for shown in ("\\x9b31m", "U+202Etxt.exe", "\\x1b]0;pwned\\x07", "U+2066", "U+061C"):
        assert shown in text
    fields = ["Evil Mail", "imap.example.com", "jane", "warning", "[h", "detail", "note"]
    fields += ["https://autoconfig.example.com/"]
    if not term.tty:  # on a terminal the narrow "Checked" column cuts these short
        fields += ["sign-in refused: login" if found else "cert"]
    if found:
        fields += ["text ", "issuer ", "scope ", "https://a/", "https://t/", "https://x/"]
        fields += ["https://example.com/"]
    flat = re.sub(r"\s+", " ", text)
    for field in fields:
        assert re.search(re.escape(field) + r" ?\\x9b31m", flat), field


def test_live_progress_neutralises_hosts_and_errors():
    """A probe row built from a hostile host and error text is drawn with controls visible."""
    stream = io.StringIO()
    progress = DiscoveryProgress(stream, TTY, f"jane@example.com{EVIL}", delay=0.0)
    attempts = tuple(_hostile().attempts)
    progress.handle(SourceFinished(SourceName.AUTOCONFIG, AttemptStatus.ERROR, attempts, 3.0))
    progress.handle(ProbeFinished(_server(Protocol.IMAP, ok=False)))
    progress.close()
    drawn = re.sub("\x1b\\[(\\?25[hl]|[0-9;]*[mAJ])|\r", "", stream.getvalue())
    assert not BAD.search(drawn.replace("\n", ""))
    assert "imap.example.com\\x9b31m" in drawn
    assert "U+202Etxt.exe" in drawn


def test_json_output_keeps_the_text_unchanged():
    """--json is for programs: the strings are exactly what came, JSON-escaped."""
    from autoconf.cli import main

    from ..fakes import ScriptedSource

    evil_server = _server(Protocol.IMAP, ok=True)
    smtp = _server(Protocol.SMTP, ok=True)
    source = ScriptedSource(SourceName.AUTOCONFIG, incoming=[evil_server], outgoing=[smtp])
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["jane@example.com", "--no-verify", "--json"], stdout=out, stderr=err, sources=[source]
    )
    assert code == 0, err.getvalue()
    assert not BAD.search(out.getvalue().replace("\n", ""))  # escaped...
    data = json.loads(out.getvalue())
    assert data["incoming"][0]["host"] == evil_server.host  # ...and exactly the same text


def test_cli_errors_show_the_typed_address_without_obeying_it():
    """An address holding escape sequences is refused in one line that shows them visibly."""
    from autoconf.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = main(["\x1b]0;pwned\x07jane@example.com\u202e"], stdout=out, stderr=err)
    assert code == 2
    assert not BAD.search(err.getvalue().rstrip("\n"))
    assert "\\x1b]0;pwned\\x07jane@example.com" in err.getvalue()
