"""--password-stdin alone signs in as each server's own user name; --login USER overrides it;
a refused password is exit 3, not 0."""

from __future__ import annotations

import io
from typing import Any

import pytest

from autoconf.cli import main
from autoconf.cli.status import ExitCode
from autoconf.models import (
    FailureKind,
    LoginStatus,
    Protocol,
    SourceName,
    TlsStatus,
    Verification,
)
from autoconf.probe.conversation import Login

from ..fakes import ScriptedSource, server


def run(*argv: str, stdin: str = "", **kwargs: Any) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, stdin=io.StringIO(stdin), **kwargs)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def logins(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """Every (host, user name, password) a probe was given; each probe signs in fine."""
    seen: list[tuple[str, str, str]] = []

    async def fake_probe(srv: Any, *, login: Login | None = None, **_: Any) -> Verification:
        if login is not None:
            seen.append((srv.host, login.username, login.password))
        status = LoginStatus.OK if login is not None else LoginStatus.NOT_TRIED
        return Verification(reachable=True, tls=TlsStatus.OK, login=status)

    monkeypatch.setattr("autoconf.probe.driver.probe_server", fake_probe)
    return seen


def _sources() -> list[ScriptedSource]:
    return [
        ScriptedSource(
            SourceName.AUTOCONFIG,
            incoming=[server(username="jane.doe")],
            outgoing=[server(Protocol.SMTP, "smtp.example.com", 465, username="jane@example.com")],
        )
    ]


def test_password_stdin_alone_signs_in_with_each_servers_own_user_name(logins: list[Any]):
    """No --login: each server gets the user name its source gave, with the piped password."""
    code, out, err = run(
        "jane@example.com", "--password-stdin", stdin="s3cret\n", sources=_sources()
    )
    assert code == 0, err
    assert sorted(logins) == [
        ("imap.example.com", "jane.doe", "s3cret"),
        ("smtp.example.com", "jane@example.com", "s3cret"),
    ]
    assert "works, sign-in ok" in out
    assert "s3cret" not in out + err


def test_login_user_overrides_the_servers_user_names(logins: list[Any]):
    """--login USER with --password-stdin: every server gets USER, not its own user name."""
    code, _, err = run(
        "jane@example.com",
        "--login",
        "boss",
        "--password-stdin",
        stdin="s3cret\n",
        sources=_sources(),
    )
    assert code == 0, err
    assert {user for _, user, _ in logins} == {"boss"}


def _refused_sources() -> list[ScriptedSource]:
    refused = Verification(
        reachable=True,
        tls=TlsStatus.OK,
        login=LoginStatus.FAILED,
        failure=FailureKind.AUTH_REFUSED,
        login_detail="NO [AUTHENTICATIONFAILED] Authentication failed.",
    )
    fine = Verification(reachable=True, tls=TlsStatus.OK, login=LoginStatus.OK)
    return [
        ScriptedSource(
            SourceName.AUTOCONFIG,
            incoming=[server(verification=refused)],
            outgoing=[server(Protocol.SMTP, "smtp.example.com", 465, verification=fine)],
        )
    ]


def test_a_refused_password_is_exit_3_with_json_too():
    """The recommended server refused the password: exit 3 (human and --json), found or not."""
    for extra in ((), ("--json",)):
        code, out, _ = run(
            "jane@example.com",
            "--password-stdin",
            *extra,
            stdin="wrong\n",
            sources=_refused_sources(),
        )
        assert code == ExitCode.LOGIN_REFUSED == 3
        assert "imap.example.com" in out


def test_without_a_password_the_same_result_is_exit_0():
    """Exit 3 is about the caller's password: without one, found settings are exit 0."""
    code, _, _ = run("jane@example.com", sources=_refused_sources())
    assert code == 0


def test_help_documents_exit_3_and_password_stdin_alone():
    """--help names exit status 3 and says --password-stdin works without --login."""
    code, out, _ = run("--help")
    assert code == 0
    assert "3 found, but the password was refused" in out
    assert "each server's own user name" in " ".join(out.split())
