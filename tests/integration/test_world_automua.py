"""automua 2023.0, a real autoconfig/Autodiscover server behind nginx: what the library reads.

automua writes ``<SSL>on</SSL><Encryption>TLS</Encryption>`` on 993/995/465 (implicit TLS)
and refuses a clientConfig request without ``?emailaddress=`` (issue 12, items 1 and 4).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from autoconf import (
    AttemptStatus,
    DiscoveryResult,
    Security,
    ServerSettings,
    SourceName,
    TlsStatus,
    WarningCode,
    discover_sync,
)
from autoconf.cli import main
from tests.world import WorldInfo, missing_dependencies
from tests.world.client import http
from tests.world.library import cli_args, library_options
from tests.world.scenarios import AddressPlan, build

pytestmark = pytest.mark.world

RECORDED = Path(__file__).resolve().parent.parent / "unit" / "documents" / "automua"
IMPLICIT_TLS = {("imap", 993), ("pop3", 995), ("smtp", 465)}
# Everything automua was seeded with: (protocol, host prefix, port, security).
SEEDED = {
    ("imap", "imap", 993, "tls"),
    ("imap", "imap", 143, "starttls"),
    ("pop3", "pop", 995, "tls"),
    ("pop3", "pop", 110, "starttls"),
    ("smtp", "smtp", 465, "tls"),
    ("smtp", "smtp", 587, "starttls"),
}
WELL_KNOWN = "/.well-known/autoconfig/mail/config-v1.1.xml"


def _servers(result: DiscoveryResult) -> list[ServerSettings]:
    return [*result.incoming, *result.outgoing]


def _endpoints(result: DiscoveryResult, domain: str) -> set[tuple[str, str, int, str]]:
    """(protocol, host prefix, port, security) of every candidate in `domain`."""
    return {
        (s.protocol.value, s.host.removesuffix(f".{domain}"), s.port, s.security.value)
        for s in _servers(result)
    }


def _discover(world: WorldInfo, *sources: SourceName, verify: bool) -> DiscoveryResult:
    # Every candidate probed (probe_all), not the best first: these tests read each one's check.
    options = library_options(world, sources=frozenset(sources), verify=verify, probe_all=True)
    return discover_sync(world.address("automua"), options=options)


def test_world_seeds_automua_like_the_recorded_answers() -> None:
    """The world's automua database is the one the recorded documents were made with."""
    recorded = json.loads((RECORDED / "initdb.json").read_text())
    content = build(AddressPlan(net=8))
    assert dict(content.automua_seed) == recorded
    assert content.scenarios["automua"].domain == content.automua_domain == "automua.test"


