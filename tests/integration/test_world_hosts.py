"""A provider document naming servers at scoped IPv6 addresses (zone-id-host.test): discovery,
the API, --check and --check --format srv-zone end normally with those candidates refused
(issue 19, item 1). Verification is on: the refused hosts never reach a socket."""

from __future__ import annotations

import io
import json

import pytest

from autoconf import SourceName, WarningCode, discover_sync
from autoconf.api import check_domain_sync
from autoconf.check import FindingCode, Mechanism
from autoconf.cli import main
from tests.world import WorldInfo
from tests.world.library import cli_args, library_options

pytestmark = pytest.mark.world

SCENARIO = "zone-id-host"
AUTOCONFIG_ONLY = frozenset({SourceName.AUTOCONFIG})


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err, stdin=io.StringIO())
    return code, out.getvalue(), err.getvalue()


def test_discovery_refuses_the_scoped_hosts_and_keeps_the_real_ones(world: WorldInfo):
    """discover() returns the domain's real servers, verified, and a skipped-server warning
    for each scoped address; no host in the result holds a %."""
    scenario = world.scenarios[SCENARIO]
    options = library_options(world, sources=AUTOCONFIG_ONLY)
    result = discover_sync(scenario.address, options=options)
    hosts = {s.host for s in result.incoming + result.outgoing}
    assert hosts == {f"imap.{scenario.domain}", f"pop.{scenario.domain}", f"smtp.{scenario.domain}"}
    skipped = [w for w in result.warnings if w.code is WarningCode.SKIPPED_SERVER]
    assert len(skipped) == 5
    assert all("zone id" in w.message for w in skipped)
    assert result.incoming[0].verification is not None
    assert result.incoming[0].verification.reachable


def test_the_cli_exits_normally_with_json(world: WorldInfo):
    """python -m autoconf ADDRESS --json: exit 0, the real servers, no scoped host."""
    scenario = world.scenarios[SCENARIO]
    code, out, err = _run(cli_args(world, scenario.address, "--sources", "autoconfig", "--json"))
    assert code == 0, err
    data = json.loads(out)
    assert data["incoming"][0]["host"] == f"imap.{scenario.domain}"
    assert "%" not in "".join(s["host"] for s in data["incoming"] + data["outgoing"])


def test_the_check_reports_the_skipped_servers(world: WorldInfo):
    """check_domain() ends normally; the autoconfig mechanism names the real servers, and each
    scoped host is a skipped-server finding saying why."""
    report = check_domain_sync(
        world.scenarios[SCENARIO].domain, options=library_options(world, deadline=8.0)
    )
    (autoconfig,) = [m for m in report.mechanisms if m.mechanism is Mechanism.AUTOCONFIG]
    assert {s.host for s in autoconfig.incoming} == {
        f"imap.{report.domain}",
        f"pop.{report.domain}",
    }
    skipped = [f for f in report.findings if f.code is FindingCode.SKIPPED_SERVER]
    assert len(skipped) == 5  # each of the five once, though HTTPS and HTTP both serve it
    assert all("zone id" in f.message for f in skipped)
    assert all(len(f.evidence) >= 2 for f in skipped)  # every URL that served the file


@pytest.mark.parametrize("extra", [[], ["--format", "srv-zone"]])
def test_the_cli_check_exits_normally(world: WorldInfo, extra: list[str]):
    """--check and --check --format srv-zone exit with the check's status (4 or 5: the
    skipped servers are findings), never the internal error's 70; the zone lines publish the
    real servers only, nothing of the scoped hosts."""
    domain = world.scenarios[SCENARIO].domain
    code, out, err = _run(cli_args(world, domain, "--check", "--timeout", "8", *extra))
    assert code in (4, 5), err
    if extra:
        assert f"_imaps._tcp.{domain}. 3600 IN SRV 0 1 993 imap.{domain}." in out
        assert "%" not in out
        assert "PassCmd" not in out
    else:
        assert "skipped" in out.lower()
