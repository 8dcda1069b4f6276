"""The human CLI against the real servers of the test world: checks, warnings, trace, login."""

from __future__ import annotations

import io

import pytest

from autoconf.cli import main
from tests.world import WorldInfo
from tests.world.library import cli_args

pytestmark = pytest.mark.world


world_args = cli_args


def run(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err, stdin=io.StringIO(stdin))
    return code, out.getvalue(), err.getvalue()


def test_verified_servers_are_marked_working_and_safe(world: WorldInfo):
    """A well-published domain: every server checked live, the answer called safe."""
    scenario = world.scenarios["autoconfig"]
    code, out, _ = run(world_args(world, scenario.address, "--sources", "autoconfig"))
    assert code == 0
    assert f"Incoming:  IMAP {scenario.incoming.host} port 993, SSL/TLS" in out  # type: ignore[union-attr]
    assert "Safe: encrypted, and the servers answered a live check." in out
    rows = [line for line in out.splitlines() if line[2:7] in ("IMAP ", "POP3 ", "SMTP ")]
    assert rows
    assert all("✓ works, encrypted" in row for row in rows)


def test_wrong_certificate_is_explained_in_plain_words(world: WorldInfo):
    """A certificate for another name: ✗ with the reason, 'Not safe', and a plain warning."""
    code, out, _ = run(
        world_args(world, world.scenarios["wrong-name"].address, "--sources", "autoconfig")
    )
    assert code == 0  # settings were found; whether they are safe is said in words
    assert "✗ the certificate is for another name" in out
    assert "Not safe:" in out
    assert "certificate does not prove who it is" in out


def test_http_only_settings_carry_the_plain_http_warning(world: WorldInfo):
    """Settings only published over http:// are flagged in plain words."""
    code, out, _ = run(
        world_args(
            world,
            world.scenarios["http-only"].address,
            "--sources",
            "autoconfig,autoconfig-http",
            "--no-verify",
        )
    )
    assert code == 0
    assert "This setting came over unencrypted HTTP" in out
    assert "Be careful" in out


def test_trace_says_why_each_source_failed(world: WorldInfo):
    """--trace on a parked domain lists every URL and DNS query with the reason it failed."""
    scenario = world.scenarios["html-page"]
    code, out, _ = run(
        world_args(
            world,
            scenario.address,
            "--trace",
            "--no-verify",
            "--sources",
            "autoconfig,srv,mx,ispdb",
        )
    )
    assert code == 1
    assert "No settings found" in out
    tried = out.split("What was tried", 1)[1]
    assert f"https://autoconfig.{scenario.domain}/mail/config-v1.1.xml" in tried
    assert f"_imaps._tcp.{scenario.domain} SRV" in tried
    assert "HTML page" in tried


def test_login_checks_the_password_without_showing_it(world: WorldInfo):
    """--login with the world's password: sign-in ok; a wrong one: refused, said plainly."""
    scenario = world.scenarios["autoconfig"]
    argv = world_args(
        world,
        scenario.address,
        "--sources",
        "autoconfig",
        "--login",
        scenario.address,
        "--password-stdin",
    )
    code, out, err = run(argv, stdin=world.password + "\n")
    assert code == 0
    assert "✓ works, sign-in ok" in out
    assert world.password not in out + err
    code, out, _ = run(argv, stdin="not the password\n")
    assert code == 3  # found, but the password was refused
    assert "✗ sign-in refused" in out
    assert "sign-in was refused: check the user name and password" in out
    assert "not the password" not in out


def test_password_stdin_alone_signs_in_as_each_servers_own_user(world: WorldInfo):
    """--password-stdin without --login: the world's password signs in with the user name the
    autoconfig file gives (%EMAILADDRESS%), exit 0; a wrong password is exit 3; --login with a
    wrong user still overrides the file's user name (refused, exit 3)."""
    scenario = world.scenarios["autoconfig"]
    argv = world_args(world, scenario.address, "--sources", "autoconfig", "--password-stdin")
    code, out, err = run(argv, stdin=world.password + "\n")
    assert code == 0, out + err
    assert "✓ works, sign-in ok" in out
    assert "✗" not in out
    assert world.password not in out + err
    code, out, _ = run(argv, stdin="not the password\n")
    assert code == 3
    assert "✗ sign-in refused" in out
    code, out, _ = run([*argv, "--login", "nobody-here"], stdin=world.password + "\n")
    assert code == 3
    assert "✗ sign-in refused" in out


def test_json_names_a_silent_servers_failure_as_timeout(world: WorldInfo):
    """--json on SRV targets that accept TCP and never speak: each probe says "timeout"."""
    import json

    scenario = world.scenarios["silent"]
    code, out, _ = run(world_args(world, scenario.address, "--sources", "srv", "--json"))
    result = json.loads(out)
    probed = [
        server["verification"]
        for server in result["incoming"] + result["outgoing"]
        if server["verification"] is not None
    ]
    assert code == 0  # the SRV records name both servers; the probes tell they are silent
    assert probed
    assert {v["failure"] for v in probed} == {"timeout"}
    assert all(v["error"] for v in probed)  # the words for people stay beside it


def test_json_names_a_wrong_name_certificate_by_kind(world: WorldInfo):
    """--json on servers with a certificate for another name: kind "hostname-mismatch"."""
    import json

    scenario = world.scenarios["wrong-name"]
    code, out, _ = run(world_args(world, scenario.address, "--sources", "autoconfig", "--json"))
    result = json.loads(out)
    imap = next(s for s in result["incoming"] if s["host"] == scenario.incoming.host)  # type: ignore[union-attr]
    verification = imap["verification"]
    assert code == 0
    assert verification["failure"] == "certificate"
    assert verification["tls"] == "failed"
    assert verification["certificate"]["kind"] == "hostname-mismatch"
    assert verification["certificate"]["valid"] is False
