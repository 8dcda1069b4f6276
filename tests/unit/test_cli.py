from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from autoconf.cli import main

from .test_pipeline import LOCAL_GMAIL


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_offline_json_for_gmail():
    """--offline --json prints the contract's fields with Gmail's servers and exits 0."""
    code, out, _ = run("someone@gmail.com", "--offline", "--json")
    assert code == 0
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


def test_human_view_shows_table_oauth_and_docs():
    """The readable view names the provider, the servers in a table and the OAuth2 issuer."""
    code, out, _ = run("someone@gmail.com", "--offline")
    assert code == 0
    assert out.startswith("Google Mail (googlemail.com)")
    assert "Incoming mail:" in out
    assert "Outgoing mail:" in out
    row = next(line for line in out.splitlines() if "imap.gmail.com" in line)
    assert row.split()[:4] == ["IMAP", "imap.gmail.com", "993", "TLS"]
    assert "issuer: accounts.google.com" in out
    assert "Documentation:" in out


def test_malformed_address_exits_2_with_one_line():
    """A malformed address exits 2 with one clear line on stderr and nothing on stdout."""
    code, out, err = run("not an address", "--offline")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "cannot contain spaces" in err


def test_unknown_domain_exits_1_and_says_what_was_tried():
    """An unknown domain offline exits 1 and lists the sources tried."""
    code, out, _ = run("someone@unknown.example", "--offline")
    assert code == 1
    assert "No settings found." in out
    assert "ispdb-bundled (empty)" in out


def test_config_dir_is_used_first(tmp_path: Path):
    """A --config-dir file wins over the bundled ISPDB and is marked source local."""
    (tmp_path / "corp.xml").write_bytes(LOCAL_GMAIL)
    code, out, _ = run("jane@gmail.com", "--offline", "--json", "--config-dir", str(tmp_path))
    assert code == 0
    first = json.loads(out)["incoming"][0]
    assert (first["host"], first["sources"]) == ("imap.corp.example", ["local"])


def test_usage_errors_exit_2_with_one_line(tmp_path: Path):
    """Unknown flags, bad values and missing folders are one-line usage errors, exit 2."""
    for argv in (
        ["--bogus", "a@example.com"],
        [],
        ["a@example.com", "--timeout", "-1"],
        ["a@example.com", "--nameserver", "dns.example"],
        ["a@example.com", "--sources", "carrier-pigeon"],
        ["a@example.com", "--config-dir", str(tmp_path / "missing")],
        ["a@example.com", "--mode", "reckless"],
    ):
        code, _out, err = run(*argv)
        assert code == 2, argv
        assert err.count("\n") == 1, (argv, err)
        assert "Traceback" not in err


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
