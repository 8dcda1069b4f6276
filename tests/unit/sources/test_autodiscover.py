"""Autodiscover: the pure redirect rule next_hop, SRV ordering, and a redirect to a blocked host."""

from __future__ import annotations

import ipaddress
import ssl
from types import SimpleNamespace

import pytest
import trustme

from autoconf import Options
from autoconf._data import default_ispdb
from autoconf.address import parse_address
from autoconf.models import AttemptStatus, DnssecStatus
from autoconf.net.addresses import AddressPolicy
from autoconf.net.cache import TTLCache
from autoconf.net.http import HttpFetcher, make_http_client
from autoconf.options import Deadline
from autoconf.parsers.autodiscover import AutodiscoverResponse
from autoconf.parsers.srv import SrvRecord, order_records
from autoconf.sources.autodiscover import (
    MAX_HOPS,
    AutodiscoverSource,
    Redirect,
    Refused,
    autodiscover_urls,
    next_hop,
)
from autoconf.sources.base import SourceContext
from tests.unit.fakes import FakeDns
from tests.unit.net.test_http import Reply, serve

ADDRESS = parse_address("jane@corp.example")
START = "https://corp.example/autodiscover/autodiscover.xml"


def hop(response: AutodiscoverResponse, *, hops: int = 0, seen: frozenset = frozenset()):
    return next_hop(response, url=START, address=ADDRESS, hops=hops, seen=seen)


def test_a_final_answer_has_no_next_hop():
    """Settings or an error: the chain ends there."""
    assert hop(AutodiscoverResponse()) is None
    assert hop(AutodiscoverResponse(error_code="600")) is None


def test_redirect_url_goes_on_over_https_with_the_same_address():
    """redirectUrl to HTTPS is followed, for the same address, and recorded for the warning."""
    target = "https://mail.hoster.example/autodiscover/autodiscover.xml"
    step = hop(AutodiscoverResponse(redirect_url=target))
    assert isinstance(step, Redirect)
    assert (step.urls, step.address) == ((target,), ADDRESS)
    assert target in step.message


@pytest.mark.parametrize("target", ["http://evil.example/a.xml", "ftp://x.example/", "//x/"])
def test_redirect_url_to_anything_but_https_is_refused(target: str):
    """A redirectUrl that is not HTTPS ends the chain."""
    step = hop(AutodiscoverResponse(redirect_url=target))
    assert isinstance(step, Refused)
    assert "non-HTTPS" in step.detail


def test_redirect_addr_starts_again_at_the_new_domain():
    """redirectAddr asks the new domain's endpoints, the autodiscover. host first."""
    step = hop(AutodiscoverResponse(redirect_addr="jane@hosted.example.net"))
    assert isinstance(step, Redirect)
    assert str(step.address) == "jane@hosted.example.net"
    assert step.urls == tuple(autodiscover_urls("hosted.example.net")[::-1])


def test_a_bad_redirect_addr_is_refused():
    """A redirectAddr that is no email address ends the chain with the reason."""
    step = hop(AutodiscoverResponse(redirect_addr="not an address"))
    assert isinstance(step, Refused)
    assert "bad redirectAddr" in step.detail


def test_hops_are_capped():
    """After MAX_HOPS redirects the next one is refused."""
    redirect = AutodiscoverResponse(redirect_url="https://next.example/a.xml")
    assert isinstance(hop(redirect, hops=MAX_HOPS - 1), Redirect)
    step = hop(redirect, hops=MAX_HOPS)
    assert isinstance(step, Refused)
    assert str(MAX_HOPS) in step.detail


def test_loops_are_refused_for_both_kinds():
    """A (URL, address) already asked is never asked again: redirectUrl and redirectAddr."""
    seen = frozenset({(START, str(ADDRESS))})
    assert isinstance(hop(AutodiscoverResponse(redirect_url=START), seen=seen), Refused)
    both = frozenset((u, str(ADDRESS)) for u in autodiscover_urls("corp.example"))
    step = hop(AutodiscoverResponse(redirect_addr=str(ADDRESS)), seen=both)
    assert isinstance(step, Refused)
    assert "loop" in step.detail


def test_a_cycle_of_redirects_ends_quickly():
    """Walking a→b→a with next_hop stops at the first repeat, not after MAX_HOPS."""
    targets = {START: "https://b.example/a.xml", "https://b.example/a.xml": START}
    url, hops, seen = START, 0, {(START, str(ADDRESS))}
    while True:
        step = next_hop(
            AutodiscoverResponse(redirect_url=targets[url]),
            url=url,
            address=ADDRESS,
            hops=hops,
            seen=seen,
        )
        if not isinstance(step, Redirect):
            break
        hops, url = hops + 1, step.urls[0]
        seen.add((url, str(ADDRESS)))
    assert isinstance(step, Refused)
    assert hops == 1


