"""Hosts enter the library only as plain host names or plain IP literals (issue 19, item 1):
the one rule (normalize_host), and every place a host enters applying it."""

from __future__ import annotations

import ipaddress
import re
import string
from types import SimpleNamespace

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autoconf import Options, SourceName, WarningCode, discover_sync
from autoconf._data import default_ispdb
from autoconf.address import normalize_host, parse_address
from autoconf.errors import FetchError, FetchFailure, HostNotFound, NetworkError
from autoconf.models import AttemptStatus
from autoconf.net.cache import TTLCache
from autoconf.net.dns import DnsClient, MxRecord
from autoconf.net.http import HttpFetcher
from autoconf.options import Deadline
from autoconf.parsers.autodiscover import AutodiscoverResponse, parse_autodiscover
from autoconf.parsers.clientconfig import parse_clientconfig
from autoconf.parsers.srv import SrvRecord, settings_from_srv
from autoconf.sources.autodiscover import AutodiscoverSource, Refused, next_hop
from autoconf.sources.base import SourceContext
from autoconf.sources.mx import MxSource
from tests.unit.fakes import FakeDns, FakeSource

ADDRESS = parse_address("jane@example.com")
LONG_LABEL = "a" * 64

# Zone ids (with what Python's ipaddress lets through after '%'), controls, spaces, quotes,
# shell characters, empty and over-long labels, over-long names.
NOT_HOSTS = [
    "::1%eth0",
    "fe80::1%25eth0",
    "[::1%lo]",
    "::1%\nPassCmd evil",
    '::1%" auth off',
    "::1%;touch x|",
    "::1%a..b",
    f"::1%{LONG_LABEL}",
    "imap.example.com\nhost evil.example",
    "imap.example.com\x00",
    "imap.example.com\x1c",
    "imap example.com",
    "imap\texample.com",
    'imap"example.com',
    "imap'example.com",
    "imap;example.com",
    "imap|example.com",
    "imap$example.com",
    "imap`id`.example.com",
    "imap\\.example.com",
    "imap_x.example.com",
    "a..example.com",
    ".example.com",
    f"{LONG_LABEL}.example.com",
    ".".join(["a" * 60] * 5) + ".com",
    "xn--a.example.com",
    "[imap.example.com]",
    "imap.example.com:993",
    "https://imap.example.com",
    "",
    "   ",
    "localhost",
]


@pytest.mark.parametrize("host", NOT_HOSTS)
def test_the_rule_refuses_what_is_not_a_plain_host(host: str):
    """Zone ids, controls, spaces, quotes, shell characters and bad labels: a ValueError."""
    with pytest.raises(ValueError, match=r"host|domain|zone id|label|address"):
        normalize_host(host)


def test_the_rule_names_the_zone_id():
    """A scoped IPv6 address is refused saying why: a mail server is never a scoped address."""
    with pytest.raises(ValueError, match="zone id"):
        normalize_host("fe80::1%eth0")


_LDH_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")


def _plain(host: str) -> bool:
    """What a host may look like once accepted: a canonical IP, or LDH labels within limits."""
    try:
        return str(ipaddress.ip_address(host)) == host and "%" not in host
    except ValueError:
        pass
    labels = host.split(".")
    return len(host) <= 253 and all(_LDH_LABEL.fullmatch(label) for label in labels)


# Pieces that make IP literals, zone ids, labels and the characters around them likely.
HOST_PIECES = st.one_of(
    st.sampled_from(
        ["::1%", "fe80::1", "%", "[", "]", "192.0.2.1", "imap.", "xn--", ".", "a" * 63]
    ),
    st.sampled_from(list(string.ascii_letters + string.digits + "-:%_ \t\n\"';|$`\\")),
    st.characters(),
)


@given(st.lists(HOST_PIECES, max_size=8).map("".join))
def test_whatever_the_rule_accepts_is_plain_and_stays_so(text: str):
    """Any text: either a ValueError (the IDNA codec's UnicodeError included) or a plain
    host that the rule returns unchanged."""
    try:
        host = normalize_host(text)
    except ValueError:
        return
    assert _plain(host), host
    assert normalize_host(host) == host


def _clientconfig(*hosts: str) -> bytes:
    servers = "".join(
        f'<incomingServer type="imap"><hostname>{h}</hostname><port>993</port>'
        "<socketType>SSL</socketType><authentication>password-cleartext</authentication>"
        "</incomingServer>"
        for h in hosts
    )
    return (
        '<clientConfig version="1.1"><emailProvider id="p"><domain>example.com</domain>'
        f"{servers}</emailProvider></clientConfig>"
    ).encode()


@pytest.mark.parametrize("bad", ["::1%0a;touch x", "::1%a..b", f"::1%{LONG_LABEL}", "a b.c"])
def test_a_clientconfig_drops_the_bad_host_and_keeps_the_rest(bad: str):
    """A refused <hostname> is a dropped server and a skipped-server warning, not a failed
    document: the good server of the same document is kept."""
    config = parse_clientconfig(_clientconfig(bad, "imap.example.com"), ADDRESS)
    assert [s.host for s in config.incoming] == ["imap.example.com"]
    assert any(w.code is WarningCode.SKIPPED_SERVER for w in config.warnings)


def test_an_autodiscover_response_drops_the_bad_host_and_keeps_the_rest():
    """A refused <Server> in a POX answer is skipped with a warning; the next one stands."""

    def protocol(kind: str, host: str) -> str:
        return (
            f"<Protocol><Type>{kind}</Type><Server>{host}</Server><Port>993</Port>"
            "<SSL>on</SSL></Protocol>"
        )

    body = (
        '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/'
        'responseschema/2006"><Response xmlns="http://schemas.microsoft.com/exchange/'
        'autodiscover/outlook/responseschema/2006a"><Account><AccountType>email</AccountType>'
        f"<Action>settings</Action>{protocol('IMAP', '::1%a..b')}"
        f"{protocol('IMAP', 'imap.example.com')}</Account></Response></Autodiscover>"
    ).encode()
    response = parse_autodiscover(body, ADDRESS)
    assert [s.host for s in response.incoming] == ["imap.example.com"]
    assert any(w.code is WarningCode.SKIPPED_SERVER for w in response.warnings)


