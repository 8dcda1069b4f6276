"""Whom the password goes to, what is kept of a server's words, IMAP before POP3 by MX, and
--check on thousands of SRV records, against the real servers of the test world (issue 19:
items 2, 3, 5 and 9; tests/world/scenarios_trust.py and scenarios_check.py)."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import re
import time
from typing import Any

import pytest
from pydantic import SecretStr

from autoconf import Credentials, LoginStatus, Options, SourceName, Trust, discover
from autoconf.check import DomainReport, FindingCode
from autoconf.check.findings import MAX_SERVERS, MAX_SRV_RECORDS
from autoconf.cli import main
from autoconf.masking import MASK
from tests.timing import soon_after
from tests.world import WorldInfo
from tests.world.library import WITHOUT_GUESS, cli_args, library_options

pytestmark = pytest.mark.world

ECHOED = "Echo-Secret-4711"  # refused by the echo servers: never the world's password


def _run(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err, stdin=io.StringIO(stdin))
    return code, out.getvalue(), err.getvalue()


def _forms(username: str, password: str) -> list[str]:
    """The password as sent: itself, base64 alone (AUTH LOGIN), the PLAIN token, unpadded too."""
    alone = base64.b64encode(password.encode()).decode()
    token = base64.b64encode(f"\0{username}\0{password}".encode()).decode()
    return [password, alone, alone.rstrip("="), token, token.rstrip("=")]


@pytest.mark.parametrize("verify", [False, True])
async def test_google_workspace_by_mx_ranks_imap_first(world: WorldInfo, verify: bool):
    """Only an MX to aspmx.l.google.com: imap.gmail.com:993 first and smtp.gmail.com:465 first
    outgoing, with and without verification (the world serves Google's names on loopback)."""
    scenario = world.scenarios["mx-workspace"]
    options = library_options(world, sources=WITHOUT_GUESS, verify=verify)
    result = await discover(scenario.address, options=options)
    first_in, first_out = result.incoming[0], result.outgoing[0]
    assert (first_in.host, first_in.port) == ("imap.gmail.com", 993), result.incoming
    assert (first_out.host, first_out.port) == ("smtp.gmail.com", 465), result.outgoing
    assert SourceName.MX in first_in.sources
    if verify:
        assert first_in.verification is not None
        assert first_in.verification.ok


async def test_mx_and_autodiscover_redirects_agreeing_never_get_the_password(world: WorldInfo):
    """MX → mx.agree-evil.test and Autodiscover's redirectUrl/redirectAddr → agree-evil.test
    both name imap.agree-evil.test (a real Dovecot that would take the password): it stays
    below high trust and the password is not sent to it."""
    scenario = world.scenarios["trust-agree"]
    credentials = Credentials(scenario.address, SecretStr(world.password))
    options = library_options(world, sources=WITHOUT_GUESS, credentials=credentials)
    result = await discover(scenario.address, options=options)
    evil = next(s for s in result.incoming if s.host == "imap.agree-evil.test" and s.port == 993)
    assert {SourceName.MX, SourceName.AUTODISCOVER} <= set(evil.sources)
    assert evil.trust is not Trust.HIGH
    assert evil.verification is not None
    assert evil.verification.reachable
    assert evil.verification.login is LoginStatus.NOT_TRIED
    assert "password was not sent" in (evil.verification.login_detail or "")
    for server in result.incoming + result.outgoing:
        assert server.verification is None or server.verification.login is LoginStatus.NOT_TRIED


@pytest.mark.parametrize("view", ["--json", "--trace"])
def test_a_server_echoing_the_login_shows_no_form_of_the_password(world: WorldInfo, view: str):
    """POP3 AUTH PLAIN and SMTP AUTH LOGIN refused with the token echoed, base64 and decoded:
    neither --json nor the human --trace output holds the password in any form."""
    scenario = world.scenarios["echo-login"]
    login = ["--login", scenario.address, "--password-stdin"]
    argv = cli_args(world, scenario.address, "--sources", "autoconfig", *login, view)
    code, out, err = _run(argv, stdin=ECHOED + "\n")
    assert code == 3, out + err  # found, but the password was refused
    leaked = [form for form in _forms(scenario.address, ECHOED) if form in out + err]
    assert not leaked, out + err
    if view == "--json":
        result = json.loads(out)
        details = [
            s["verification"]["login_detail"] for s in result["incoming"] + result["outgoing"]
        ]
        assert all("bad credentials" in d and MASK in d for d in details), details


def test_check_of_thousands_of_srv_records_ends_on_time_and_small(world: WorldInfo):
    """--check of 6 × 1,000 SRV records under --timeout 10: the result comes within the
    deadline (plus slack), at most MAX_SERVERS servers probed, a report of a few hundred KB."""
    domain = world.scenarios["srv-thousands"].domain
    started = time.monotonic()
    code, out, err = _run([*cli_args(world, domain, "--check", "--json", "--timeout", "10")])
    elapsed = time.monotonic() - started
    report = DomainReport.model_validate(json.loads(out))
    # The check, and the command with its report, end at the deadline plus the room a loaded
    # machine adds (parsing one 45 KB SRV answer holds the event loop for up to ~1.5 s there).
    assert report.elapsed_ms / 1000.0 < soon_after(10.0), (report.elapsed_ms, elapsed)
    assert elapsed < soon_after(10.0), (report.elapsed_ms, elapsed)
    assert len(out) < 1_000_000
    assert code in (4, 5), err
    srv = next(m for m in report.mechanisms if m.mechanism.value == "srv")
    assert len(srv.dns) <= 6 * MAX_SRV_RECORDS
    assert len(report.servers) <= MAX_SERVERS


def _with_room(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Every phase limit of the CLI's check raised to ``seconds``: a loaded machine may hold a
    45 KB SRV answer past the 4 s first-byte limit, and this test is about the counts, not time."""
    from autoconf.cli import checking

    made = checking.options

    def roomy(*args: Any, **kwargs: Any) -> Options:
        phases = ("connect_timeout", "tls_timeout", "first_byte_timeout", "probe_budget")
        return dataclasses.replace(made(*args, **kwargs), **dict.fromkeys(phases, seconds))

    monkeypatch.setattr(checking, "options", roomy)


@pytest.mark.parametrize("view", ["--json", "human"])
def test_check_of_thousands_of_srv_records_says_what_it_left_out(
    world: WorldInfo, view: str, monkeypatch: pytest.MonkeyPatch
):
    """The same check through the CLI, given time to spare (deadline and phase limits of 30 s,
    so every SRV look-up answers even on a loaded machine): 16 records a service and 32 servers
    looked at, and how many were left out, in the JSON (records_left_out, servers_left_out, two
    findings) and in the human view."""
    _with_room(monkeypatch, 30.0)
    domain = world.scenarios["srv-thousands"].domain
    args = ["--check", "--no-verify", "--timeout", "30"] + (["--json"] if view == "--json" else [])
    _, out, err = _run(cli_args(world, domain, *args))
    if view != "--json":
        assert re.search(r"\d+ more servers were not probed", out), out
        assert re.search(r"\d+ SRV records were not checked", out), out
        return
    report = DomainReport.model_validate(json.loads(out))
    srv = next(m for m in report.mechanisms if m.mechanism.value == "srv")
    assert srv.records_left_out == 6 * (1000 - MAX_SRV_RECORDS), err
    assert len(srv.dns) == 6 * MAX_SRV_RECORDS
    assert len(report.servers) == MAX_SERVERS
    assert report.servers_left_out == 6 * MAX_SRV_RECORDS - MAX_SERVERS
    codes = {f.code for f in report.findings}
    assert {FindingCode.SRV_RECORDS_LEFT_OUT, FindingCode.SERVERS_LEFT_OUT} <= codes
