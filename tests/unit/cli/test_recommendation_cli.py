"""Every consumer of the command line says what ``result.recommendation`` says: the human
view's Recommended block, --json, --format (servers and --auth) and the exit status."""

from __future__ import annotations

import io
import json
import re

import pytest

from autoconf.cli import main
from autoconf.models import (
    AttemptStatus,
    AuthMethod,
    FailureKind,
    Protocol,
    ProviderInfo,
    SourceAttempt,
    SourceName,
    Verification,
)
from autoconf.sources.base import SourceContext, SourceOutcome

from ..fakes import ScriptedSource, server

DEAD = Verification(reachable=False, error="timed out", failure=FailureKind.TIMEOUT)


def run(*argv: str, **kwargs: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, stdin=io.StringIO(""), **kwargs)  # type: ignore[arg-type]
    return code, out.getvalue(), err.getvalue()


def _recommended_block(out: str) -> str:
    return out.split("\nRecommended\n", 1)[1]


def test_json_has_the_recommendation_with_all_six_fields():
    """--json has recommendation: incoming, outgoing, verdict, sign_in, sign_in_url, reasons
    (each reason a code and a sentence); found keeps its meaning."""
    code, out, _ = run("someone@gmail.com", "--offline", "--json")
    assert code == 0
    data = json.loads(out)
    rec = data["recommendation"]
    assert {"incoming", "outgoing", "verdict", "sign_in", "sign_in_url", "reasons"} <= set(rec)
    assert rec["incoming"]["host"] == "imap.gmail.com"
    assert rec["outgoing"]["host"] == "smtp.gmail.com"
    assert rec["verdict"] == "unverified"
    assert rec["sign_in"] == "oauth2"
    assert rec["sign_in_options"] == ["oauth2", "app-password"]
    assert rec["reasons"][0]["code"] == "not-checked"
    assert rec["reasons"][0]["message"]


def test_schema_describes_the_recommendation():
    """--schema describes Recommendation, its enums and a description for each field."""
    code, out, _ = run("--schema")
    assert code == 0
    defs = json.loads(out)["$defs"]
    fields = defs["Recommendation"]["properties"]
    for name in ("incoming", "outgoing", "verdict", "sign_in", "sign_in_url", "reasons"):
        assert fields[name].get("description"), name
    assert set(defs["Verdict"]["enum"]) == {
        "verified",
        "unverified",
        "insecure",
        "failed",
        "none",
        "undetermined",
    }
    assert "password-after-enabling" in defs["SignIn"]["enum"]


@pytest.mark.parametrize(
    ("address", "sign_in"),
    [
        ("someone@gmail.com", "OAuth2 (the provider's sign-in page) or an app password"),
        ("someone@yahoo.com", "OAuth2 (the provider's sign-in page) or an app password"),
        ("someone@posteo.de", "An app password"),
        ("someone@icloud.com", "An app password"),
    ],
)
def test_recommended_and_the_hints_agree_offline(address: str, sign_in: str):
    """Gmail, Yahoo, Posteo and iCloud offline: the Recommended block says an app password
    (OAuth2 first where offered), and nothing on the screen says "normal password"."""
    code, out, _ = run(address, "--offline")
    assert code == 0
    assert f"Sign-in:   {sign_in}" in _recommended_block(out)
    assert "normal password" not in out
    hints = out.split("\nBefore you connect\n", 1)[1].split("\nRecommended\n", 1)[0]
    assert re.search(r"app[- ](specific )?password", hints)


def test_format_for_gmail_writes_oauth2_by_default_and_a_password_with_auth_app_password():
    """--format msmtp for Gmail writes OAUTHBEARER by default; --auth app-password writes a
    password mechanism (auth on, a password command) and the app password note."""
    code, out, _ = run("someone@gmail.com", "--offline", "--format", "msmtp")
    assert code == 0
    assert "auth oauthbearer" in out
    code, out, _ = run(
        "someone@gmail.com", "--offline", "--format", "msmtp", "--auth", "app-password"
    )
    assert code == 0
    assert "auth oauthbearer" not in out
    assert "auth on" in out
    assert "passwordeval" in out
    assert "app password" in out


def test_auth_the_provider_does_not_allow_is_a_usage_error():
    """--auth password for Gmail (an app password or OAuth2 only) is exit 2 naming the ways
    it allows; --auth without --format is a usage error too."""
    code, out, err = run(
        "someone@gmail.com", "--offline", "--format", "msmtp", "--auth", "password"
    )
    assert code == 2
    assert out == ""
    assert "--auth oauth2 or --auth app-password" in err
    code, _, err = run("someone@gmail.com", "--offline", "--auth", "oauth2")
    assert code == 2
    assert "--auth goes with --format" in err


