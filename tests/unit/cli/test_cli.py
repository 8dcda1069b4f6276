"""The command line as a person (or a script) uses it: offline or with injected sources."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from autoconf import (
    AttemptStatus,
    Certificate,
    DiscoveryResult,
    DiscoveryWarning,
    LoginStatus,
    Protocol,
    Security,
    SourceName,
    TlsStatus,
    Verification,
    WarningCode,
)
from autoconf.cli import main
from autoconf.cli.render.human import render_result
from autoconf.cli.render.terminal import Terminal
from autoconf.models import CertificateKind, json_schema
from autoconf.sources.base import SourceContext, SourceOutcome

from ..fakes import LOCAL_GMAIL, ScriptedSource, server

ESCAPE = re.compile(r"\x1b\[")
PIPE = Terminal(tty=False, colour=False, width=80, unicode=True)


def run(*argv: str, stdin: str = "", **kwargs: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, stdin=io.StringIO(stdin), **kwargs)  # type: ignore[arg-type]
    return code, out.getvalue(), err.getvalue()


def test_offline_json_for_gmail():
    """--offline --json prints the contract's fields with Gmail's servers and exits 0."""
    code, out, err = run("someone@gmail.com", "--offline", "--json")
    assert code == 0
    assert err == ""
    data = json.loads(out)
    imap, smtp = data["incoming"][0], data["outgoing"][0]
    assert (imap["host"], imap["port"], imap["security"]) == ("imap.gmail.com", 993, "tls")
    assert (smtp["host"], smtp["port"], smtp["security"]) == ("smtp.gmail.com", 465, "tls")
    assert imap["auth"] == ["oauth2", "password-cleartext"]
    assert imap["username"] == "someone@gmail.com"
    assert imap["sources"] == ["ispdb-bundled"]
    assert imap["trust"] == "high"
    assert data["provider"]["oauth2"]["issuer"] == "accounts.google.com"
    assert set(data) >= {
        "address",
        "domain",
        "provider",
        "incoming",
        "outgoing",
        "attempts",
        "warnings",
        "elapsed_ms",
    }


def test_json_is_exactly_the_model_dump():
    """--json output is result.model_dump(mode="json") and nothing else, even with --trace."""
    code, out, _ = run("someone@gmail.com", "--offline", "--json", "--trace")
    assert code == 0
    data = json.loads(out)
    assert DiscoveryResult.model_validate(data).model_dump(mode="json") == data
    assert data["attempts"][0]["source"] == "ispdb-bundled"


def test_human_view_starts_with_what_to_type():
    """The readable view names the provider, then a Recommended block a novice can copy."""
    code, out, _ = run("someone@gmail.com", "--offline")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Google Mail — settings for someone@gmail.com"
    block = out.split("\nRecommended\n", 1)[1].split("\n\n", 1)[0]
    assert "Incoming:  IMAP imap.gmail.com port 993, SSL/TLS" in block
    assert "Outgoing:  SMTP smtp.gmail.com port 465, SSL/TLS" in block
    assert "User name: someone@gmail.com" in block
    assert "Sign-in:   OAuth2 (the provider's sign-in page) or an app password" in block
    assert "not checked live" in block


def test_human_view_has_tables_oauth_enable_and_docs():
    """Incoming and outgoing tables, OAuth2 details, enable steps and documentation links."""
    _, out, _ = run("someone@gmail.com", "--offline")
    row = next(line for line in out.splitlines() if line.strip().startswith("IMAP "))
    assert row.split()[:4] == ["IMAP", "imap.gmail.com", "993", "SSL/TLS"]
    assert "Outgoing mail servers" in out
    assert "issuer: accounts.google.com" in out
    assert "Before you connect\n  You need to enable IMAP access" in out
    assert "Documentation\n  http://mail.google.com/" in out
    assert "Offline: only the bundled provider database was consulted" in out


def test_piped_output_has_no_escape_codes_and_no_trailing_spaces():
    """Piped, the human view has no escape codes, no box drawing and no padded line ends."""
    _, out, _ = run("someone@gmail.com", "--offline", "--trace")
    assert not ESCAPE.search(out)
    assert "─" not in out
    assert all(line == line.rstrip() for line in out.splitlines())


def test_trace_lists_every_attempt_with_target_status_and_time():
    """--trace prints each attempt's source, status, time, target and detail."""
    sources = [
        ScriptedSource(
            SourceName.AUTOCONFIG,
            incoming=[server()],
            outgoing=[server(Protocol.SMTP, "smtp.example.com", 465)],
        ),
        ScriptedSource(
            SourceName.SRV, status=AttemptStatus.ERROR, detail="SERVFAIL from 127.0.0.1"
        ),
    ]
    code, out, _ = run("jane@example.com", "--no-verify", "--trace", sources=sources)
    assert code == 0
    trace = out.split("Every attempt\n", 1)[1]
    rows = [line.split() for line in trace.splitlines()[1:3]]
    assert rows[0][:4] == ["autoconfig", "ok", "12", "ms"]
    assert rows[1][:4] == ["srv", "error", "12", "ms"]
    assert "https://autoconfig.example.com/mail/config-v1.1.xml" in trace
    assert "SERVFAIL from 127.0.0.1" in trace
    assert "--trace shows every attempt" not in out


