"""``--check`` when this machine cannot check: exit 6, one finding, said plainly."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest

from autoconf import api
from autoconf.check.local import local_finding
from autoconf.check.report import DomainReport, LocalProblem, Mechanism, MechanismReport
from autoconf.cli import main
from autoconf.cli.render.check import render_report
from autoconf.cli.render.terminal import Terminal
from autoconf.models import AttemptStatus, SourceAttempt, SourceName
from tests.unit.check.samples import sample_report

D = "example.com"


def undetermined() -> DomainReport:
    """The sample report as a check with this machine's DNS down would leave it."""
    mx = SourceAttempt(source=SourceName.MX, target=f"{D} MX", status=AttemptStatus.TIMEOUT)
    host = SourceAttempt(
        source=SourceName.ISPDB,
        target="autoconfig.thunderbird.net A/AAAA",
        status=AttemptStatus.UNRESOLVED,
    )
    mechanisms = [MechanismReport(mechanism=Mechanism.MX, published=False, attempts=[mx])]
    finding = local_finding(LocalProblem.DNS_DOWN, D, mechanisms, host)
    return sample_report().model_copy(
        update={
            "mechanisms": mechanisms,
            "servers": [],
            "findings": [finding],
            "local_problem": LocalProblem.DNS_DOWN,
        }
    )


def _cli(argv: list[str], monkeypatch: pytest.MonkeyPatch, report: DomainReport):
    async def fake(target: str, **_: Any) -> DomainReport:
        return report

    monkeypatch.setattr(api, "check_domain", fake)
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err, stdin=io.StringIO(), environ={})
    return code, out.getvalue()


@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_a_check_that_could_not_judge_exits_6(extra: list[str], monkeypatch):
    """A report with local_problem set exits 6 ("could not check from here"), human or JSON,
    though its one finding is an error (which alone would be 5)."""
    code, out = _cli(["--check", D, *extra], monkeypatch, undetermined())
    assert code == 6
    if extra:
        assert json.loads(out)["local_problem"] == "dns-down"
    else:
        assert "Could not check from here." in out
        assert "[local-dns-down]" in out
        assert "Autoconfig" not in out  # no mechanism section blames the domain


@pytest.mark.parametrize("form", ["srv-zone", "pacc"])
def test_a_publishing_format_that_could_not_check_exits_6_not_5(form: str, monkeypatch):
    """With nothing to publish because this machine could not check, the exit is 6 (the
    domain is not at fault) and stderr says why, not that the domain publishes nothing."""
    out, err = io.StringIO(), io.StringIO()

    async def fake(target: str, **_: Any) -> DomainReport:
        return undetermined()

    monkeypatch.setattr(api, "check_domain", fake)
    code = main(["--check", D, "--format", form], stdout=out, stderr=err, stdin=io.StringIO())
    assert code == 6
    assert out.getvalue() == ""
    assert "could not check example.com from here" in err.getvalue()
    assert "names a server to publish" not in err.getvalue()


def test_help_and_schema_document_exit_6(monkeypatch):
    """--help lists 6 for --check, and --check --schema describes local_problem and exit 6."""
    out = io.StringIO()
    assert main(["--help"], stdout=out, stderr=io.StringIO()) == 0
    assert re.search(r"6 could not check from here", out.getvalue())
    schema = DomainReport.model_json_schema()
    assert "local_problem" in schema["properties"]
    assert "6" in schema["description"]
    assert "exits with 6" in schema["properties"]["local_problem"]["description"]


def test_an_online_ispdb_that_did_not_answer_is_not_reached_not_unlisted():
    """The view says the online ISPDB was "not reached" when it gave no answer, and "not
    listed" only when it answered without the domain."""
    report = sample_report()
    mechanisms = [
        m.model_copy(update={"reached": False}) if m.source is SourceName.ISPDB else m
        for m in report.mechanisms
    ]
    out = io.StringIO()
    term = Terminal(tty=False, colour=False, width=120, unicode=True)
    render_report(report.model_copy(update={"mechanisms": mechanisms}), out, term)
    assert re.search(r"online.*: not reached", out.getvalue())
    out = io.StringIO()
    render_report(report, out, term)
    assert "not reached" not in out.getvalue()
