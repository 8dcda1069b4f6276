"""Autodiscover POX answers of real server software, read by the port-first security rule."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autoconf import AuthMethod, ParseError, Protocol, Security, WarningCode, parse_address
from autoconf.parsers.autodiscover import _security, build_request, parse_autodiscover
from autoconf.parsers.clientconfig import parse_template

JANE = parse_address("jane@example.com")
ALICE = parse_address("alice@automua.test")


def _entries(response) -> list[tuple[Protocol, int, Security]]:
    return [(s.protocol, s.port, s.security) for s in response.incoming + response.outgoing]


def test_stalwart_answer_reads_all_five_entries_right(document):
    """Stalwart's SSL on + Encryption TLS (993/995/465) and bare SSL off (143/587) read right."""
    r = parse_autodiscover(document("stalwart/autodiscover-pox.xml"), JANE)
    assert _entries(r) == [
        (Protocol.IMAP, 993, Security.TLS),
        (Protocol.IMAP, 143, Security.STARTTLS),
        (Protocol.POP3, 995, Security.TLS),
        (Protocol.SMTP, 465, Security.TLS),
        (Protocol.SMTP, 587, Security.STARTTLS),
    ]
    assert {w.code for w in r.warnings} == {WarningCode.SECURITY_FROM_PORT}
    messages = [w.message for w in r.warnings]
    assert len(messages) == 5
    for port in (993, 995, 465):
        assert any(f"port {port}" in m and "<Encryption>TLS</Encryption>" in m for m in messages)
    for port in (143, 587):
        assert any(f"port {port}" in m and "<SSL>off</SSL>" in m for m in messages)


def test_automua_recorded_answer_gives_implicit_tls_with_a_warning(document):
    """automua 2023.0's recorded answer: 993/995/465 are implicit TLS, each disagreement warned."""
    r = parse_autodiscover(document("automua/autodiscover-pox.xml"), ALICE)
    by_port = {s.port: s for s in r.incoming + r.outgoing}
    assert {p: s.security for p, s in by_port.items()} == {
        993: Security.TLS,
        995: Security.TLS,
        465: Security.TLS,
        143: Security.STARTTLS,
        110: Security.STARTTLS,
        587: Security.STARTTLS,
    }
    assert by_port[995].protocol is Protocol.POP3
    assert by_port[993].username == "alice@automua.test"
    warned = sorted(int(w.message.split("port ")[1].split()[0]) for w in r.warnings)
    assert warned == [465, 993, 995]  # SSL=off + Encryption=STARTTLS on 143/110/587 agree
    for w in r.warnings:
        assert w.code is WarningCode.SECURITY_FROM_PORT
        assert "<SSL>on</SSL> <Encryption>TLS</Encryption>" in w.message
        assert w.host is not None
        assert w.host.endswith(".automua.test")


def test_modoboa_ssl_off_on_starttls_ports_is_never_plain(document):
    """Modoboa's SSL=off for its STARTTLS services reads as STARTTLS, not as cleartext."""
    r = parse_autodiscover(document("modoboa/autodiscover-pox.xml"), JANE)
    assert _entries(r) == [
        (Protocol.IMAP, 143, Security.STARTTLS),
        (Protocol.SMTP, 587, Security.STARTTLS),
    ]
    assert [w.code for w in r.warnings] == [WarningCode.SECURITY_FROM_PORT] * 2


def test_type_pop_is_pop3():
    """<Type>POP</Type> (Monogramm's autodiscover-email-settings) is POP3."""
    doc = b"""<Autodiscover><Response><Account><Action>settings</Action>
      <Protocol><Type>POP</Type><Server>pop.example.com</Server><Port>995</Port>
      <SSL>on</SSL></Protocol></Account></Response></Autodiscover>"""
    r = parse_autodiscover(doc, JANE)
    assert _entries(r) == [(Protocol.POP3, 995, Security.TLS)]
    assert r.warnings == []


def test_explicit_encryption_none_is_plain_and_warned():
    """Only Encryption=None makes a well-known port plain, and that disagreement is warned."""
    doc = b"""<Autodiscover><Response><Account><Action>settings</Action>
      <Protocol><Type>SMTP</Type><Server>smtp.example.com</Server><Port>25</Port>
      <Encryption>None</Encryption><AuthRequired>off</AuthRequired></Protocol>
      </Account></Response></Autodiscover>"""
    r = parse_autodiscover(doc, JANE)
    assert _entries(r) == [(Protocol.SMTP, 25, Security.PLAIN)]
    assert "port 25" in r.warnings[0].message
    assert "<Encryption>None</Encryption>" in r.warnings[0].message


