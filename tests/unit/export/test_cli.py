"""``python -m autoconf ADDRESS --format NAME``: the file on stdout, and the exit status."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

from autoconf.cli import main
from autoconf.export import FORMATS
from autoconf.models import Protocol, Security, SourceName

from ..fakes import ScriptedSource, server


def run(*argv: str, **kwargs: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, stdin=io.StringIO(""), **kwargs)  # type: ignore[arg-type]
    return code, out.getvalue(), err.getvalue()


def _source(**kw: object) -> list[ScriptedSource]:
    return [ScriptedSource(SourceName.AUTOCONFIG, **kw)]  # type: ignore[arg-type]


def test_format_list_needs_no_address_and_lists_every_format():
    """--format list prints one line per format, name first, and exits 0."""
    code, out, _ = run("--format", "list")
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == list(FORMATS)
    assert len(lines) >= 10


def test_format_prints_the_file_with_password_command_and_ca_file(tmp_path):
    """--format msmtp prints the msmtprc with the command and the CA file, exit 0."""
    import trustme

    ca = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(ca))
    sources = _source(
        incoming=[server()],
        outgoing=[server(protocol=Protocol.SMTP, host="smtp.example.com", port=465)],
    )
    code, out, err = run(
        "jane@example.com",
        "--no-verify",
        "--format",
        "msmtp",
        "--password-command",
        "pass show mail",
        "--ca-file",
        str(ca),
        sources=sources,
    )
    assert (code, err) == (0, "")
    assert "host smtp.example.com" in out
    assert 'passwordeval "pass show mail"' in out
    assert f'tls_trust_file "{ca}"' in out


def test_nothing_found_is_exit_1():
    """No server at all: exit 1 and one sentence, nothing on stdout."""
    code, out, err = run("jane@example.com", "--no-verify", "--format", "msmtp", sources=_source())
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1


def test_format_that_cannot_express_the_result_is_exit_2():
    """POP3-only for mbsync (IMAP only): exit 2 with one sentence naming why."""
    pop = server(protocol=Protocol.POP3, host="pop.example.com", port=995, security=Security.TLS)
    sources = _source(
        incoming=[pop],
        outgoing=[server(protocol=Protocol.SMTP, host="smtp.example.com", port=465)],
    )
    code, out, err = run("jane@example.com", "--no-verify", "--format", "mbsync", sources=sources)
    assert code == 2
    assert out == ""
    assert "mbsync speaks only IMAP" in err
    assert err.count("\n") == 1


def test_format_works_offline_from_the_bundled_database():
    """--offline --format thunderbird writes gmail.com's servers from the bundled ISPDB."""
    code, out, _ = run("someone@gmail.com", "--offline", "--format", "thunderbird")
    assert code == 0
    assert "<hostname>imap.gmail.com</hostname>" in out


def test_bad_combinations_are_usage_errors():
    """An unknown format, --format with --json, and --password-command alone are exit 2."""
    assert run("a@example.com", "--format", "outlook")[0] == 2
    assert run("a@example.com", "--format", "msmtp", "--json")[0] == 2
    code, _, err = run("a@example.com", "--password-command", "x")
    assert code == 2
    assert "--format" in err


def _written(verification: object, **flags: object) -> tuple[int, str, str]:
    import argparse

    from autoconf.cli.export import write_export
    from autoconf.cli.output import Streams
    from autoconf.models import DiscoveryResult

    checked = server(Protocol.SMTP, "smtp.example.net", 465).model_copy(
        update={"verification": verification}
    )
    result = DiscoveryResult(
        address="me@example.net", domain="example.net", incoming=[server()], outgoing=[checked]
    )
    args = argparse.Namespace(
        format="msmtp",
        password_command=None,
        ca_file=None,
        login=None,
        password_stdin=False,
        auth=None,
    )
    vars(args).update(flags)
    out, err = io.StringIO(), io.StringIO()
    streams = Streams(out=out, err=err, inp=io.StringIO(), env={}, prog="autoconf")
    code = write_export(result, args, streams, contextlib.nullcontext)
    return code, out.getvalue(), err.getvalue()


def test_format_with_a_refused_login_is_exit_3_and_still_writes_the_file():
    """--login/--password-stdin with --format: a refused password is exit 3 (as without
    --format) with one sentence, so a script does not take the file for a working login."""
    from autoconf.models import LoginStatus, Verification

    refused = Verification(reachable=True, login=LoginStatus.FAILED)
    code, out, err = _written(refused, password_stdin=True)
    assert code == 3
    assert "host smtp.example.net" in out
    assert "smtp.example.net refused the sign-in" in err
    assert _written(refused)[0] == 0  # nobody asked for a sign-in: only the file
    accepted = Verification(reachable=True, login=LoginStatus.OK)
    assert _written(accepted, login="me@example.net")[0] == 0


def test_format_for_a_provider_without_imap_says_so():
    """--format for protonmail.com (offline): exit 1 and the database's sentence that the
    provider offers no IMAP, with what to use instead, not a generic "nothing found"."""
    code, out, err = run("someone@protonmail.com", "--offline", "--format", "msmtp")
    assert code == 1
    assert out == ""
    assert "offers no IMAP" in err
    assert "bridge" in err


def test_a_run_without_format_does_not_import_the_export_package():
    """The twelve writers are imported only for --format (or --password-command), so every
    other run of the CLI does not pay for them at start-up."""
    code = (
        "import io, sys\n"
        "from autoconf.cli import main\n"
        "main(['someone@gmail.com', '--offline', '--json'], stdout=io.StringIO())\n"
        "assert 'autoconf.export' not in sys.modules, 'export imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
