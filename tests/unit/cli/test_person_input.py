"""What a person types works: mailto:, "Name <address>", quotes, a bare domain, a mistyped
flag or format name, the program's own name, and bytes that another locale mangled."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autoconf.cli import main
from autoconf.cli.inputs import person_address, recover_argv
from autoconf.cli.parser import prog_name

ROOT = Path(__file__).parents[3]


def run(*argv: str, **kwargs: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    kwargs.setdefault("stdin", io.StringIO(""))
    code = main(list(argv), stdout=out, stderr=err, **kwargs)  # type: ignore[arg-type]
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    "typed",
    [
        "mailto:someone@gmail.com",
        "MAILTO:someone@gmail.com?subject=hi",
        "Jane Doe <someone@gmail.com>",
        "<someone@gmail.com>",
        '"someone@gmail.com"',
        "'someone@gmail.com'",
        "  someone@gmail.com  ",
    ],
)
def test_person_shaped_addresses_are_looked_up(typed: str):
    """mailto:, a display name with angle brackets and surrounding quotes all give the
    address itself, looked up as usual."""
    assert person_address(typed) == "someone@gmail.com"
    code, out, _ = run(typed, "--offline", "--json")
    assert code == 0
    assert json.loads(out)["address"] == "someone@gmail.com"


def test_a_bare_domain_suggests_check():
    """A domain alone: exit 2, and the error says to type an address or use --check."""
    code, out, err = run("example.com", "--offline")
    assert code == 2
    assert out == ""
    assert "did you mean python -m autoconf --check example.com?" in err
    assert err.count("\n") == 1


def test_a_mistyped_flag_gets_a_suggestion():
    """--jsn is not a flag; the error offers --json."""
    code, _, err = run("someone@gmail.com", "--jsn")
    assert code == 2
    assert "did you mean --json?" in err


def test_format_names_are_case_insensitive_and_typos_get_a_suggestion():
    """--format MSMTP works as msmtp; --format msmpt offers 'msmtp'."""
    code, out, _ = run("someone@gmail.com", "--offline", "--format", "MSMTP")
    assert code == 0
    assert "account someone@gmail.com" in out or "host smtp.gmail.com" in out
    code, _, err = run("someone@gmail.com", "--offline", "--format", "msmpt")
    assert code == 2
    assert "did you mean 'msmtp'?" in err


def test_usage_lines_use_the_name_the_program_was_run_as():
    """The console script is mail-autoconf in --help and errors; python -m otherwise."""
    assert prog_name("/usr/local/bin/mail-autoconf") == "mail-autoconf"
    assert prog_name("/src/autoconf/__main__.py") == "python -m autoconf"
    code, out, _ = run("--help", prog="mail-autoconf")
    assert code == 0
    assert out.startswith("usage: mail-autoconf")
    assert "  mail-autoconf --check example.com" in out
    assert "python -m autoconf" not in out
    _, _, err = run("example.com", prog="mail-autoconf")
    assert "mail-autoconf --check example.com" in err


def test_an_invalid_utf8_password_on_stdin_is_a_usage_error():
    """--password-stdin with bytes that are not UTF-8: exit 2 and one sentence, not 70."""
    stdin = io.TextIOWrapper(io.BytesIO(b"\xffsecret\n"), encoding="utf-8")
    code, _, err = run("jane@example.com", "--password-stdin", stdin=stdin)
    assert code == 2
    assert "not valid UTF-8" in err
    assert "internal error" not in err


def _c_locale_run(
    argv: list[bytes | str], stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env.update(
        LC_ALL="C",
        LANG="C",
        PYTHONUTF8="0",
        PYTHONCOERCECLOCALE="0",
        PYTHONIOENCODING="utf-8",
        PYTHONPATH=str(ROOT),
    )
    return subprocess.run(
        [sys.executable, "-m", "autoconf", *argv],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_a_utf8_address_in_the_c_locale_is_recovered():
    """In the C locale (UTF-8 mode off) a UTF-8 address from argv is read as UTF-8."""
    proc = _c_locale_run(["jörg@gmail.com".encode(), "--offline", "--json"])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["address"] == "jörg@gmail.com"


def test_an_invalid_utf8_password_in_the_c_locale_is_a_usage_error():
    """The same bad password bytes through a real stdin in the C locale: exit 2."""
    proc = _c_locale_run(["jane@example.com", "--password-stdin"], stdin=b"\xff\xfe\n")
    assert proc.returncode == 2, proc.stderr
    assert b"not valid UTF-8" in proc.stderr


def test_recover_argv_keeps_what_is_not_utf8():
    """An argument whose bytes are not UTF-8 stays as it was (refused later, by position)."""
    mangled = os.fsdecode(b"\xffu@example.com")
    assert recover_argv([mangled, "plain"]) == [mangled, "plain"]