def test_without_trace_the_footer_points_to_it():
    """Without --trace the answer ends with how many places were tried and how to see them."""
    _, out, _ = run("someone@gmail.com", "--offline", "-q")
    assert "Every attempt" not in out
    assert "Looked in 1 place in" in out
    assert "--trace shows every attempt" in out
    assert "Offline:" not in out  # -q drops the notes


def test_unknown_domain_exits_1_and_says_what_was_tried():
    """An unknown domain offline exits 1, lists every attempt and says what to do next: not
    "check the spelling" (the bundled data is small) but "run it without --offline"."""
    code, out, _ = run("someone@unknown.example", "--offline")
    assert code == 1
    assert "No settings found for unknown.example." in out
    tried = out.split("What was tried\n", 1)[1]
    assert "ispdb-bundled" in tried
    assert "empty" in tried
    assert "not among the 1304 bundled domains" in tried
    assert "unknown.example is not in the bundled data; run it without --offline" in out
    assert "check the spelling" not in out


def test_half_an_answer_is_not_found_but_shown():
    """Only an incoming server found: exit 1, the server shown, the missing half named."""
    sources = [ScriptedSource(SourceName.AUTOCONFIG, incoming=[server()])]
    code, out, _ = run("jane@example.com", "--no-verify", sources=sources)
    assert code == 1
    assert "no outgoing (SMTP) server" in out
    assert "imap.example.com" in out


def test_verification_results_are_shown_with_reasons():
    """Checked column: ✓ with what worked, ✗ with the reason from Verification."""
    good = Verification(reachable=True, tls=TlsStatus.OK, login=LoginStatus.OK, elapsed_ms=41.6)
    wrong_name = Verification(
        reachable=True,
        tls=TlsStatus.FAILED,
        certificate=Certificate(
            valid=False,
            error="hostname-mismatch: certificate is not valid for 'pop.example.com'",
            subject_names=["other.example.net"],
            not_after=datetime(2030, 1, 1, tzinfo=UTC),
            kind=CertificateKind.HOSTNAME_MISMATCH,
        ),
    )
    down = Verification(reachable=False, error="connection refused")
    no_tls = Verification(reachable=True, tls=TlsStatus.NOT_OFFERED)
    refused = Verification(reachable=True, tls=TlsStatus.OK, login=LoginStatus.FAILED)
    ok = Verification(reachable=True, tls=TlsStatus.OK)
    result = DiscoveryResult(
        address="jane@example.com",
        domain="example.com",
        incoming=[
            server(verification=good),
            server(Protocol.POP3, "pop.example.com", 995, verification=wrong_name),
            server(Protocol.IMAP, "imap2.example.com", 143, Security.STARTTLS, verification=no_tls),
            server(Protocol.IMAP, "imap3.example.com", 993, verification=refused),
        ],
        outgoing=[
            server(Protocol.SMTP, "smtp.example.com", 465, verification=down),
            server(Protocol.SMTP, "smtp2.example.com", 587, Security.STARTTLS, verification=ok),
        ],
    )
    out = io.StringIO()
    render_result(result, out, PIPE)
    text = out.getvalue()
    rows = {
        line.split()[1]: line
        for line in text.splitlines()
        if line.startswith("  ") and ".example.com " in line
    }
    assert "✓ works, sign-in ok (42 ms)" in rows["imap.example.com"]
    assert "✗ the certificate is for another name" in rows["pop.example.com"]
    assert "✗ the server offers no encryption" in rows["imap2.example.com"]
    assert "✗ unreachable: connection refused" in rows["smtp.example.com"]
    assert "✗ sign-in refused" in rows["imap3.example.com"]
    assert "✓ works, encrypted" in rows["smtp2.example.com"]
    # The recommendation skips the server that failed its check.
    assert "Outgoing:  SMTP smtp2.example.com port 587, STARTTLS" in text
    assert "Safe: encrypted, and the servers answered a live check." in text