def test_missing_automua_venv_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without the automua venv the world lists it as missing (so CI fails instead of skipping)."""
    monkeypatch.setenv("MAIL_AUTOCONF_WORLD_CACHE", str(tmp_path))
    (tmp_path / "automx2-venv" / "bin").mkdir(parents=True)
    (tmp_path / "automx2-venv" / "bin" / "python").touch()
    missing = [m for m in missing_dependencies() if "venv" in m]
    assert missing == [f"automua venv ({tmp_path / 'automua-venv'})"]


def test_cli_json_reads_automua_implicit_tls_by_the_port(world: WorldInfo) -> None:
    """`python -m autoconf alice@automua.test --json`: 993/995/465 are tls, with port warnings."""
    s = world.scenarios["automua"]
    out, err = io.StringIO(), io.StringIO()
    code = main(cli_args(world, s.address, "--json"), stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    result: dict[str, Any] = json.loads(out.getvalue())
    servers = [*result["incoming"], *result["outgoing"]]
    by_endpoint = {(x["protocol"], x["port"]): x for x in servers}
    for protocol, port in IMPLICIT_TLS:
        assert by_endpoint[(protocol, port)]["security"] == "tls", (protocol, port)
    assert (result["incoming"][0]["host"], result["incoming"][0]["port"]) == (
        f"imap.{s.domain}",
        993,
    )
    assert result["incoming"][0]["security"] == "tls"
    assert (result["outgoing"][0]["port"], result["outgoing"][0]["security"]) == (465, "tls")
    from_port = [w for w in result["warnings"] if w["code"] == WarningCode.SECURITY_FROM_PORT]
    assert {w["host"] for w in from_port} == {f"{p}.{s.domain}" for p in ("imap", "pop", "smtp")}
    for warning in from_port:  # the warning names both the elements and the port
        assert "Encryption" in warning["message"]
        assert any(str(port) in warning["message"] for _, port in IMPLICIT_TLS)


def test_automua_needs_the_address_on_the_well_known_url(world: WorldInfo) -> None:
    """Behind nginx, automua answers .well-known with ?emailaddress= and refuses it without."""
    s = world.scenarios["automua"]
    bare = http(world, "GET", f"https://{s.domain}{WELL_KNOWN}")
    assert bare.status == 400
    answered = http(world, "GET", f"https://{s.domain}{WELL_KNOWN}?emailaddress={s.address}")
    assert answered.status == 200
    assert b"<clientConfig" in answered.body
    assert f"imap.{s.domain}".encode() in answered.body


def test_library_sends_the_address_on_both_https_autoconfig_urls(world: WorldInfo) -> None:
    """The library's .well-known and autoconfig.<domain> requests carry ?emailaddress=, and work."""
    s = world.scenarios["automua"]
    result = _discover(world, SourceName.AUTOCONFIG, verify=False)
    attempts = {urlsplit(a.target).netloc: a for a in result.attempts}
    for host, path in ((s.domain, WELL_KNOWN), (f"autoconfig.{s.domain}", "/mail/config-v1.1.xml")):
        attempt = attempts[host]
        url = urlsplit(attempt.target)
        assert (url.scheme, url.path) == ("https", path)
        assert parse_qs(url.query)["emailaddress"] == [s.address]
        assert attempt.status == AttemptStatus.OK, attempt
    assert _endpoints(result, s.domain) == SEEDED


@pytest.mark.parametrize("source", [SourceName.AUTOCONFIG, SourceName.AUTODISCOVER])
def test_each_automua_endpoint_alone_gives_every_server_right(
    world: WorldInfo, source: SourceName
) -> None:
    """automua's clientConfig and its Autodiscover answer each alone give all six servers right."""
    s = world.scenarios["automua"]
    result = _discover(world, source, verify=False)
    assert [a.status for a in result.attempts if a.source == source].count(AttemptStatus.OK) >= 1
    assert _endpoints(result, s.domain) == SEEDED
    assert all(x.sources == [source] for x in _servers(result))


def test_both_sources_answer_and_agree(world: WorldInfo) -> None:
    """With every source, each server comes from automua's autoconfig and Autodiscover alike."""
    s = world.scenarios["automua"]
    result = _discover(world, *SourceName, verify=False)
    ok = {a.source for a in result.attempts if a.status == AttemptStatus.OK}
    assert {SourceName.AUTOCONFIG, SourceName.AUTODISCOVER} <= ok
    assert _endpoints(result, s.domain) == SEEDED
    for x in _servers(result):
        assert {SourceName.AUTOCONFIG, SourceName.AUTODISCOVER} <= set(x.sources), x
    assert WarningCode.SOURCES_DISAGREE not in {w.code for w in result.warnings}


@pytest.mark.parametrize(
    "sources",
    [(SourceName.AUTODISCOVER,), (SourceName.AUTOCONFIG, SourceName.AUTODISCOVER)],
    ids=["autodiscover", "autoconfig+autodiscover"],
)
def test_implicit_tls_candidates_verify_as_working(
    world: WorldInfo, sources: tuple[SourceName, ...]
) -> None:
    """Probed live, automua's 993/995/465 are implicit TLS that works (no failed STARTTLS try)."""
    result = _discover(world, *sources, verify=True)
    checked = {(x.protocol.value, x.port): x for x in _servers(result)}
    for endpoint in IMPLICIT_TLS:
        server = checked[endpoint]
        assert server.security == Security.TLS, server
        v = server.verification
        assert v is not None, server
        assert v.reachable, v
        assert v.tls == TlsStatus.OK, v
        assert v.failure is None, v
        assert v.certificate is not None, v
        assert v.certificate.valid, v
    assert (result.incoming[0].port, result.incoming[0].security) == (993, Security.TLS)
    assert (result.outgoing[0].port, result.outgoing[0].security) == (465, Security.TLS)
