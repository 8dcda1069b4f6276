"""Terminals that are not UTF-8, IDN domains in the heading, and path options that name the
wrong kind of file or a file without certificates."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autoconf.cli import main

ROOT = Path(__file__).parents[3]
IDN = "jörg@bücher.example"


def _run(*argv: str, encoding: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": encoding}
    return subprocess.run(
        [sys.executable, "-m", "autoconf", *argv],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_non_utf8_terminal_shows_an_idn_address_without_crashing(encoding: str):
    """An IDN address on an ASCII or latin-1 stdout: the view in that encoding, exit 1 (not
    found offline), never the internal-error exit 70."""
    proc = _run(IDN, "--offline", encoding=encoding)
    assert proc.returncode == 1, proc.stderr
    assert b"internal error" not in proc.stderr
    text = proc.stdout.decode(encoding)  # strictly decodable in the terminal's encoding
    assert "No settings found for" in text
    if encoding == "latin-1":
        assert "bücher.example" in text  # latin-1 can show the Unicode form
    else:
        assert "xn--bcher-kva.example" in text  # the ASCII form where it cannot
        assert "j\\xf6rg" in text  # what cannot be shown is an escape


def test_json_on_an_ascii_terminal_is_valid_json_with_the_same_values():
    """--json on an ASCII stdout: \\u escapes, the very same values once parsed."""
    proc = _run(IDN, "--offline", "--json", encoding="ascii")
    assert proc.returncode == 1, proc.stderr
    proc.stdout.decode("ascii")
    result = json.loads(proc.stdout)
    assert result["address"] == "jörg@xn--bcher-kva.example"
    assert result["domain"] == "xn--bcher-kva.example"


def test_an_error_about_an_idn_address_reaches_an_ascii_stderr():
    """A usage error naming a non-ASCII address on an ASCII stderr: exit 2, escaped, no crash."""
    proc = _run("jörg@bü cher.example", "--offline", encoding="ascii")
    assert proc.returncode == 2
    assert b"j\\xf6rg" in proc.stderr
    assert b"internal error" not in proc.stderr


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, stdin=io.StringIO(""))
    return code, out.getvalue(), err.getvalue()


def test_the_heading_shows_the_unicode_form_of_an_idn_domain():
    """The human heading says bücher.example; --json keeps the ASCII form in "domain"."""
    code, out, _ = run(IDN, "--offline")
    assert code == 1
    assert out.splitlines()[0] == "bücher.example — settings for jörg@bücher.example"
    assert "No settings found for bücher.example." in out
    _, json_out, _ = run(IDN, "--offline", "--json")
    assert json.loads(json_out)["domain"] == "xn--bcher-kva.example"


@pytest.mark.parametrize("content", ["", "not a certificate\n", "-----BEGIN CERTIFICATE-----\n"])
def test_a_ca_file_without_a_certificate_is_exit_2_naming_the_file(tmp_path: Path, content: str):
    """--ca-file naming a file that holds no certificate: exit 2 with the file's name, before
    any look-up."""
    ca = tmp_path / "typo.pem"
    ca.write_text(content)
    code, out, err = run("jane@example.com", "--ca-file", str(ca), "--sources", "srv")
    assert code == 2
    assert out == ""
    assert str(ca) in err
    assert "holds no" in err
    assert "certificate" in err


def test_a_ca_file_with_a_certificate_is_accepted(tmp_path: Path):
    """A real PEM CA certificate passes the check (offline run, exit 0)."""
    trustme = pytest.importorskip("trustme")
    ca = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(ca))
    code, _, err = run("someone@gmail.com", "--offline", "--ca-file", str(ca))
    assert code == 0, err


@pytest.mark.parametrize(
    ("flag", "kind"),
    [("--ca-file", "is a folder, not a file"), ("--config-dir", "is a file, not a folder")],
)
def test_a_path_of_the_wrong_kind_says_what_it_is(tmp_path: Path, flag: str, kind: str):
    """A folder given as --ca-file, a file as --config-dir: exit 2 saying what it is, never
    "does not exist"."""
    path = tmp_path if flag == "--ca-file" else tmp_path / "file.xml"
    if flag == "--config-dir":
        path.write_text("<x/>")
    code, _, err = run("jane@example.com", "--offline", flag, str(path))
    assert code == 2
    assert kind in err
    assert "does not exist" not in err


def test_a_batch_file_that_is_a_folder_says_so(tmp_path: Path):
    """--batch FOLDER: exit 2, "is a folder, not a file of addresses"."""
    code, _, err = run("--batch", str(tmp_path), "--offline")
    assert code == 2
    assert "is a folder, not a file of addresses" in err


def test_a_missing_path_still_says_it_does_not_exist(tmp_path: Path):
    """A path that is not there at all: "does not exist" (for --ca-file and --config-dir)."""
    for flag in ("--ca-file", "--config-dir"):
        code, _, err = run("jane@example.com", "--offline", flag, str(tmp_path / "missing"))
        assert code == 2
        assert "does not exist" in err