def context(dns: FakeDns, http: HttpFetcher, options: Options) -> SourceContext:
    network = SimpleNamespace(dns=dns, http=http, documents=TTLCache(), shared=None)
    return SourceContext(
        address=ADDRESS,
        options=options,
        deadline=Deadline(5),
        ispdb=default_ispdb(),
        network=lambda: network,  # type: ignore[arg-type,return-value]
    )


# The loopback test server stands for a public one: the policy lets 127.0.0.1 through, the
# rest of the private ranges stay refused (as allowed_networks does for a deployment).
LOOPBACK_ALLOWED = AddressPolicy(
    block_private=True, allowed=(ipaddress.ip_network("127.0.0.1/32"),)
)


def fetcher(
    dns: FakeDns, *, block: bool | AddressPolicy, trust: ssl.SSLContext | None = None
) -> HttpFetcher:
    client = make_http_client(
        dns=dns,  # type: ignore[arg-type]
        ssl_context=trust or ssl.create_default_context(),
        block_private=block,
    )
    return HttpFetcher(client, connect_timeout=1, tls_timeout=1, first_byte_timeout=1)


async def test_the_srv_endpoint_follows_the_srv_parsers_order():
    """Of several _autodiscover._tcp records the one order_records puts first is asked."""
    records = [
        SrvRecord(10, 90, 443, "heavy.example.net."),
        SrvRecord(10, 12, 8443, "light.example.net."),
        SrvRecord(5, 0, 0, "."),
    ]
    first = order_records(r for r in records if r.target != ".")[0]
    dns = FakeDns(srv=records)
    ctx = context(dns, fetcher(dns, block=False), Options())
    outcome = await AutodiscoverSource().run(ctx)
    srv_attempt = outcome.attempts[0]
    expected = f"https://{first.target.rstrip('.')}:{first.port}/autodiscover/autodiscover.xml"
    assert srv_attempt.detail == f"endpoint {expected}"
    assert first.target.rstrip(".") in dns.asked


async def test_a_redirect_url_to_a_blocked_host_is_not_followed():
    """With block_private, a redirectUrl to a host at 100.100.100.200 gets no connection."""
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("ad.hoster.example").configure_cert(server_ctx)
    trust = ssl.create_default_context()
    ca.configure_trust(trust)
    blocked = "https://metadata.example/autodiscover/autodiscover.xml"
    pox = (
        '<?xml version="1.0"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/'
        'autodiscover/responseschema/2006"><Response xmlns="http://schemas.microsoft.com/'
        'exchange/autodiscover/outlook/responseschema/2006a"><Account><Action>redirectUrl'
        f"</Action><RedirectUrl>{blocked}</RedirectUrl></Account></Response></Autodiscover>"
    ).encode()
    routes = {"/autodiscover/autodiscover.xml": Reply(body=pox)}
    async with serve(routes, tls=server_ctx) as server:
        dns = FakeDns(
            {"ad.hoster.example": ["127.0.0.1"], "metadata.example": ["100.100.100.200"]},
            srv=[SrvRecord(0, 0, server.port, "ad.hoster.example.")],
        )
        options = Options(block_private_addresses=True)
        outcome = await AutodiscoverSource().run(
            context(dns, fetcher(dns, block=LOOPBACK_ALLOWED, trust=trust), options)
        )
    last = outcome.attempts[-1]
    assert (last.target, last.status) == (blocked, AttemptStatus.BLOCKED)
    assert "blocked" in (last.detail or "")
    assert "metadata.example" in dns.asked
    assert server.connections == 1
    assert not outcome.incoming


@pytest.mark.parametrize(
    "status", [None, DnssecStatus.INSECURE, DnssecStatus.SECURE, DnssecStatus.BOGUS]
)
async def test_the_srv_attempt_carries_what_dnssec_proved(status: DnssecStatus | None):
    """The ``_autodiscover._tcp`` look-up is a DNS attempt like the SRV source's: it records
    the answer's DNSSEC status (None when off), so a bogus one is warned about."""
    dns = FakeDns(srv=[SrvRecord(0, 0, 443, "ad.hoster.example.")], dnssec=status)
    outcome = await AutodiscoverSource().run(context(dns, fetcher(dns, block=False), Options()))
    (srv,) = [a for a in outcome.attempts if a.target.endswith(" SRV")]
    assert srv.target == f"_autodiscover._tcp.{ADDRESS.domain} SRV"
    assert srv.dnssec is status
