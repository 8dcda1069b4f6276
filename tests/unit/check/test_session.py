"""The check runs inside a Session, as a discovery does: same option rules, one owner of the
network's lifetime, and a public signature without private types."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import autoconf
from autoconf import api
from autoconf.check import DomainReport, run
from autoconf.errors import OptionsError
from autoconf.options import Options
from tests.unit.check.samples import sample_report

SESSION_DNS = Options(nameservers=(("127.0.0.1", 5353),))
OTHER_DNS = Options(nameservers=(("127.0.0.2", 53),))


@pytest.fixture
def handles(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """run_check replaced: it records the network handle it is given and returns a sample."""
    seen: list[Any] = []

    async def fake(target: str, *, options: Options, network: Any, **_: Any) -> DomainReport:
        seen.append(network())
        return sample_report()

    monkeypatch.setattr(run, "run_check", fake)
    return seen


async def test_a_session_refuses_for_the_check_what_it_refuses_for_a_discovery(handles):
    """Another nameservers value than the session's is an OptionsError for check_domain, as it
    is for discover, in both the method and the module-level call with ``session=``."""
    async with api.Session(SESSION_DNS) as session:
        with pytest.raises(OptionsError, match="nameservers"):
            await session.discover("jane@example.com", options=OTHER_DNS)
        with pytest.raises(OptionsError, match="nameservers"):
            await session.check_domain("example.com", options=OTHER_DNS)
        with pytest.raises(OptionsError, match="nameservers"):
            await api.check_domain("example.com", options=OTHER_DNS, session=session)
    assert handles == []


async def test_a_session_check_uses_the_sessions_network_and_leaves_it_open(handles):
    """Session.check_domain runs on the session's own DNS and HTTP client (a call that leaves
    nameservers unset inherits the session's), and does not close them."""
    async with api.Session(SESSION_DNS) as session:
        report = await session.check_domain("example.com", options=Options(deadline=2.0))
        assert isinstance(report, DomainReport)
        network = session.network()
        assert handles[0].dns is network.dns
        assert not network.client.is_closed
    assert network.client.is_closed


async def test_the_module_level_check_opens_and_closes_a_session_of_its_own(
    handles, monkeypatch: pytest.MonkeyPatch
):
    """autoconf.check_domain without a session makes a short-lived one and closes it."""
    closed: list[api.Session] = []
    real = api.Session.aclose

    async def aclose(self: api.Session) -> None:
        closed.append(self)
        await real(self)

    monkeypatch.setattr(api.Session, "aclose", aclose)
    await autoconf.check_domain("example.com", options=SESSION_DNS)
    assert len(closed) == 1
    assert handles[0].dns is not None


def test_check_domain_sync_is_the_async_call_run_to_its_end(handles):
    """check_domain_sync returns what check_domain returns."""
    assert autoconf.check_domain_sync("example.com") == sample_report()


def test_the_public_signatures_show_no_private_types():
    """check_domain, check_domain_sync and Session.check_domain take the address, options,
    an ISPDB and (module level) a Session: no test hook, no private protocol."""
    for function in (api.check_domain, api.check_domain_sync, api.Session.check_domain):
        parameters = inspect.signature(function).parameters
        assert "check_servers" not in parameters
        for parameter in parameters.values():
            parts = str(parameter.annotation).split("|")
            assert not any(part.strip().startswith("_") for part in parts), parameter
    assert set(inspect.signature(api.check_domain).parameters) == {
        "domain_or_address",
        "options",
        "ispdb",
        "session",
    }
