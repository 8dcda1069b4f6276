"""``--check`` on a machine whose DNS or network is broken: a real resolver process on loopback
that says NXDOMAIN for every name, never answers, or sends every name to an address where
nothing listens (tests/world/baddns.py). The check cannot judge the domain from here: exit 6,
one local-dns-down (or local-network-down) finding, no finding about the domain. Every code
of LOCAL_CODES is produced here."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from autoconf.check.report import LOCAL_CODES, FindingCode
from autoconf.cli import main

BADDNS = Path(__file__).resolve().parents[1] / "world" / "baddns.py"


def _resolver(mode: str) -> Iterator[str]:
    """``127.0.0.1:PORT`` of a running broken resolver in ``mode`` (stopped afterwards)."""
    process = subprocess.Popen(
        # -P: the script's folder is not put on sys.path, so its dns.py does not hide dnspython
        [sys.executable, "-P", str(BADDNS), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()


# How the domain's MX look-up ends with each broken resolver (the finding's first evidence).
_MX_SAYS = {"nxdomain": "no-domain", "silent": "timeout"}


@pytest.fixture(params=sorted(_MX_SAYS))
def broken_resolver(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """(mode, address) of a resolver that says NXDOMAIN for every name, or never answers."""
    for address in _resolver(request.param):
        yield request.param, address


@pytest.fixture
def unreachable_resolver() -> Iterator[str]:
    """A resolver that gives every name an address where nothing listens."""
    yield from _resolver("unreachable")


def _check(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, stdout=out, stderr=io.StringIO(), stdin=io.StringIO(), environ={})
    return code, out.getvalue()


@pytest.mark.parametrize("target", ["posteo.de", "jane@example.org"])
def test_a_broken_resolver_makes_the_check_say_it_could_not_check(
    broken_resolver: tuple[str, str], target: str
):
    """A domain the bundled data knows (posteo.de) and one it does not: exit 6, the one
    finding local-dns-down, no server probed, the online ISPDB not reached."""
    mode, resolver = broken_resolver
    argv = ["--check", target, "--nameserver", resolver, "--timeout", "8", "--json"]
    code, out = _check(argv)
    report = json.loads(out)
    assert code == 6, report["findings"]
    assert [f["code"] for f in report["findings"]] == ["local-dns-down"]
    assert _MX_SAYS[mode] in report["findings"][0]["evidence"][0]
    assert report["local_problem"] == "dns-down"
    assert report["servers"] == []
    online = [m for m in report["mechanisms"] if m["source"] == "ispdb"]
    assert [m["reached"] for m in online] == [False]


def test_the_human_view_says_it_could_not_check_and_blames_nothing(
    broken_resolver: tuple[str, str],
):
    """The view is the one finding and its fix about this machine: no mechanism section, no
    "make ... answer" aimed at a host the admin does not run."""
    argv = ["--check", "posteo.de", "--nameserver", broken_resolver[1], "--timeout", "8"]
    code, text = _check(argv)
    assert code == 6
    assert "Could not check from here." in text
    assert "[local-dns-down]" in text
    assert "autoconfig.thunderbird.net answer" not in text
    assert "nothing-published" not in text


def test_names_that_resolve_to_nowhere_make_the_check_say_the_network_is_down(
    unreachable_resolver: str,
):
    """Every name resolves, but nothing answers (not the online ISPDB, not the domain's web
    hosts): exit 6, the one finding local-network-down."""
    argv = ["--check", "posteo.de", "--nameserver", unreachable_resolver, "--timeout", "8"]
    code, out = _check([*argv, "--json"])
    report = json.loads(out)
    assert code == 6, report["findings"]
    assert [f["code"] for f in report["findings"]] == ["local-network-down"]
    assert report["local_problem"] == "network-down"


def test_every_local_code_is_produced_here():
    """The tests above produce every code about this machine (the world scenarios cannot)."""
    assert {FindingCode.LOCAL_DNS_DOWN, FindingCode.LOCAL_NETWORK_DOWN} == LOCAL_CODES


async def test_the_lookup_says_dns_down_with_a_resolver_that_never_answers(
    broken_resolver: tuple[str, str],
):
    """The lookup's own rule, the one the check reuses: with a resolver that says NXDOMAIN for
    everything, or never answers, discover() says domain_status dns-down."""
    from autoconf import Options, discover
    from autoconf.models import DomainStatus
    from autoconf.options import parse_nameserver

    options = Options(nameservers=(parse_nameserver(broken_resolver[1]),), deadline=8.0)
    result = await discover("jane@example.org", options=options)
    assert result.domain_status is DomainStatus.DNS_DOWN, result.attempts