def test_every_warning_code_has_plain_words():
    """Each warning code is explained in plain words, with the technical message beneath."""
    plain = {
        WarningCode.INSECURE_SOURCE: "came over unencrypted HTTP",
        WarningCode.CERTIFICATE_INVALID: "certificate does not prove who it is",
        WarningCode.HOST_OUTSIDE_DOMAIN: "outside your mail domain",
        WarningCode.PLAINTEXT_ONLY: "your password would travel in clear text",
        WarningCode.SOURCES_DISAGREE: "name different servers",
        WarningCode.REDIRECTED: "sent us on to another address",
        WarningCode.SKIPPED_SERVER: "was left out",
        WarningCode.STARTTLS_NOT_OFFERED: "did not offer it",
        WarningCode.BAD_DOCUMENT: "unreadable",
        WarningCode.SECURITY_FROM_PORT: "we went by the port",
        WarningCode.INCOMPLETE_DOCUMENT: "names no server for sending or for receiving",
        WarningCode.PACC_DIGEST_MISMATCH: "does not match the fingerprint its DNS publishes",
        WarningCode.DNSSEC_BOGUS: "signatures that do not check out",
        WarningCode.OAUTH_METADATA: "does not describe itself as it should",
    }
    assert set(plain) == set(WarningCode)
    result = DiscoveryResult(
        address="jane@example.com",
        domain="example.com",
        incoming=[server()],
        outgoing=[server(Protocol.SMTP, "smtp.example.com", 465)],
        warnings=[
            DiscoveryWarning(code=code, message=f"technical {code.value}", host="h.example")
            for code in WarningCode
        ],
    )
    out = io.StringIO()
    render_result(result, out, PIPE)
    text = out.getvalue()
    for code, words in plain.items():
        assert words in text, code
        assert f"technical {code.value} [h.example]" in text


def test_plaintext_and_http_only_settings_are_called_unsafe():
    """An unencrypted recommendation says 'Not safe'; HTTP-only settings say 'Be careful'."""
    plain = DiscoveryResult(
        address="jane@example.com",
        domain="example.com",
        incoming=[server(port=143, security=Security.PLAIN)],
        outgoing=[server(Protocol.SMTP, "smtp.example.com", 25, Security.PLAIN)],
    )
    http = DiscoveryResult(
        address="jane@example.com",
        domain="example.com",
        incoming=[server(sources=[SourceName.AUTOCONFIG_HTTP])],
        outgoing=[server(Protocol.SMTP, "smtp.example.com", 465)],
    )
    for result, expected in ((plain, "Not safe: without encryption"), (http, "Be careful")):
        out = io.StringIO()
        render_result(result, out, PIPE)
        assert expected in out.getvalue()


def test_malformed_address_exits_2_with_one_line():
    """A malformed address exits 2 with one sentence on stderr and nothing on stdout."""
    code, out, err = run("not an address", "--offline")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "cannot contain spaces" in err
    assert "like name@example.com" in err


def test_config_dir_is_used_first(tmp_path: Path):
    """A --config-dir file wins over the bundled ISPDB and is marked source local."""
    (tmp_path / "corp.xml").write_bytes(LOCAL_GMAIL)
    code, out, _ = run("jane@gmail.com", "--offline", "--json", "--config-dir", str(tmp_path))
    assert code == 0
    first = json.loads(out)["incoming"][0]
    assert (first["host"], first["sources"]) == ("imap.corp.example", ["local"])


@pytest.mark.parametrize(
    "argv",
    [
        ["--bogus", "a@example.com"],
        [],
        ["a@example.com", "--timeout", "-1"],
        ["a@example.com", "--nameserver", "dns.example"],
        ["a@example.com", "--sources", "carrier-pigeon"],
        ["a@example.com", "--config-dir", "/nonexistent/folder"],
        ["a@example.com", "--mode", "reckless"],
        ["a@example.com", "--batch", "list.txt"],
        ["--batch", "/nonexistent/list.txt"],
        ["--batch", "-", "--trace"],
        ["--batch", "-", "--concurrency", "0"],
        ["--batch", "-", "--login", "jane"],
        ["--batch", "-", "--password-stdin"],
        ["a@example.com", "--password-stdin", "--offline"],
        ["a@example.com", "--login", "jane", "--offline"],
        ["a@example.com", "--login", "jane", "--no-verify"],
        ["a@example.com", "--login", "jane"],  # stdin is not a terminal: no prompt possible
    ],
)
def test_usage_errors_exit_2_with_one_sentence(argv: list[str]):
    """Every usage error is one line on stderr saying what to do, exit 2, no traceback."""
    code, out, err = run(*argv)
    assert code == 2, argv
    assert out == ""
    assert err.count("\n") == 1, (argv, err)
    assert "Traceback" not in err
    assert err.startswith("python -m autoconf: ")


