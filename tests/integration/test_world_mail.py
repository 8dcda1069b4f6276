"""The world's Dovecot and Postfix greet on every port, with TLS verified for their names."""

from __future__ import annotations

import imaplib
import poplib
import smtplib

import pytest

from tests.world import Expect, WorldInfo
from tests.world.client import (
    WorldIMAP,
    WorldIMAPS,
    WorldPOP3,
    WorldPOP3S,
    WorldSMTP,
    WorldSMTPS,
    resolve_a,
    tls_context,
)
from tests.world.scenarios_audit import NAMES as AUDIT  # checked in test_check_servers.py
from tests.world.scenarios_check import CHECK_NAMES
from tests.world.scenarios_pacc import NAMES as PACC_NAMES

pytestmark = pytest.mark.world

WORKING = [
    "autoconfig",
    "well-known",
    "srv",
    "mx-hosting",
    "ispdb",
    "autodiscover",
    "guess",
    "http-only",
    "disagree",
    "idn",
    "http-redirect",
    "automx2",
    "automua",
    "broken-xml",
    "export",  # tests/world/scenarios_export.py
    "zone-id-host",  # tests/world/scenarios_hosts.py: its real servers work
    "mx-workspace",  # tests/world/scenarios_trust.py
    "trust-agree",
    "srv-thousands",  # tests/world/scenarios_check.py
    *CHECK_NAMES,
    *PACC_NAMES,
    # tests/world/scenarios_dnssec.py: servers with the world CA's certificates
    "dnssec-srv",
    "dnssec-bogus",
    "dane-mismatch",
    "dane-mx",
    "dane-unsigned",
    "dane-odd",
]


def _imap(world: WorldInfo, e: Expect) -> imaplib.IMAP4:
    ip = resolve_a(world, e.host)
    if e.security == "tls":
        return WorldIMAPS(ip, e.host, e.port, tls_context(world))
    imap = WorldIMAP(ip, e.host, e.port)
    assert "LOGINDISABLED" in imap.capabilities, "plaintext login must wait for TLS"
    assert "STARTTLS" in imap.capabilities
    imap.starttls(tls_context(world))
    return imap


def _smtp(world: WorldInfo, e: Expect) -> smtplib.SMTP:
    ip = resolve_a(world, e.host)
    if e.security == "tls":
        smtp: smtplib.SMTP = WorldSMTPS(ip, e.host, e.port, tls_context(world))
        smtp.ehlo()
        return smtp
    smtp = WorldSMTP(ip, e.host, e.port)
    smtp.ehlo()
    assert not smtp.has_extn("auth"), "AUTH must wait for TLS"
    smtp.starttls(context=tls_context(world))
    smtp.ehlo()
    return smtp


def test_working_scenarios_cover_the_world(world: WorldInfo) -> None:
    """Every scenario is either checked end to end here or is one of the hostile/empty ones."""
    hostile = {
        "wrong-name",
        "expired",
        "silent",
        "silent-guess",
        "endless-line",
        "endless-capabilities",
        "gzip-bomb",
        "html-page",
        "redirect-loop",
        "dual-stack",  # tests/integration/test_world_eyeballs.py
        "echo-login",
        "dane",  # a certificate only DANE vouches for: tests/integration/test_world_dnssec.py
    }
    assert set(WORKING) | hostile | set(AUDIT) == set(world.scenarios)


@pytest.mark.parametrize("scenario", WORKING)
def test_expected_incoming_server_greets_and_accepts_login(world: WorldInfo, scenario: str) -> None:
    """The scenario's first incoming server speaks IMAP over verified TLS and takes the user."""
    s = world.scenarios[scenario]
    assert s.incoming is not None
    imap = _imap(world, s.incoming)
    try:
        assert "AUTH=PLAIN" in imap.capabilities
        assert "LOGINDISABLED" not in imap.capabilities
        typ, _ = imap.login(s.address, world.password)
        assert typ == "OK"
    finally:
        imap.logout()


@pytest.mark.parametrize("scenario", WORKING)
def test_expected_outgoing_server_greets_and_offers_auth(world: WorldInfo, scenario: str) -> None:
    """The scenario's first outgoing server speaks ESMTP over verified TLS and offers AUTH."""
    s = world.scenarios[scenario]
    assert s.outgoing is not None
    smtp = _smtp(world, s.outgoing)
    try:
        assert "PLAIN" in smtp.esmtp_features["auth"].split()
    finally:
        smtp.quit()


def test_imap_login_right_and_wrong_password(world: WorldInfo) -> None:
    """IMAP login succeeds with the world's password and fails with another one."""
    # Right first: after a failure Dovecot's auth penalty delays the next login by seconds.
    e = Expect("imap.guess-only.test", 993, "tls")
    for password, works in ((world.password, True), ("wrong password", False)):
        imap = _imap(world, e)
        try:
            if works:
                assert imap.login(world.address("guess"), password)[0] == "OK"
            else:
                with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
                    imap.login(world.address("guess"), password)
        finally:
            imap.logout()


@pytest.mark.parametrize("port", [465, 587])
def test_smtp_login_right_and_wrong_password(world: WorldInfo, port: int) -> None:
    """SMTP AUTH (through Dovecot SASL) succeeds with the password and fails without it."""
    e = Expect("smtp.ispdb-listed.test", port, "tls" if port == 465 else "starttls")
    for password, works in ((world.password, True), ("wrong password", False)):
        smtp = _smtp(world, e)
        try:
            if works:
                assert smtp.login(world.address("ispdb"), password)[0] == 235
            else:
                with pytest.raises(smtplib.SMTPAuthenticationError):
                    smtp.login(world.address("ispdb"), password)
        finally:
            smtp.quit()


def test_pop3_on_995_and_110(world: WorldInfo) -> None:
    """POP3S greets on 995; 110 hides USER until STLS, then accepts the user."""
    host = "pop.srv-only.test"
    ip = resolve_a(world, host)
    pop = WorldPOP3S(ip, host, 995, tls_context(world))
    try:
        assert pop.getwelcome().startswith(b"+OK")
        pop.user(world.address("srv"))
        assert pop.pass_(world.password).startswith(b"+OK")
    finally:
        pop.quit()
    plain = WorldPOP3(ip, host, 110)
    try:
        assert "USER" not in plain.capa()
        plain.stls(tls_context(world))
        assert "USER" in plain.capa()
        plain.user(world.address("srv"))
        with pytest.raises(poplib.error_proto):
            plain.pass_("wrong password")
    finally:
        plain.close()


def test_port_25_never_offers_auth(world: WorldInfo) -> None:
    """Port 25 offers STARTTLS but no AUTH, before or after TLS."""
    host = "smtp.guess-only.test"
    smtp = WorldSMTP(resolve_a(world, host), host, 25)
    try:
        smtp.ehlo()
        assert smtp.has_extn("starttls")
        assert not smtp.has_extn("auth")
        smtp.starttls(context=tls_context(world))
        smtp.ehlo()
        assert not smtp.has_extn("auth")
    finally:
        smtp.quit()