def test_other_ports_follow_the_elements_without_warning():
    """On a port that says nothing, Encryption TLS is STARTTLS and SSL off is plain, unwarned."""
    doc = b"""<Autodiscover><Response><Account><Action>settings</Action>
      <Protocol><Type>IMAP</Type><Server>imap.example.com</Server><Port>1143</Port>
      <SSL>on</SSL><Encryption>TLS</Encryption></Protocol>
      <Protocol><Type>SMTP</Type><Server>smtp.example.com</Server><Port>2525</Port>
      <SSL>off</SSL></Protocol></Account></Response></Autodiscover>"""
    r = parse_autodiscover(doc, JANE)
    assert _entries(r) == [
        (Protocol.IMAP, 1143, Security.STARTTLS),
        (Protocol.SMTP, 2525, Security.PLAIN),
    ]
    assert r.warnings == []


ADDRESS = parse_address("jane@example.com")


def test_settings_response_maps_protocols(document):
    """IMAP, POP3 and SMTP protocols map to settings; Exchange types are ignored."""
    r = parse_autodiscover(document("autodiscover-settings.xml"), ADDRESS)
    assert r.redirect_url is None
    assert r.redirect_addr is None
    imap, pop = r.incoming
    assert (imap.protocol, imap.host, imap.port, imap.security) == (
        Protocol.IMAP,
        "imap.example.com",
        993,
        Security.TLS,
    )
    assert imap.username == "jane@example.com"
    assert imap.auth == [AuthMethod.PASSWORD_CLEARTEXT]
    assert (pop.port, pop.security, pop.auth) == (110, Security.STARTTLS, [AuthMethod.NTLM])
    assert pop.username == "jane@example.com"  # no LoginName: the address
    submission, relay = r.outgoing
    assert (submission.port, submission.security) == (587, Security.STARTTLS)
    assert submission.username == "EXAMPLE\\jane"  # DomainRequired with DomainName
    # SSL=off on port 25 is STARTTLS all the same (RFC 8314: no cleartext on a guess)
    assert (relay.security, relay.auth) == (Security.STARTTLS, [AuthMethod.NONE])
    assert [(w.code, w.host) for w in r.warnings] == [(WarningCode.SECURITY_FROM_PORT, relay.host)]


def test_redirects_are_reported(document):
    """redirectAddr and redirectUrl answers carry the new address or URL."""
    addr = parse_autodiscover(document("autodiscover-redirect-addr.xml"), ADDRESS)
    assert addr.redirect_addr == "jane@hosted.example.net"
    url = parse_autodiscover(document("autodiscover-redirect-url.xml"), ADDRESS)
    assert (
        url.redirect_url == "https://autodiscover.hosted.example.net/autodiscover/autodiscover.xml"
    )


def test_error_response_is_reported(document):
    """An <Error> answer gives its code and message instead of settings."""
    r = parse_autodiscover(document("autodiscover-error.xml"), ADDRESS)
    assert (r.error_code, r.error_message) == ("600", "Invalid Request")
    assert not r.incoming
    assert not r.outgoing


@pytest.mark.parametrize(
    ("encryption", "ssl", "port", "expected", "warned"),
    [
        # well-known ports: the port decides; only Encryption=None means plain
        ("TLS", "on", 993, Security.TLS, True),  # automua, Stalwart
        ("TLS", "on", 995, Security.TLS, True),
        ("TLS", "on", 465, Security.TLS, True),
        (None, "off", 143, Security.STARTTLS, True),  # Stalwart, Modoboa
        (None, "off", 587, Security.STARTTLS, True),
        (None, "off", 110, Security.STARTTLS, True),
        (None, "off", 25, Security.STARTTLS, True),
        (None, "off", 993, Security.TLS, True),
        ("STARTTLS", "off", 143, Security.STARTTLS, False),  # automua's STARTTLS ports
        ("SSL", None, 587, Security.STARTTLS, True),
        ("SSL", "on", 993, Security.TLS, False),
        ("None", "on", 993, Security.PLAIN, True),
        ("none", "off", 143, Security.PLAIN, True),
        ("Auto", None, 143, Security.STARTTLS, False),
        ("Auto", None, 993, Security.TLS, False),
        (None, "on", 25, Security.STARTTLS, False),  # SSL=on only says "encrypted"
        (None, None, 465, Security.TLS, False),
        ("ROT13", None, 993, Security.TLS, True),
        # other ports: the elements decide
        ("TLS", "on", 1143, Security.STARTTLS, False),
        ("starttls", None, 2525, Security.STARTTLS, False),
        ("SSL", "off", 2525, Security.TLS, False),
        ("None", None, 2525, Security.PLAIN, False),
        ("Auto", "off", 2525, Security.PLAIN, False),
        (None, "off", 2525, Security.PLAIN, False),
        (None, "on", 2525, Security.TLS, False),
        (None, None, None, Security.TLS, False),
        ("TLS", None, None, Security.STARTTLS, False),
    ],
)
def test_security_rule_port_then_elements(encryption, ssl, port, expected, warned):
    """Well-known ports decide (plain only by Encryption=None); elsewhere the elements do."""
    security, note = _security(encryption, ssl, port)
    assert security is expected
    assert (note is not None) is warned
    if note is not None:
        assert f"port {port}" in note
        for value in (encryption, ssl):
            if value is not None:
                assert f">{value}</" in note