def test_view_format_and_json_name_the_same_server_when_the_first_failed():
    """Verify off, a caller's source whose first server failed its probe: the view, --format
    and recommendation all name the second server."""
    failed = server(host="broken.example.com", verification=DEAD)
    good = server(host="imap.example.com")
    smtp = server(Protocol.SMTP, "smtp.example.com", 465)

    def sources() -> list[ScriptedSource]:
        return [ScriptedSource(SourceName.AUTOCONFIG, incoming=[failed, good], outgoing=[smtp])]

    argv = ("jane@example.com", "--no-verify")
    _, out, _ = run(*argv, sources=sources())
    assert "Incoming:  IMAP imap.example.com port 993" in _recommended_block(out)
    _, out, _ = run(*argv, "--json", sources=sources())
    data = json.loads(out)
    assert data["incoming"][0]["host"] == "broken.example.com"  # the ranking is unchanged
    assert data["recommendation"]["incoming"]["host"] == "imap.example.com"
    _, out, _ = run(*argv, "--format", "mbsync", sources=sources())
    assert "Host imap.example.com" in out
    assert "broken.example.com" not in out.split("IMAPAccount", 1)[1]


def test_every_incoming_server_failed_means_nothing_to_write():
    """Every incoming server failed its check: the view says none passed; --format mbsync
    (which needs one) writes nothing (exit 1), msmtp (SMTP only) writes the outgoing one."""
    smtp = server(Protocol.SMTP, "smtp.example.com", 465)

    def sources() -> list[ScriptedSource]:
        dead = server(verification=DEAD)
        return [ScriptedSource(SourceName.AUTOCONFIG, incoming=[dead], outgoing=[smtp])]

    _, out, _ = run("jane@example.com", "--no-verify", sources=sources())
    assert "none of the servers found passed a live check" in _recommended_block(out)
    code, out, err = run("jane@example.com", "--no-verify", "--format", "mbsync", sources=sources())
    assert code == 1
    assert out == ""
    assert "incoming server" in err
    code, out, _ = run("jane@example.com", "--no-verify", "--format", "msmtp", sources=sources())
    assert code == 0
    assert "host smtp.example.com" in out


def test_oauth2_only_provider_data_is_written_with_oauth2():
    """A server whose only method is OAuth2: --auth password is refused (exit 2)."""
    only = server(auth=[AuthMethod.OAUTH2])
    smtp = server(Protocol.SMTP, "smtp.example.com", 465, auth=[AuthMethod.OAUTH2])
    sources = [ScriptedSource(SourceName.AUTOCONFIG, incoming=[only], outgoing=[smtp])]
    code, _, err = run(
        "jane@example.com",
        "--no-verify",
        "--format",
        "msmtp",
        "--auth",
        "password",
        sources=sources,
    )
    assert code == 2
    assert "--auth oauth2" in err


class _KnownWithoutServers:
    """A source that knows the provider but names no server."""

    name = SourceName.AUTOCONFIG

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        attempt = SourceAttempt(source=self.name, target="t", status=AttemptStatus.OK)
        provider = ProviderInfo(display_name="Example Mail")
        return SourceOutcome(source=self.name, attempts=[attempt], provider=provider)


def test_a_known_provider_without_servers_says_so():
    """A provider the data knows but with no servers: exit 1, and the view says it is known
    but lists no servers (not "check the spelling")."""
    code, out, _ = run("jane@example.com", "--no-verify", sources=[_KnownWithoutServers()])
    assert code == 1
    assert "Example Mail is a known provider, but the data consulted lists no servers" in out
    assert "check the spelling" not in out


def test_batch_lines_carry_the_recommendation():
    """Each --batch line has the recommendation, and the exit status follows it (1: an
    address with nothing found)."""
    out, err = io.StringIO(), io.StringIO()
    stdin = io.StringIO("someone@gmail.com\nsomeone@unknown.example\n")
    code = main(["--batch", "-", "--offline"], stdout=out, stderr=err, stdin=stdin)
    assert code == 1
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0]["recommendation"]["incoming"]["host"] == "imap.gmail.com"
    assert lines[1]["recommendation"]["verdict"] == "none"


def test_dns_down_is_said_once_and_blames_this_machine():
    """This machine's DNS down and every probe failed: undetermined, and the view says once
    that nothing could be looked up from here (not that the servers are bad)."""
    from autoconf.cli.render.human import render_result
    from autoconf.cli.render.terminal import Terminal
    from autoconf.models import DiscoveryResult, DomainStatus
    from autoconf.recommend import recommend

    result = DiscoveryResult(
        address="jane@example.com",
        domain="example.com",
        incoming=[server(verification=DEAD)],
        outgoing=[server(Protocol.SMTP, "smtp.example.com", 465, verification=DEAD)],
        domain_status=DomainStatus.DNS_DOWN,
    )
    assert recommend(result).verdict.value == "undetermined"
    out = io.StringIO()
    render_result(result, out, Terminal(tty=False, colour=False, width=80, unicode=True))
    block = _recommended_block(out.getvalue())
    assert block.count("DNS or network looks down") == 1
    assert "Nothing could be checked" not in block
