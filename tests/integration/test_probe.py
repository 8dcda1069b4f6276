"""Live verification against the real Dovecot and Postfix of the test world, and guessing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from autoconf import (
    Credentials,
    LoginStatus,
    Options,
    ServerSettings,
    SourceName,
    TlsStatus,
    WarningCode,
    default_sources,
    discover,
)
from autoconf.models import FailureKind
from autoconf.net.dns import DnsClient
from autoconf.net.tls import make_ssl_context
from autoconf.options import Deadline
from autoconf.probe.conversation import Login
from autoconf.probe.driver import ProbeLimits, probe_server
from autoconf.sources.guess import GuessSource
from tests.timing import halfway, soon_after
from tests.world import WorldInfo
from tests.world.library import library_options

pytestmark = pytest.mark.world


async def probe(
    world: WorldInfo,
    protocol: str,
    host: str,
    port: int,
    security: str,
    login: Login | None = None,
    deadline: float = 10.0,
    options: Options | None = None,
):
    dns = DnsClient(nameservers=(world.nameserver,))
    server = ServerSettings(protocol=protocol, host=host, port=port, security=security)
    return await probe_server(
        server,
        dns=dns,
        ssl_context=make_ssl_context(ca_file=Path(world.ca_file)),
        deadline=Deadline(deadline),
        limits=ProbeLimits.from_options(options or Options()),
        login=login,
    )


def login_for(world: WorldInfo, domain: str, password: str | None = None) -> Login:
    return Login(f"{world.user}@{domain}", password or world.password)


async def test_imap_993_implicit_tls(world: WorldInfo):
    """Dovecot 993: TLS ok with a valid certificate; IMAP4rev1 and AUTH=PLAIN offered."""
    d = world.domains["autoconfig"]
    v = await probe(world, "imap", f"imap.{d}", 993, "tls")
    assert v.reachable
    assert v.tls is TlsStatus.OK
    assert v.error is None
    assert v.certificate is not None
    assert v.certificate.valid
    assert f"imap.{d}" in v.certificate.subject_names
    assert v.certificate.not_after is not None
    assert v.certificate.issuer
    assert "IMAP4rev1" in v.capabilities
    assert "AUTH=PLAIN" in v.capabilities
    assert "PLAIN" in v.sasl_mechanisms


async def test_imap_143_starttls(world: WorldInfo):
    """Dovecot 143: STARTTLS performed, LOGINDISABLED before TLS, AUTH=PLAIN after."""
    d = world.domains["autoconfig"]
    v = await probe(world, "imap", f"imap.{d}", 143, "starttls")
    assert v.tls is TlsStatus.OK
    assert v.error is None
    assert "LOGINDISABLED" in v.capabilities_before_tls
    assert "AUTH=PLAIN" not in v.capabilities_before_tls
    assert "AUTH=PLAIN" in v.capabilities
    assert v.certificate is not None
    assert v.certificate.valid


@pytest.mark.parametrize(("port", "security"), [(995, "tls"), (110, "starttls")])
async def test_pop3_tls_and_stls(world: WorldInfo, port: int, security: str):
    """Dovecot POP3 995 and 110: TLS performed; SASL PLAIN offered after TLS."""
    d = world.domains["autoconfig"]
    v = await probe(world, "pop3", f"pop.{d}", port, security)
    assert v.tls is TlsStatus.OK
    assert v.error is None
    assert "PLAIN" in v.sasl_mechanisms
    if security == "starttls":
        assert "STLS" in v.capabilities_before_tls
        sasl_before = [c for c in v.capabilities_before_tls if c.upper().startswith("SASL")]
        assert all("PLAIN" not in c.upper() for c in sasl_before)


async def test_smtp_465_587_25(world: WorldInfo):
    """Postfix 465 TLS ok; 587 STARTTLS with AUTH only after TLS; 25 offers no AUTH."""
    d = world.domains["autoconfig"]
    implicit = await probe(world, "smtp", f"smtp.{d}", 465, "tls")
    assert implicit.tls is TlsStatus.OK
    assert "PLAIN" in implicit.sasl_mechanisms
    submission = await probe(world, "smtp", f"smtp.{d}", 587, "starttls")
    assert submission.tls is TlsStatus.OK
    assert not any(c.upper().startswith("AUTH") for c in submission.capabilities_before_tls)
    assert "PLAIN" in submission.sasl_mechanisms
    relay = await probe(world, "smtp", f"smtp.{d}", 25, "starttls")
    assert relay.tls is TlsStatus.OK
    assert relay.sasl_mechanisms == []


@pytest.mark.parametrize(
    ("protocol", "prefix", "port", "security"),
    [
        ("imap", "imap", 993, "tls"),
        ("imap", "imap", 143, "starttls"),
        ("pop3", "pop", 995, "tls"),
        ("pop3", "pop", 110, "starttls"),
        ("smtp", "smtp", 465, "tls"),
        ("smtp", "smtp", 587, "starttls"),
    ],
)
async def test_login_ok_and_failed(world: WorldInfo, protocol, prefix, port, security):
    """The world's user logs in; a wrong password is login failed with the server's reason."""
    d = world.domains["autoconfig"]
    good = await probe(world, protocol, f"{prefix}.{d}", port, security, login_for(world, d))
    assert good.login is LoginStatus.OK, good.login_detail
    bad = await probe(
        world, protocol, f"{prefix}.{d}", port, security, login_for(world, d, "not the password")
    )
    assert bad.login is LoginStatus.FAILED
    assert bad.login_detail
    assert "not the password" not in repr(bad) + (bad.login_detail or "")


@pytest.mark.parametrize(
    ("scenario", "kind"), [("wrong-name", "hostname-mismatch"), ("expired", "expired")]
)
@pytest.mark.parametrize(("port", "security"), [(993, "tls"), (143, "starttls")])
async def test_bad_certificates_are_named_and_stop_the_probe(
    world: WorldInfo, scenario: str, kind: str, port: int, security: str
):
    """A wrong-name or expired certificate fails TLS with its kind, names and expiry."""
    d = world.domains[scenario]
    v = await probe(world, "imap", f"imap.{d}", port, security, login_for(world, d))
    assert v.tls is TlsStatus.FAILED
    assert v.certificate is not None
    assert not v.certificate.valid
    assert v.certificate.error == kind
    assert v.certificate.kind == kind
    assert v.failure is FailureKind.CERTIFICATE
    assert v.certificate.subject_names  # read from the refused certificate
    assert v.certificate.not_after is not None
    assert v.login is LoginStatus.NOT_TRIED  # nothing continues in clear


async def test_silent_port_times_out_inside_the_budget(world: WorldInfo):
    """A port that accepts and never speaks is a timeout after its phase limit."""
    d = world.domains["silent"]
    started = time.perf_counter()
    options = Options(first_byte_timeout=1.0)  # 1 s, not the default 4 s: the same rule, sooner
    v = await probe(world, "imap", f"imap.{d}", 143, "starttls", deadline=20.0, options=options)
    assert time.perf_counter() - started < halfway(options.first_byte_timeout, 20.0)
    assert v.reachable
    assert v.failure is FailureKind.TIMEOUT
    assert "within" in (v.error or "")


async def test_endless_line_is_an_error_not_a_memory_blow_up(world: WorldInfo):
    """A greeting that never ends is cut at the line cap and reported."""
    d = world.domains["endless-line"]
    for port, security in ((143, "starttls"), (993, "tls")):
        v = await probe(world, "imap", f"imap.{d}", port, security)
        assert v.failure is FailureKind.PROTOCOL
        assert "longer than" in (v.error or "")


world_options = library_options


async def test_guessing_finds_unpublished_servers(world: WorldInfo):
    """With nothing published, guessing confirms imap.:993 and smtp.:465 (low trust)."""
    result = await discover(world.scenarios["guess"].address, options=world_options(world))
    imap, smtp = result.incoming[0], result.outgoing[0]
    assert (imap.host, imap.port, imap.security.value) == ("imap.guess-only.test", 993, "tls")
    assert (smtp.host, smtp.port, smtp.security.value) == ("smtp.guess-only.test", 465, "tls")
    assert imap.sources == [SourceName.GUESS]
    assert imap.trust.value == "low"
    assert imap.verification is not None
    assert imap.verification.tls is TlsStatus.OK


async def test_guessing_a_silent_domain_gives_up_within_the_deadline(world: WorldInfo):
    """Every guessed port silent: nothing found, and the call ends before the deadline."""
    started = time.perf_counter()
    result = await discover(
        world.scenarios["silent-guess"].address, options=world_options(world, deadline=10)
    )
    elapsed = time.perf_counter() - started
    assert not result.incoming
    assert not result.outgoing
    assert elapsed < soon_after(10.0)
    guesses = [a for a in result.attempts if a.source is SourceName.GUESS]
    assert len(guesses) == 23
    assert all(a.status.value in ("timeout", "error") for a in guesses)


async def test_guessing_is_skipped_when_others_answered(world: WorldInfo):
    """A published configuration makes guessing unnecessary: it is skipped."""
    # The rule, not the race: guessing waits for the others for GUESS_GRACE (1 s) only, which a
    # loaded machine can outlast before autoconfig's HTTPS answer arrives. A grace as long as
    # the deadline makes guessing decide once the others have answered, as it does unloaded.
    options = world_options(world)
    sources = [s for s in default_sources() if s.name is not SourceName.GUESS]
    sources.append(GuessSource(grace=options.deadline))
    result = await discover(world.scenarios["autoconfig"].address, options=options, sources=sources)
    assert result.incoming
    assert result.outgoing
    guess = [a for a in result.attempts if a.source is SourceName.GUESS]
    assert [a.status.value for a in guess] == ["skipped"]


async def test_pipeline_verifies_ranks_and_warns(world: WorldInfo):
    """With verification on, the top candidates carry a Verification; bad certificates warn."""
    result = await discover(world.scenarios["wrong-name"].address, options=world_options(world))
    first = result.incoming[0]
    assert first.verification is not None
    probed = [s for s in result.incoming if s.verification is not None]
    assert probed
    assert any(w.code is WarningCode.CERTIFICATE_INVALID for w in result.warnings)
    good = await discover(world.scenarios["autoconfig"].address, options=world_options(world))
    assert good.incoming[0].verification is not None
    assert good.incoming[0].verification.ok
    assert good.outgoing[0].verification is not None
    assert good.outgoing[0].verification.ok


async def test_pipeline_login_check(world: WorldInfo):
    """Options.credentials checks the login on the verified candidates, never leaking it."""
    d = world.domains["autoconfig"]
    creds = Credentials(username="", password=SecretStr(world.password))
    result = await discover(
        world.scenarios["autoconfig"].address, options=world_options(world, credentials=creds)
    )
    assert result.incoming[0].verification is not None
    assert result.incoming[0].verification.login is LoginStatus.OK
    assert result.outgoing[0].verification is not None
    assert result.outgoing[0].verification.login is LoginStatus.OK
    wrong = Credentials(username=f"{world.user}@{d}", password=SecretStr("nope-nope"))
    failed = await discover(
        world.scenarios["autoconfig"].address, options=world_options(world, credentials=wrong)
    )
    assert failed.incoming[0].verification is not None
    assert failed.incoming[0].verification.login is LoginStatus.FAILED
    assert "nope-nope" not in failed.model_dump_json()


async def test_srv_targets_on_loopback_are_blocked_with_block_private(world: WorldInfo):
    """block_private_addresses: SRV targets on the world's 127.0.x addresses are never probed."""
    options = world_options(world, block_private_addresses=True, sources=frozenset({"srv"}))
    result = await discover(world.scenarios["srv"].address, options=options)
    servers = result.incoming + result.outgoing
    assert servers  # the SRV records themselves come over DNS, which is allowed
    for server in servers:
        assert server.verification is not None
        assert server.verification.failure is FailureKind.BLOCKED
        assert not server.verification.reachable
        assert server.verification.address is None  # no connection was made