@pytest.mark.parametrize(
    "target", ["::1%eth0.", "fe80::1%a..b.", f"::1%{LONG_LABEL}.", f"{LONG_LABEL}.example.com."]
)
def test_a_bad_srv_target_is_skipped(target: str):
    """An SRV target that is not a host name (a DNS label may hold '::1%eth0', and dnspython
    writes it so) is a skipped candidate with a warning."""
    answers = {
        "_imaps._tcp": [SrvRecord(0, 0, 993, target), SrvRecord(1, 0, 993, "imap.example.com.")]
    }
    settings = settings_from_srv(answers, ADDRESS)
    assert [s.host for s in settings.incoming] == ["imap.example.com"]
    assert settings.warnings[0].code is WarningCode.SKIPPED_SERVER


@pytest.mark.parametrize(
    "target", ["https://[::1%25eth0]/a.xml", "https://a..b.example/a.xml", "https://[x/a.xml"]
)
def test_a_redirect_url_to_a_bad_host_is_refused(target: str):
    """Autodiscover's redirectUrl is refused when its host is not a plain host."""
    step = next_hop(
        AutodiscoverResponse(redirect_url=target),
        url="https://example.com/autodiscover/autodiscover.xml",
        address=ADDRESS,
        hops=0,
    )
    assert isinstance(step, Refused)
    assert "refused" in step.detail


class _MxDns(FakeDns):
    def __init__(self, exchange: str) -> None:
        super().__init__()
        self.exchange = exchange

    async def mx(self, domain: str, deadline: Deadline, *, limit: float | None = None):
        return [MxRecord(10, self.exchange)]


def _context(dns: FakeDns) -> SourceContext:
    http = HttpFetcher(
        httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(404))),
        connect_timeout=1,
        tls_timeout=1,
        first_byte_timeout=1,
    )
    network = SimpleNamespace(dns=dns, http=http, documents=TTLCache(), shared=None)
    return SourceContext(
        address=ADDRESS,
        options=Options(),
        deadline=Deadline(5),
        ispdb=default_ispdb(),
        network=lambda: network,  # type: ignore[arg-type,return-value]
    )


@pytest.mark.parametrize("exchange", ["mx\\032evil.example.net", f"{LONG_LABEL}.example.net"])
async def test_a_bad_mx_target_is_a_refused_attempt(exchange: str):
    """An MX host that is not a host name ends the MX source with a detail, asking nothing."""
    outcome = await MxSource().run(_context(_MxDns(exchange)))
    (attempt,) = outcome.attempts
    assert attempt.status is AttemptStatus.ERROR
    assert "refused" in (attempt.detail or "")
    assert outcome.incoming == []


async def test_a_bad_autodiscover_srv_target_is_not_fetched():
    """The _autodiscover._tcp target goes through the rule before it becomes a URL."""
    dns = FakeDns(srv=[SrvRecord(0, 0, 443, f"{LONG_LABEL}.example.com.")])
    outcome = await AutodiscoverSource().run(_context(dns))
    srv_attempt = outcome.attempts[0]
    assert srv_attempt.status is AttemptStatus.ERROR
    assert "refused" in (srv_attempt.detail or "")


@pytest.mark.parametrize("host", ["::1%a..b", f"::1%{LONG_LABEL}", "::1%eth0", "a\u0000b.example"])
async def test_the_dns_client_refuses_a_host_that_is_not_plain(host: str):
    """Whoever built the host, the one address look-up refuses it as HostNotFound (never a
    UnicodeError from the IDNA codec, never a socket call)."""
    client = DnsClient(nameservers=(("127.0.0.1", 9),))
    with pytest.raises(HostNotFound):
        await client.addresses(host, Deadline(1))


@pytest.mark.parametrize(
    "location",
    ["https://[::1%25eth0]/x", "https://xn--a.example/x", "https://a%20b.example/x", "//[fe80::1"],
)
async def test_an_http_redirect_to_a_bad_host_is_refused(location: str):
    """An HTTP Location naming no plain host is refused as a NetworkError (a refused redirect
    where the library judges it), never an IDNA UnicodeError escaping."""
    client = httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(302, headers={"location": location}))
    )
    fetcher = HttpFetcher(client, connect_timeout=1, tls_timeout=1, first_byte_timeout=1)
    with pytest.raises(NetworkError) as caught:
        await fetcher.get("https://a.example/x", Deadline(5))
    if isinstance(caught.value, FetchError):
        assert caught.value.kind is FetchFailure.REDIRECT_REFUSED


@pytest.mark.parametrize("host", ["::1%a..b", f"::1%{LONG_LABEL}"])
def test_discover_with_a_source_naming_a_scoped_host_returns_normally(host: str):
    """A source of the caller's own naming such a host: discover() returns, the server not
    reachable, instead of the IDNA codec's UnicodeError escaping from the probe."""
    result = discover_sync(
        "jane@example.com",
        sources=[FakeSource(SourceName.AUTOCONFIG, 0, host=host)],
        options=Options(
            sources=frozenset({SourceName.AUTOCONFIG}),
            nameservers=(("127.0.0.1", 9),),
            deadline=5,
        ),
    )
    verification = result.incoming[0].verification
    assert verification is not None
    assert not verification.reachable