def test_help_has_examples_and_exit_codes():
    """--help shows worked examples, batch usage and the exit statuses."""
    code, out, _ = run("--help")
    assert code == 0
    assert "examples:" in out
    assert "--batch addresses.txt" in out
    assert "exit status: 0 settings found, 1 none found" in out
    assert "--login USER" in out


def test_schema_prints_the_result_schema():
    """--schema prints DiscoveryResult's JSON schema and needs no address."""
    code, out, _ = run("--schema")
    assert code == 0
    assert json.loads(out) == json_schema(DiscoveryResult)


def test_json_output_validates_against_the_schema():
    """--json output (found, not found, with verification) validates against --schema."""
    jsonschema = pytest.importorskip("jsonschema")
    _, schema_text, _ = run("--schema")
    validator = jsonschema.Draft202012Validator(json.loads(schema_text))
    verified = Verification(
        reachable=True,
        tls=TlsStatus.OK,
        certificate=Certificate(valid=True, not_after=datetime(2030, 1, 1, tzinfo=UTC)),
    )
    sources = [
        ScriptedSource(
            SourceName.AUTOCONFIG,
            incoming=[server(verification=verified)],
            outgoing=[server(Protocol.SMTP, "smtp.example.com", 465)],
            warnings=[DiscoveryWarning(code=WarningCode.REDIRECTED, message="moved")],
        )
    ]
    outputs = [
        run("someone@gmail.com", "--offline", "--json")[1],
        run("someone@unknown.example", "--offline", "--json")[1],
        run("jane@example.com", "--json", "--no-verify", sources=sources)[1],
    ]
    for text in outputs:
        errors = list(validator.iter_errors(json.loads(text)))
        assert errors == [], errors
    # The schema is strict: an unknown field is refused.
    bad = json.loads(outputs[0])
    bad["colour"] = "blue"
    assert list(validator.iter_errors(bad))


def test_login_password_from_stdin_reaches_options_and_is_never_shown():
    """--login with --password-stdin builds Credentials; the password appears nowhere."""
    seen: list[object] = []

    class Spy(ScriptedSource):
        async def run(self, ctx: SourceContext) -> SourceOutcome:
            seen.append(ctx.options.credentials)
            return await super().run(ctx)

    sources = [
        Spy(
            SourceName.AUTOCONFIG,
            incoming=[server()],
            outgoing=[server(Protocol.SMTP, "smtp.example.com", 465)],
        )
    ]
    code, out, err = run(
        "jane@example.com",
        "--login",
        "jane@example.com",
        "--password-stdin",
        "--trace",
        stdin="hunter2\n",
        sources=sources,
    )
    assert code == 0
    (credentials,) = seen
    assert credentials is not None
    assert credentials.username == "jane@example.com"  # type: ignore[attr-defined]
    assert credentials.password.get_secret_value() == "hunter2"  # type: ignore[attr-defined]
    assert "hunter2" not in out + err
    _, json_out, _ = run(
        "jane@example.com",
        "--login",
        "jane",
        "--password-stdin",
        "--json",
        stdin="hunter2\n",
        sources=sources,
    )
    assert "hunter2" not in json_out


def test_empty_password_on_stdin_is_a_usage_error():
    """An empty --password-stdin line is refused with a sentence, exit 2."""
    code, _, err = run("jane@example.com", "--login", "jane", "--password-stdin", stdin="\n")
    assert code == 2
    assert "the password is empty" in err


def test_python_dash_m_runs_the_cli():
    """`python -m autoconf` is wired to main() and returns its exit status."""
    proc = subprocess.run(
        [sys.executable, "-m", "autoconf", "someone@gmail.com", "--offline", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["incoming"][0]["host"] == "imap.gmail.com"


def test_an_internal_error_is_one_sentence_not_a_traceback():
    """A bug surfacing in main() is reported in one line asking for a report, exit 70 (not 1)."""
    code, out, err = run("jane@example.com", "--no-verify", sources=[object()])  # type: ignore[list-item]
    assert code == 70
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("python -m autoconf: internal error (")
    assert "please report it" in err


def test_a_plain_http_ispdb_url_is_a_usage_error():
    """--ispdb-url http://... exits 2 with a sentence saying it must be https."""
    code, out, err = run("--offline", "--ispdb-url", "http://ispdb.example/v1.1/", "a@example.com")
    assert code == 2
    assert out == ""
    assert "https://" in err
