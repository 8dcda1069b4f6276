"""The world's web servers serve what each scenario claims (by IP, TLS checked for the name)."""

from __future__ import annotations

import ssl

import defusedxml.ElementTree as SafeET
import httpx
import pytest

from tests.world import Expect, WorldInfo
from tests.world.client import http
from tests.world.scenarios import AUTOCONFIG_PATH, AUTODISCOVER_PATH, WELL_KNOWN_PATH

pytestmark = pytest.mark.world

_SECURITY = {"SSL": "tls", "STARTTLS": "starttls", "plain": "plain"}
_AD_NS = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a}"
_AD_REQUEST = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/'
    b'requestschema/2006"><Request><EMailAddress>%s</EMailAddress>'
    b"<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/"
    b"responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>"
)


def _first(body: bytes, tag: str) -> Expect:
    root = SafeET.fromstring(body)
    assert root.tag == "clientConfig"
    server = root.find(f"emailProvider/{tag}")
    assert server is not None, tag
    return Expect(
        server.findtext("hostname", ""),
        int(server.findtext("port", "0")),
        _SECURITY[server.findtext("socketType", "")],  # type: ignore[arg-type]
    )


def _assert_document_matches(world: WorldInfo, scenario: str, answer_body: bytes) -> None:
    s = world.scenarios[scenario]
    assert _first(answer_body, "incomingServer") == s.incoming
    if scenario == "well-known":
        # This document lists 587/STARTTLS first on purpose: the library must rank 465 first.
        assert s.outgoing is not None
        assert _first(answer_body, "outgoingServer") == Expect(s.outgoing.host, 587, "starttls")
    else:
        assert _first(answer_body, "outgoingServer") == s.outgoing


# (scenario, URL template, redirects to follow); {d} is the scenario's domain.
AUTOCONFIG_CASES = [
    ("autoconfig", "https://autoconfig.{d}" + AUTOCONFIG_PATH, 0),
    ("well-known", "https://{d}" + WELL_KNOWN_PATH, 0),
    ("disagree", "https://autoconfig.{d}" + AUTOCONFIG_PATH, 0),
    ("idn", "https://autoconfig.{d}" + AUTOCONFIG_PATH, 0),
    ("http-redirect", "https://autoconfig.{d}" + AUTOCONFIG_PATH, 1),
    ("http-only", "http://autoconfig.{d}" + AUTOCONFIG_PATH, 0),
    ("wrong-name", "https://autoconfig.{d}" + AUTOCONFIG_PATH, 0),
    ("expired", "https://autoconfig.{d}" + AUTOCONFIG_PATH, 0),
]


@pytest.mark.parametrize(("scenario", "template", "follow"), AUTOCONFIG_CASES)
def test_autoconfig_document_names_the_expected_servers(
    world: WorldInfo, scenario: str, template: str, follow: int
) -> None:
    """The scenario's autoconfig URL answers 200 text/xml whose first servers are the expected."""
    d = world.domains[scenario]
    url = template.format(d=d) + f"?emailaddress={world.address(scenario)}"
    answer = http(world, "GET", url, follow=follow)
    assert answer.status == 200
    assert answer.content_type.startswith("text/xml")
    assert len(answer.history) == follow
    _assert_document_matches(world, scenario, answer.body)


def test_well_known_scenario_has_no_autoconfig_host_document(world: WorldInfo) -> None:
    """wellknown.test serves no autoconfig.{domain} document (the name does not exist)."""
    d = world.domains["well-known"]
    assert f"autoconfig.{d}" not in world.hosts
    answer = http(world, "GET", f"https://{d}{AUTOCONFIG_PATH}")
    assert answer.status == 404


def test_http_only_scenario_refuses_https(world: WorldInfo) -> None:
    """autoconfig.http-autoconfig.test has no HTTPS listener: the connection is refused."""
    d = world.domains["http-only"]
    with pytest.raises(httpx.ConnectError):
        http(world, "GET", f"https://autoconfig.{d}{AUTOCONFIG_PATH}")


def test_ispdb_serves_the_hosting_company_and_listed_domain(world: WorldInfo) -> None:
    """The world's ISPDB answers for hostingco.test and ispdb-listed.test, 404 otherwise."""
    hosted = http(world, "GET", world.ispdb_url + "hostingco.test")
    assert hosted.status == 200
    assert hosted.content_type.startswith("application/xml")
    _assert_document_matches(world, "mx-hosting", hosted.body)
    listed = http(world, "GET", world.ispdb_url + world.domains["ispdb"])
    _assert_document_matches(world, "ispdb", listed.body)
    for domain in (world.domains["mx-hosting"], world.domains["autoconfig"], "gmail.com"):
        assert http(world, "GET", world.ispdb_url + domain).status == 404


def _autodiscover(world: WorldInfo, url: str, address: str) -> SafeET.Element:
    answer = http(
        world,
        "POST",
        url,
        content=_AD_REQUEST % address.encode(),
        headers={"Content-Type": "text/xml; charset=utf-8"},
    )
    assert answer.status == 200, url
    account = SafeET.fromstring(answer.body).find(f"{_AD_NS}Response/{_AD_NS}Account")
    assert account is not None
    return account


