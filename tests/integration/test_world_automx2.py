"""automx2, a real autoconfig/Autodiscover server, answers behind nginx; the library parses it."""

from __future__ import annotations

from typing import Any

import defusedxml.ElementTree as SafeET
import pytest

from tests.world import WorldInfo
from tests.world.client import http
from tests.world.scenarios import AUTOCONFIG_PATH, AUTODISCOVER_PATH

pytestmark = pytest.mark.world

_REQUEST = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/'
    'requestschema/2006"><Request><EMailAddress>{address}</EMailAddress>'
    "<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/"
    "responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>"
)


def _clientconfig(world: WorldInfo) -> bytes:
    s = world.scenarios["automx2"]
    url = f"https://autoconfig.{s.domain}{AUTOCONFIG_PATH}?emailaddress={s.address}"
    answer = http(world, "GET", url)
    assert answer.status == 200
    assert "xml" in answer.content_type
    return answer.body


def _autodiscover(world: WorldInfo) -> bytes:
    s = world.scenarios["automx2"]
    answer = http(
        world,
        "POST",
        f"https://autodiscover.{s.domain}{AUTODISCOVER_PATH}",
        content=_REQUEST.format(address=s.address).encode(),
        headers={"Content-Type": "text/xml; charset=utf-8"},
    )
    assert answer.status == 200
    return answer.body


def test_automx2_serves_a_clientconfig_document(world: WorldInfo) -> None:
    """automx2's Mozilla endpoint returns a clientConfig naming the seeded servers."""
    root = SafeET.fromstring(_clientconfig(world))
    assert root.tag == "clientConfig"
    hosts = {e.text for e in root.iter("hostname")}
    d = world.domains["automx2"]
    assert {f"imap.{d}", f"smtp.{d}"} <= hosts


def test_automx2_serves_an_autodiscover_response(world: WorldInfo) -> None:
    """automx2's Outlook endpoint returns an Autodiscover response with protocol settings."""
    root = SafeET.fromstring(_autodiscover(world))
    assert root.tag.endswith("}Autodiscover")
    servers = {e.text for e in root.iter() if e.tag.endswith("}Server")}
    d = world.domains["automx2"]
    assert {f"imap.{d}", f"smtp.{d}"} <= servers


def _triple(server: Any) -> tuple[str, int, str]:
    """(host, port, security) of a library ServerSettings; security may be an enum."""
    security = server.security
    return (server.host, server.port, str(getattr(security, "value", security)))


def test_library_parses_automx2_clientconfig(world: WorldInfo) -> None:
    """autoconf's clientConfig parser turns automx2's answer into the expected servers."""
    clientconfig = pytest.importorskip("autoconf.parsers.clientconfig")
    address_mod = pytest.importorskip("autoconf.address")
    s = world.scenarios["automx2"]
    address = address_mod.parse_address(s.address)
    config = clientconfig.parse_clientconfig(_clientconfig(world), address)
    assert s.incoming is not None
    assert s.outgoing is not None
    assert _triple(config.incoming[0]) == (s.incoming.host, s.incoming.port, s.incoming.security)
    assert _triple(config.outgoing[0]) == (s.outgoing.host, s.outgoing.port, s.outgoing.security)
    assert config.incoming[0].username == s.address


def test_library_parses_automx2_autodiscover(world: WorldInfo) -> None:
    """autoconf's Autodiscover parser reads automx2's settings, STARTTLS ports included."""
    autodiscover = pytest.importorskip("autoconf.parsers.autodiscover")
    address_mod = pytest.importorskip("autoconf.address")
    s = world.scenarios["automx2"]
    address = address_mod.parse_address(s.address)
    response = autodiscover.parse_autodiscover(_autodiscover(world), address)
    assert response.redirect_url is None
    assert response.redirect_addr is None
    assert s.incoming is not None
    assert s.outgoing is not None
    assert _triple(response.incoming[0]) == (s.incoming.host, s.incoming.port, s.incoming.security)
    assert _triple(response.outgoing[0]) == (s.outgoing.host, s.outgoing.port, s.outgoing.security)
    # automx2 writes STARTTLS as <SSL>off</SSL><Encryption>TLS</Encryption>.
    d = s.domain
    assert (f"imap.{d}", 143, "starttls") in {_triple(x) for x in response.incoming}
    assert (f"smtp.{d}", 587, "starttls") in {_triple(x) for x in response.outgoing}
