"""``--check``: the exit status for monitoring, the JSON and its schema, usage errors, the view."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest

from autoconf import api
from autoconf.check.report import DomainReport, Severity
from autoconf.cli import main
from autoconf.cli.render.check import render_report
from autoconf.cli.render.terminal import Terminal
from autoconf.models import json_schema
from tests.unit.check.samples import sample_report


def _cli(argv: list[str], monkeypatch: pytest.MonkeyPatch, report: DomainReport | None = None):
    asked: list[tuple[str, Any]] = []

    async def fake(target: str, *, options: Any = None, **_: Any) -> DomainReport:
        asked.append((target, options))
        assert report is not None
        return report

    monkeypatch.setattr(api, "check_domain", fake)
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err, stdin=io.StringIO(), environ={})
    return code, out.getvalue(), err.getvalue(), asked


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        ((Severity.INFO,), 0),
        ((Severity.WARNING, Severity.INFO), 4),
        ((Severity.ERROR, Severity.WARNING, Severity.INFO), 5),
        ((Severity.ERROR,), 5),
    ],
)
def test_exit_status_is_decided_by_the_worst_finding(
    severities: tuple[Severity, ...], expected: int, monkeypatch: pytest.MonkeyPatch
):
    """0 with notes only, 4 with warnings but no error, 5 with any error."""
    code, _, _, _ = _cli(["--check", "example.com"], monkeypatch, sample_report(*severities))
    assert code == expected


def test_json_is_the_domain_report(monkeypatch: pytest.MonkeyPatch):
    """--check --json prints DomainReport.model_dump(mode='json'), which reads back equal."""
    report = sample_report()
    code, out, _, asked = _cli(["--check", "jane@example.com", "--json"], monkeypatch, report)
    assert code == 5
    assert DomainReport.model_validate(json.loads(out)) == report
    assert asked[0][0] == "jane@example.com"


def test_check_flags_reach_the_options(monkeypatch: pytest.MonkeyPatch):
    """--timeout, --nameserver and --ispdb-url are the check's options too."""
    argv = ["--check", "example.com", "--timeout", "7", "--nameserver", "127.0.0.1:5300"]
    argv += ["--ispdb-url", "https://ispdb.test/v1.1/"]
    _, _, _, asked = _cli(argv, monkeypatch, sample_report(Severity.INFO))
    options = asked[0][1]
    assert options.deadline == 7
    assert options.nameservers == (("127.0.0.1", 5300),)
    assert options.ispdb_url == "https://ispdb.test/v1.1/"


def test_check_schema_is_the_domain_report_schema(monkeypatch: pytest.MonkeyPatch):
    """--check --schema prints DomainReport's JSON schema (plain --schema stays the result's)."""
    code, out, _, _ = _cli(["--check", "--schema"], monkeypatch)
    assert code == 0
    assert json.loads(out) == json_schema(DomainReport)
    code, out, _, _ = _cli(["--schema"], monkeypatch)
    assert json.loads(out)["title"] == "DiscoveryResult"


@pytest.mark.parametrize(
    "argv",
    [
        ["--check"],
        ["--check", "example.com", "--batch", "list.txt"],
        ["--check", "example.com", "--offline"],
        ["--check", "example.com", "--password-stdin"],
    ],
)
def test_usage_errors_are_status_2_with_one_sentence(
    argv: list[str], monkeypatch: pytest.MonkeyPatch
):
    """--check without a domain, or with batch, offline or sign-in flags: status 2, no check."""
    code, out, err, asked = _cli(argv, monkeypatch)
    assert code == 2
    assert out == ""
    assert "--check takes one domain" in err
    assert asked == []


def test_a_bad_domain_is_status_2(monkeypatch: pytest.MonkeyPatch):
    """A domain that cannot be one is a usage error, not a check."""
    monkeypatch.undo()
    out, err = io.StringIO(), io.StringIO()
    code = main(["--check", "exa mple..com"], stdout=out, stderr=err, environ={})
    assert code == 2
    assert "give a domain like example.com" in err.getvalue()


def test_help_lists_the_check_exit_codes():
    """--help's epilog documents 4 (warnings) and 5 (errors) for --check."""
    out = io.StringIO()
    assert main(["--help"], stdout=out, stderr=io.StringIO()) == 0
    assert re.search(
        r"with --check: 0 no errors or warnings.*4 warnings only, 5 errors", out.getvalue()
    )


@pytest.mark.parametrize("width", [60, 80, 120])
def test_piped_and_narrow_views_say_every_finding_whole(width: int):
    """Every finding's sentence and fix is in the view, no line wider than the screen."""
    report = sample_report()
    out = io.StringIO()
    render_report(report, out, Terminal(tty=True, colour=False, width=width, unicode=True))
    text = out.getvalue()
    assert all(len(line) <= width for line in text.splitlines()), text
    flat = re.sub(r"\s+", "", text)
    for finding in report.findings:
        assert re.sub(r"\s+", "", finding.message) in flat
        if finding.fix:
            assert re.sub(r"\s+", "", finding.fix) in flat
    assert "✗ Mail servers" in text
    assert "⚠ Autoconfig" in text
    assert "⚠ Across mechanisms" in text


def test_an_ascii_terminal_gets_ascii_marks():
    """Where ✓ ⚠ ✗ cannot be written the marks are ok / ! / x."""
    out = io.StringIO()
    term = Terminal(tty=False, colour=False, width=80, unicode=False, encoding="ascii")
    render_report(sample_report(), out, term)
    text = out.getvalue()
    text.encode("ascii")
    assert "\nx Mail servers" in text


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("exa mple.com", "in 'exa mple.com'"),
        ("", "no domain given"),
        ("  ", "no domain given"),
        ("a..b", "in 'a..b'"),
    ],
)
def test_a_bad_domain_is_quoted_as_typed(typed: str, said: str):
    """The usage error quotes the domain as typed, never the postmaster@ stand-in."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["--check", typed], stdout=out, stderr=err, environ={})
    assert code == 2
    assert said in err.getvalue()
    assert "postmaster@" not in err.getvalue()


def test_check_with_format_srv_zone_prints_the_records_to_publish(
    monkeypatch: pytest.MonkeyPatch,
):
    """--check DOMAIN --format srv-zone prints zone lines for the autoconfig servers, and the
    exit status is still the check's (5: the sample has an error)."""
    code, out, _, _ = _cli(
        ["--check", "example.com", "--format", "srv-zone"], monkeypatch, sample_report()
    )
    assert code == 5
    assert "_imaps._tcp.example.com. 3600 IN SRV 0 1 993 imap.example.com." in out
    assert "Mail settings check" not in out


@pytest.mark.parametrize("extra", [["--format", "msmtp"], ["--format", "srv-zone", "--json"]])
def test_check_refuses_other_formats(extra: list[str], monkeypatch: pytest.MonkeyPatch):
    """Only srv-zone goes with --check, and not with --json: status 2, no check."""
    code, _out, err, asked = _cli(["--check", "example.com", *extra], monkeypatch)
    assert code == 2
    assert asked == []
    assert "srv-zone" in err