def test_autodiscover_redirect_url_then_addr_then_settings(world: WorldInfo) -> None:
    """Autodiscover: redirectUrl -> redirectAddr (other domain) -> settings naming real servers."""
    s = world.scenarios["autodiscover"]
    d = s.domain
    assert http(world, "POST", f"https://{d}{AUTODISCOVER_PATH}", content=b"<x/>").status == 404
    first = _autodiscover(world, f"https://autodiscover.{d}{AUTODISCOVER_PATH}", s.address)
    assert first.findtext(f"{_AD_NS}Action") == "redirectUrl"
    hop = first.findtext(f"{_AD_NS}RedirectUrl", "")
    assert hop == f"https://exchange.{d}{AUTODISCOVER_PATH}"
    second = _autodiscover(world, hop, s.address)
    assert second.findtext(f"{_AD_NS}Action") == "redirectAddr"
    new_address = second.findtext(f"{_AD_NS}RedirectAddr", "")
    new_domain = new_address.split("@")[1]
    third = _autodiscover(
        world, f"https://autodiscover.{new_domain}{AUTODISCOVER_PATH}", new_address
    )
    assert third.findtext(f"{_AD_NS}Action") == "settings"
    protocols = [
        (p.findtext(f"{_AD_NS}Type"), p.findtext(f"{_AD_NS}Server"), p.findtext(f"{_AD_NS}Port"))
        for p in third.findall(f"{_AD_NS}Protocol")
    ]
    assert s.incoming is not None
    assert s.outgoing is not None
    assert protocols[0] == ("IMAP", s.incoming.host, str(s.incoming.port))
    assert ("SMTP", s.outgoing.host, str(s.outgoing.port)) in protocols


def test_html_page_scenario_answers_html(world: WorldInfo) -> None:
    """Both autoconfig URLs of html-page.test answer 200 text/html, not XML."""
    d = world.domains["html-page"]
    for url in (f"https://autoconfig.{d}{AUTOCONFIG_PATH}", f"https://{d}{WELL_KNOWN_PATH}"):
        answer = http(world, "GET", url)
        assert answer.status == 200
        assert answer.content_type.startswith("text/html")
        assert answer.body.startswith(b"<!DOCTYPE html>")


def test_broken_xml_scenario_answers_broken_documents(world: WorldInfo) -> None:
    """broken-xml.test: autoconfig is 200 text/xml but not well-formed; .well-known is 500."""
    d = world.domains["broken-xml"]
    answer = http(world, "GET", f"https://autoconfig.{d}{AUTOCONFIG_PATH}")
    assert answer.status == 200
    assert answer.content_type.startswith("text/xml")
    assert answer.body.startswith(b"<?xml")
    with pytest.raises(SafeET.ParseError):
        SafeET.fromstring(answer.body)
    assert http(world, "GET", f"https://{d}{WELL_KNOWN_PATH}").status == 500


def test_redirect_loop_never_ends(world: WorldInfo) -> None:
    """redirect-loop.test's autoconfig URLs redirect in a circle, past any sane hop limit."""
    d = world.domains["redirect-loop"]
    for url in (f"https://autoconfig.{d}{AUTOCONFIG_PATH}", f"https://{d}{WELL_KNOWN_PATH}"):
        with pytest.raises(httpx.TooManyRedirects):
            http(world, "GET", url, follow=12)


def test_autodiscover_redirect_url_ping_pongs(world: WorldInfo) -> None:
    """redirect-loop.test's Autodiscover endpoints send redirectUrl to each other forever."""
    d = world.domains["redirect-loop"]
    address = world.address("redirect-loop")
    url = f"https://autodiscover.{d}{AUTODISCOVER_PATH}"
    seen = []
    for _ in range(4):
        account = _autodiscover(world, url, address)
        assert account.findtext(f"{_AD_NS}Action") == "redirectUrl"
        url = account.findtext(f"{_AD_NS}RedirectUrl", "")
        seen.append(url)
    assert seen[0] == seen[2]
    assert seen[1] == seen[3]
    assert seen[0] != seen[1]


@pytest.mark.parametrize(
    ("scenario", "reason"),
    [("wrong-name", "Hostname mismatch"), ("expired", "certificate has expired")],
)
def test_bad_certificate_on_the_bare_domain(world: WorldInfo, scenario: str, reason: str) -> None:
    """https://{domain}/.well-known/... of wrong-name/expired fails certificate verification."""
    d = world.domains[scenario]
    with pytest.raises(httpx.ConnectError) as caught:
        http(world, "GET", f"https://{d}{WELL_KNOWN_PATH}")
    cause = caught.value.__context__ or caught.value.__cause__
    assert isinstance(cause, ssl.SSLCertVerificationError) or reason in str(caught.value)
    assert reason in str(caught.value)