def test_unknown_encryption_skips_that_protocol():
    """On a port that says nothing, an unknown Encryption value skips the protocol, warned."""
    doc = b"""<Autodiscover><Response><Account><Action>settings</Action>
      <Protocol><Type>IMAP</Type><Server>imap.example.com</Server><Port>1993</Port>
      <Encryption>ROT13</Encryption></Protocol>
      <Protocol><Type>SMTP</Type><Server>smtp.example.com</Server></Protocol>
      </Account></Response></Autodiscover>"""
    r = parse_autodiscover(doc, ADDRESS)
    assert r.incoming == []
    assert r.outgoing[0].port == 465  # no Port, SSL default on
    assert "ROT13" in r.warnings[0].message


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        (b"<clientConfig/>", "not an Autodiscover response"),
        (b"<Autodiscover/>", "no <Response>"),
        (b"<Autodiscover><Response/></Autodiscover>", "no <Account>"),
        (
            b"<Autodiscover><Response><Account><Action>redirectUrl</Action></Account>"
            b"</Response></Autodiscover>",
            "without a <RedirectUrl>",
        ),
        (
            b"<Autodiscover><Response><Account><Protocol><Type>EXCH</Type></Protocol></Account>"
            b"</Response></Autodiscover>",
            "no usable server",
        ),
        (
            b"<Autodiscover><Response><Account><Protocol><Type>IMAP</Type>"
            b"<Server>https://x.example/</Server></Protocol></Account></Response></Autodiscover>",
            "is a URL",
        ),
        (b"<html><body>Sign in</body></html>", "HTML page"),
    ],
)
def test_unusable_responses_raise_parse_error(doc: bytes, reason: str):
    """Foreign, empty and malformed responses raise ParseError saying why."""
    with pytest.raises(ParseError) as info:
        parse_autodiscover(doc, ADDRESS)
    assert reason in str(info.value)


def test_request_body_escapes_the_address():
    """The POX request names the address (XML-escaped) and the 2006a response schema."""
    body = build_request("a&b@example.com").decode()
    assert "<EMailAddress>a&amp;b@example.com</EMailAddress>" in body
    assert "outlook/responseschema/2006a" in body


def test_automx2_style_clientconfig_and_pox_parse():
    """Documents shaped like automx2's output (namespaced POX, 1.1 clientConfig) parse."""
    pox = (
        b"<?xml version='1.0' encoding='utf-8'?>\n"
        b'<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/'
        b'responseschema/2006"><Response xmlns="http://schemas.microsoft.com/exchange/'
        b'autodiscover/outlook/responseschema/2006a"><Account><AccountType>email</AccountType>'
        b"<Action>settings</Action><Protocol><Type>IMAP</Type><Server>imap.example.com</Server>"
        b"<Port>993</Port><DomainRequired>off</DomainRequired><LoginName>jane@example.com"
        b"</LoginName><SPA>off</SPA><SSL>on</SSL><AuthRequired>on</AuthRequired></Protocol>"
        b"</Account></Response></Autodiscover>"
    )
    assert parse_autodiscover(pox, ADDRESS).incoming[0].port == 993
    assert (
        parse_template(
            b"<clientConfig version='1.1'><emailProvider id='example.com'>"
            b"<domain>example.com</domain>"
            b"<incomingServer type='imap'><hostname>imap.example.com</hostname><port>993</port>"
            b"<socketType>SSL</socketType><username>%EMAILADDRESS%</username>"
            b"<authentication>password-cleartext</authentication></incomingServer></emailProvider>"
            b"</clientConfig>"
        )
        .servers[0]
        .hostname
        == "imap.example.com"
    )


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=300)
    | st.text(max_size=300).map(
        lambda t: (
            f"<Autodiscover><Response><Account>{t}</Account></Response></Autodiscover>".encode()
        )
    )
)
def test_random_input_only_raises_parse_error(doc: bytes):
    """Whatever the bytes, the parser returns a response or raises ParseError."""
    with contextlib.suppress(ParseError):
        parse_autodiscover(doc, ADDRESS)
